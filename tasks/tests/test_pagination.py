"""Keyset cursors: what a page's last row encodes, and every cursor a client could forge."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from rest_framework.exceptions import ValidationError

from tasks.pagination import _decode_cursor, encode_cursor

TASK = {"id": 42, "title": "Buy milk", "created_at": datetime(2026, 11, 26, 10, tzinfo=timezone.utc)}


def forged(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "ordering, value",
    [("-created_at", TASK["created_at"]), ("title", "Buy milk"), ("id", 42), ("-id", 42)],
)
def test_a_cursor_decodes_to_the_position_it_encoded(ordering, value):
    assert _decode_cursor(ordering, encode_cursor(ordering, TASK)) == (value, 42)


def test_a_cursor_is_opaque_url_safe_text():
    cursor = encode_cursor("-created_at", TASK)
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor


@pytest.mark.parametrize(
    "ordering, cursor",
    [
        ("-created_at", encode_cursor("title", TASK)),  # made for another ordering
        ("-created_at", "not base64 at all!"),
        ("-created_at", forged({"a": 1})),
        ("-created_at", forged(["-created_at", "yesterday", 42])),
        ("-created_at", forged(["-created_at", "2026-11-26T10:00:00", 42])),  # no offset
        ("-created_at", forged(["-created_at", "2026-11-26T10:00:00Z", 0])),
        ("-created_at", forged(["-created_at", "2026-11-26T10:00:00Z", 2**63])),
        ("-created_at", forged(["-created_at", "2026-11-26T10:00:00Z", True])),
        ("-created_at", forged(["-created_at", "2026-11-26T10:00:00Z"])),
        ("title", forged(["title", 7, 42])),
        ("title", forged(["title", "nul\x00", 42])),
    ],
)
def test_a_cursor_that_is_not_one_of_ours_is_refused(ordering, cursor):
    with pytest.raises(ValidationError):
        _decode_cursor(ordering, cursor)
