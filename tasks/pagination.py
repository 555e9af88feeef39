"""Keyset pages for the task list: the body stays a JSON array, the next page is in ``Link``.

A cursor is the position of the last row of a page in the list's ordering: the ordered field's
value and the id (the tie-breaker). The next page is "rows after that position", which stays
correct when rows are added or deleted between pages and costs the same on page 1 and page 1,000.
Cursors are opaque to clients (base64url JSON) and validated like any other input.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from tasks.filters import ListParams
from tasks.models import Task, is_task_id
from tasks.queries import fetch_all
from tasks.sync import InvalidSyncPoint, parse_sync_point
from todo_backend.text import unstorable_text

CURSOR_PARAM = "cursor"
# A cursor of ours is a few hundred characters (a 255-character title at most, escaped).
MAX_CURSOR_LENGTH = 4096
_INVALID_CURSOR = {CURSOR_PARAM: ["This cursor is not valid for this list."]}


def paginate(queryset: QuerySet[Task], params: ListParams) -> tuple[list[dict[str, Any]], str | None]:
    """Return the page of ``queryset`` (already ordered by ``params``) as task dictionaries, and
    the next cursor, if any."""
    if params.cursor is not None:
        queryset = queryset.filter(_after(params.ordering, params.cursor))
    if params.limit is None:
        return fetch_all(queryset), None  # everything after the cursor, if any
    rows = fetch_all(queryset[: params.limit + 1])
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor(params.ordering, rows[-1])


def next_link(request: Request, cursor: str) -> str:
    url = replace_query_param(request.build_absolute_uri(), CURSOR_PARAM, cursor)
    return f'<{url}>; rel="next"'


def encode_cursor(ordering: str, task: dict[str, Any]) -> str:
    field = ordering.lstrip("-")
    value: Any = task[field]
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([ordering, value, task["id"]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_cursor(ordering: str, cursor: str) -> tuple[Any, int]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise ValidationError(_INVALID_CURSOR)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise ValidationError(_INVALID_CURSOR) from None
    if not (isinstance(decoded, list) and len(decoded) == 3 and decoded[0] == ordering):
        raise ValidationError(_INVALID_CURSOR)
    _, value, task_id = decoded
    if not is_task_id(task_id):
        raise ValidationError(_INVALID_CURSOR)
    field = ordering.lstrip("-")
    if field in ("created_at", "updated_at"):
        try:
            value = parse_sync_point(value) if isinstance(value, str) else None
        except InvalidSyncPoint:
            value = None
        if value is None:
            raise ValidationError(_INVALID_CURSOR)
    elif field == "title":
        if not isinstance(value, str) or unstorable_text(value):
            raise ValidationError(_INVALID_CURSOR)
    return value, task_id


def _after(ordering: str, cursor: str) -> Q:
    value, task_id = _decode_cursor(ordering, cursor)
    field = ordering.lstrip("-")
    op = "lt" if ordering.startswith("-") else "gt"
    if field == "id":
        return Q(**{f"id__{op}": task_id})
    return Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": task_id})
