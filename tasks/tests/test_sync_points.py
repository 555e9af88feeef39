"""Sync points: the X-Sync-Token a list hands out, and the ISO-8601 times clients may send instead."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tasks.sync import TOKEN_PREFIX, InvalidSyncPoint, parse_sync_point, sync_token

READ_AT = datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=timezone.utc)


def test_a_token_names_the_lookback_before_its_list_was_read(settings):
    settings.SYNC_LOOKBACK_SECONDS = 5
    token = sync_token(READ_AT)
    assert token.startswith(TOKEN_PREFIX)
    assert parse_sync_point(token) == READ_AT - timedelta(seconds=5)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-26T10:00:00Z", datetime(2026, 11, 26, 10, tzinfo=timezone.utc)),
        ("2026-11-26T11:00:00+01:00", datetime(2026, 11, 26, 10, tzinfo=timezone.utc)),
        ("2026-11-26T11:00:00 01:00", datetime(2026, 11, 26, 10, tzinfo=timezone.utc)),  # "+" unencoded
    ],
)
def test_iso_timestamps_with_an_offset_are_read_in_utc(value, expected):
    parsed = parse_sync_point(value)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-26T10:00:00",  # no offset: ambiguous
        "yesterday",
        "2026-13-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        TOKEN_PREFIX + "!!!",
        TOKEN_PREFIX + "w6k",  # base64 of bytes that are not ASCII
        "",
    ],
)
def test_anything_else_is_refused_with_a_reason(value):
    with pytest.raises(InvalidSyncPoint) as refused:
        parse_sync_point(value)
    assert str(refused.value)
