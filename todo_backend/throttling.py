"""Rate limits, counted in Django's cache so that every worker and every instance share them.

Each limit counts requests in fixed windows of its period (``600/min``: up to 600 requests in each
clock minute), with one atomic increment per request where the cache has them (Redis).

- ``UserRateThrottle`` (DRF throttle, ``THROTTLE_RATE_USER``): per token subject, for every
  authenticated request.
- ``UnverifiedClients`` (``THROTTLE_RATE_ANON``): per client IP, for requests that carry no valid
  token. The authentication class counts them; once a client is over its limit, this worker refuses
  its requests with 429 *before* verifying their token, so a flood of forged or expired tokens
  costs a dictionary lookup each, not a signature check (another worker stops after its own next
  refusal counts).

The client IP is ``REMOTE_ADDR``, or, behind ``NUM_PROXIES`` trusted proxies, the address they
saw in ``X-Forwarded-For`` (DRF's ``get_ident``); with ``NUM_PROXIES=0`` the header is ignored, so
clients cannot claim another address.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
import weakref

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis import Connection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from todo_backend.rates import parse_rate

logger = logging.getLogger(__name__)


def count_request(scope: str, ident: str, rate: str, now: float | None = None) -> float | None:
    """Count one request of ``ident``; None while within ``rate``, else the seconds until the
    window ends (for ``Retry-After``)."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"throttle:{scope}:{ident}:{window}"
    try:
        count = _increment(key, period + 1)
    except RedisError:
        # Rate limiting fails open: Redis being down must not take the API down with it.
        _warn_cache_down()
        return None
    if count <= limit:
        return None
    return max(1.0, (window + 1) * period - now)


# INCR, and EXPIRE for a new counter, in one atomic round trip (a script, run by its digest);
# Django's incr() spends three: EXISTS, INCR, and an add for a new key.
_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisCounter:
    """Runs the increment script on one kept connection per thread, made from the Redis cache's
    own connection pool (so with its address and timeouts).

    Why not through a redis-py client: for one small command per request, a client's pool
    checkout, retry and telemetry wrapping cost about twice the CPU of the round trip itself.
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._script_sha = hashlib.sha1(_INCREMENT.encode()).hexdigest()
        self._local = threading.local()

    def increment(self, key: str, timeout: int) -> int:
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            # New thread, or a process forked after this one counted: never share a socket.
            connection = self._local.connection = self._pool.make_connection()
            self._local.pid = os.getpid()
        try:
            return self._run(connection, key, timeout)
        except RedisConnectionError:
            # Most likely a connection Redis closed while it sat idle: one more try, on a new one.
            connection.disconnect()
            try:
                return self._run(connection, key, timeout)
            except RedisError:
                connection.disconnect()
                raise
        except (RedisTimeoutError, OSError):
            connection.disconnect()  # its reply may still arrive; it must not answer the next command
            raise

    def _run(self, connection: Connection, key: str, timeout: int) -> int:
        connection.send_command("EVALSHA", self._script_sha, 1, key, timeout)
        try:
            return int(connection.read_response())
        except NoScriptError:  # a restarted (or flushed) Redis has forgotten the script
            connection.send_command("EVAL", _INCREMENT, 1, key, timeout)
            return int(connection.read_response())


_redis_counters: weakref.WeakKeyDictionary[RedisCache, RedisCounter] = weakref.WeakKeyDictionary()


def _increment(key: str, timeout: int) -> int:
    """Add one to the counter ``key`` (created with ``timeout``) and return its new value."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        counter = _redis_counters.get(backend)
        if counter is None:
            client = backend._cache.get_client(write=True)
            counter = _redis_counters[backend] = RedisCounter(client.connection_pool)
        return counter.increment(backend.make_and_validate_key(key), timeout)
    try:
        return backend.incr(key)
    except ValueError:  # the window's first request (or the counter just expired)
        return 1 if backend.add(key, 1, timeout) else backend.incr(key)


_last_warning = 0.0


def _warn_cache_down() -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 10:  # one line per 10 s, not one per request
        _last_warning = time.monotonic()
        logger.warning("The rate-limit cache (Redis) is unreachable; requests are not being counted.", exc_info=True)


def _digest(value: str) -> str:
    """Fixed-length, cache-safe key part for any user id."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class UserRateThrottle(BaseThrottle):
    """``THROTTLE_RATE_USER`` per token subject (``request.user_id``)."""

    def allow_request(self, request: Request, view) -> bool:
        user_id = getattr(request, "user_id", None)
        if user_id is None:
            return True
        self._wait = count_request("user", _digest(user_id), settings.THROTTLE_RATE_USER)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class UnverifiedClients:
    """Per client IP: requests without a valid token, and the clients refused for too many."""

    MAX_REMEMBERED = 10_000

    def __init__(self) -> None:
        self._refused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def refuse_if_over_limit(self, request: Request) -> None:
        """Before verifying a token: 429 for a client already over its limit (no I/O)."""
        if not self._refused_until:  # the usual case: nobody is refused, no address to work out
            return
        until = self._refused_until.get(client_ip(request))
        if until is not None:
            remaining = until - time.time()
            if remaining > 0:
                raise Throttled(wait=math.ceil(remaining))

    def count(self, request: Request) -> None:
        """A request without a valid token: count it, and 429 when that puts its client over."""
        ip = client_ip(request)
        wait = count_request("anon", ip, settings.THROTTLE_RATE_ANON)
        if wait is None:
            return
        with self._lock:
            if len(self._refused_until) >= self.MAX_REMEMBERED:
                now = time.time()
                self._refused_until = {k: v for k, v in self._refused_until.items() if v > now}
            self._refused_until[ip] = time.time() + wait
        raise Throttled(wait=math.ceil(wait))

    def forget(self) -> None:
        with self._lock:
            self._refused_until.clear()


def client_ip(request: Request) -> str:
    return BaseThrottle().get_ident(request)


unverified_clients = UnverifiedClients()
