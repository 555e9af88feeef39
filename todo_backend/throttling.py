"""Rate limits, counted where every worker and every instance share them (``todo_backend.counters``:
Redis, or a database table).

Each limit counts requests in fixed windows of its period (``600/min``: up to 600 requests in each
clock minute), with one atomic increment per request.

- ``UserRateThrottle`` (``THROTTLE_RATE_USER``): per token subject, for every authenticated
  request; a DRF throttle like any other.
- ``ClientRateThrottle`` (``THROTTLE_RATE_ANON``): per client IP, for the requests refused for
  their credentials (none, or a token that failed verification). ``ThrottleRefusedCredentials``
  runs it from the view's ``initial()`` when authentication refuses a request, and answers 429
  instead of 401 once the client is over its limit. Every token is verified first, so a valid one
  is never refused because of other requests from its address: behind a load balancer, every
  user shares the balancer's address. A flood of forged tokens costs a signature check each.

The client IP is ``REMOTE_ADDR``, or, behind ``NUM_PROXIES`` trusted proxies, the address they
saw in ``X-Forwarded-For`` (DRF's ``get_ident``); with ``NUM_PROXIES=0`` the header is ignored, so
clients cannot claim another address.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from todo_backend.counters import CountersUnavailable, shared_counters
from todo_backend.rates import parse_rate

logger = logging.getLogger(__name__)


def count_request(scope: str, ident: str, rate: str, now: float | None = None) -> float | None:
    """Count one request of ``ident``; None while within ``rate``, else the seconds until the
    window ends (for ``Retry-After``)."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    try:
        count = shared_counters().increment(f"{scope}:{_digest(ident)}", window, period)
    except CountersUnavailable:
        # Rate limiting fails open: Redis being down must not take the API down with it.
        _warn_counters_down()
        return None
    if count <= limit:
        return None
    return max(1.0, (window + 1) * period - now)


_last_warning = 0.0


def _warn_counters_down() -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 10:  # one line per 10 s, not one per request
        _last_warning = time.monotonic()
        logger.warning("The rate-limit counters are unreachable; requests are not being counted.", exc_info=True)


def _digest(value: str) -> str:
    """A fixed-length key part for any user id or client address."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class UserRateThrottle(BaseThrottle):
    """``THROTTLE_RATE_USER`` per token subject (``request.user.id``)."""

    def allow_request(self, request: Request, view) -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return True
        self._wait = count_request("user", request.user.id, settings.THROTTLE_RATE_USER)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class ClientRateThrottle(BaseThrottle):
    """``THROTTLE_RATE_ANON`` per client IP (``NUM_PROXIES`` decides which address that is)."""

    def allow_request(self, request: Request, view) -> bool:
        # A WSGI server may give no peer address: such requests share one counter.
        client = self.get_ident(request) or "unknown"
        self._wait = count_request("anon", client, settings.THROTTLE_RATE_ANON)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class ThrottleRefusedCredentials:
    """API view mixin: every request that authentication refuses (401) counts against its client,
    and a client over its limit is answered 429 instead."""

    refused_credentials_throttle_classes = [ClientRateThrottle]

    def initial(self, request: Request, *args, **kwargs) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (NotAuthenticated, AuthenticationFailed):
            for throttle_class in self.refused_credentials_throttle_classes:
                if not (throttle := throttle_class()).allow_request(request, self):
                    self.throttled(request, throttle.wait())
            raise
