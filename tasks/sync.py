"""Sync points for incremental sync: an ISO-8601 instant, or the opaque token a list handed out.

A client keeps a local copy by asking, with the ``X-Sync-Token`` of its last list, for the tasks
changed since (``GET tasks?updated_since=<token>``) and the tasks deleted since
(``GET tasks/deleted?since=<token>``). A token names a moment ``SYNC_LOOKBACK_SECONDS`` before the
list was read: a write that read the clock before that list and committed after it is still
"changed since" the token. Answers may therefore repeat a task the client already has; both are
inclusive, and clients de-duplicate by id.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

TOKEN_PREFIX = "st1_"
# "2026-11-26T10:00:00 01:00": a "+" that was not URL-encoded arrived as a space.
_UNENCODED_PLUS = re.compile(r"(?<=\d) (?=\d\d:?\d\d$)")


class InvalidSyncPoint(ValueError):
    pass


def sync_token(read_at: datetime) -> str:
    """The token for a list read at ``read_at``."""
    point = (read_at - timedelta(seconds=settings.SYNC_LOOKBACK_SECONDS)).astimezone(dt_timezone.utc)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(point.isoformat().encode()).rstrip(b"=").decode()


def parse_sync_point(value: str) -> datetime:
    """An aware datetime from a token or an ISO-8601 timestamp with an offset (``Z`` allowed)."""
    if value.startswith(TOKEN_PREFIX):
        encoded = value.removeprefix(TOKEN_PREFIX)
        try:
            value = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("ascii")
        except (binascii.Error, ValueError):
            raise InvalidSyncPoint("This sync token is not valid.") from None
    else:
        value = _UNENCODED_PLUS.sub("+", value.strip())
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidSyncPoint("Give an ISO-8601 timestamp with an offset (e.g. 2026-11-26T10:00:00Z) or an X-Sync-Token.")
    if parsed.tzinfo is None:
        raise InvalidSyncPoint("The timestamp needs an offset (Z or +hh:mm): a time without one is ambiguous.")
    try:
        return parsed.astimezone(dt_timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise InvalidSyncPoint("This timestamp is out of range.") from None


def tombstones_kept_since() -> datetime:
    """The oldest moment whose deletions are still known."""
    return timezone.now() - timedelta(days=settings.TOMBSTONE_RETENTION_DAYS)
