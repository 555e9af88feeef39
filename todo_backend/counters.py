"""Rate-limit counters that every worker and every instance share.

A counter counts one caller's requests in one window of a limit's period (the ``600/min`` limit's
windows are clock minutes). ``increment`` adds one and returns the new count, atomically, so two
workers counting at once never lose a request:

- ``RedisCounters`` (``REDIS_URL`` set, recommended): INCR and EXPIRE in one script, one round trip;
- ``DatabaseCounters`` (otherwise): one upsert into the ``rate_limit_counters`` table, one row per
  caller that is reused window after window, with expired rows removed now and then;
- ``MemoryCounters``: this process alone, for the test suite (``RATE_LIMIT_COUNTERS = "memory"``).

A store that cannot be reached raises ``CountersUnavailable``; the throttles then fail open. After
Redis failed to answer, it is not asked again for ``RedisCounters.BACKOFF_SECONDS``: a hung Redis
costs each worker one slow request per back-off, not a timeout on every request.
"""

from __future__ import annotations

import functools
import threading
import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from todo_backend.models import RateCounter


class CountersUnavailable(Exception):
    """The store did not answer (down, hung, or refusing); nothing was counted."""


# INCR, and EXPIRE for a new counter, in one atomic round trip (a script, run by its digest).
_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisCounters:
    """One Redis client (thread-safe; a forked process makes its own connections). A connection
    Redis closed while idle is retried once on a new one; a timeout is never retried."""

    BACKOFF_SECONDS = 5.0

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(
            url,
            **settings.REDIS_OPTIONS,
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        self._increment = self._client.register_script(_INCREMENT)
        self._failed_until = 0.0

    def increment(self, key: str, window: int, period: int) -> int:
        """Count one request of ``key`` in ``window``, the window-th ``period`` seconds since 1970."""
        return int(self._ask(self._increment, keys=[f"throttle:{key}:{window}"], args=[period + 1]))

    def available(self) -> bool:
        """Whether Redis answers now (for ``/api/health``); a failure starts a back-off too."""
        try:
            return bool(self._ask(self._client.ping))
        except CountersUnavailable:
            return False

    def _ask(self, command, *args, **kwargs):
        if time.monotonic() < self._failed_until:
            raise CountersUnavailable("Redis failed a moment ago; not asked again yet")
        try:
            return command(*args, **kwargs)
        except RedisError as exc:
            self._failed_until = time.monotonic() + self.BACKOFF_SECONDS
            raise CountersUnavailable(str(exc)) from exc


class DatabaseCounters:
    """Counters in the ``rate_limit_counters`` table, one upsert per request: exact, unlike a cache
    that reads and then writes."""

    # A window's counter row is reused by the caller's next window; rows of callers gone quiet are
    # deleted at most this often per process.
    PURGE_INTERVAL = 60.0

    # SQLite (3.35+) and PostgreSQL both upsert and return the row in one statement. The names
    # are RateCounter's table and columns.
    UPSERT = (
        "INSERT INTO rate_limit_counters (ident, window_number, hits, expires_at) VALUES (%s, %s, 1, %s) "
        "ON CONFLICT (ident) DO UPDATE SET hits = CASE WHEN rate_limit_counters.window_number = "
        "excluded.window_number THEN rate_limit_counters.hits + 1 ELSE 1 END, "
        "window_number = excluded.window_number, expires_at = excluded.expires_at RETURNING hits"
    )

    def __init__(self) -> None:
        self._purged_at = 0.0

    def increment(self, key: str, window: int, period: int) -> int:
        try:
            with connection.cursor() as cursor:
                cursor.execute(self.UPSERT, [key, window, (window + 1) * period])
                count = cursor.fetchone()[0]
            if time.monotonic() - self._purged_at > self.PURGE_INTERVAL:
                self._purged_at = time.monotonic()
                RateCounter.objects.filter(expires_at__lt=int(time.time())).delete()
        except DatabaseError as exc:
            raise CountersUnavailable(str(exc)) from exc
        return count

    def available(self) -> bool:
        return True  # as available as the database, which /api/health checks itself


class MemoryCounters:
    """This process's own counts: not shared, so only for the test suite."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def increment(self, key: str, window: int, period: int) -> int:
        with self._lock:
            count = self._counts[key, window] = self._counts.get((key, window), 0) + 1
        return count

    def available(self) -> bool:
        return True

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


@functools.lru_cache(maxsize=4)
def _counters(kind: str, redis_url: str) -> RedisCounters | DatabaseCounters | MemoryCounters:
    if kind == "memory":
        return MemoryCounters()
    return RedisCounters(redis_url) if kind == "redis" else DatabaseCounters()


def shared_counters() -> RedisCounters | DatabaseCounters | MemoryCounters:
    """The store ``RATE_LIMIT_COUNTERS`` names (``redis`` with ``REDIS_URL``, else ``database``)."""
    return _counters(settings.RATE_LIMIT_COUNTERS, settings.REDIS_URL)
