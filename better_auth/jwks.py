"""Better Auth's public keys (its JWKS endpoint), fetched over HTTP and cached in the process.

The cache is built so that the key server can neither be flooded through us nor take us down:

- keys are kept for ``lifetime`` seconds, then refreshed on the next use;
- a token naming an unknown ``kid`` (key rotation) triggers a refresh, but fetch attempts of any
  kind happen at most once per ``min_refresh_interval`` seconds, so random kids cannot turn into
  a flood of requests to Better Auth;
- a fetch is bounded by ``timeout`` seconds in total (connect, headers and a body read chunk by
  chunk against a deadline) and by ``MAX_JWKS_BYTES``;
- when a refresh fails, the keys already known keep working; only a process that has never
  obtained the key set reports it as unavailable;
- each public key is built from its JWK once, when the key set is fetched (decoding and checking
  its numbers or curve point costs about a tenth of a signature check), so a key that Better Auth
  replaced or withdrew is gone with the next fetch.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings

logger = logging.getLogger(__name__)

MAX_JWKS_BYTES = 256 * 1024
MAX_KID_LENGTH = 256


class JWKSUnavailable(Exception):
    """The key set has never been fetched and cannot be fetched now."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"JWKS unavailable; retry in {retry_after:.0f}s")
        self.retry_after = retry_after


class JWKSFetchError(Exception):
    """One fetch of the key set failed (network, status, timeout, size or content)."""


@dataclass(frozen=True)
class PublishedKey:
    """One signing key of the key set: its JWK as published, and the public key built from it
    (None when the JWK cannot be turned into one)."""

    jwk: dict[str, Any]
    key: Any


@dataclass(frozen=True)
class JWKSConfig:
    url: str
    lifetime: float
    min_refresh_interval: float
    timeout: float


class JWKSCache:
    """The keys of one JWKS URL, by ``kid``. Safe to share between the threads of a worker."""

    def __init__(self, config: JWKSConfig, clock=time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, PublishedKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self.fetch_count = 0

    def get(self, kid: str) -> PublishedKey | None:
        """The key whose ``kid`` is ``kid``, or None when the key set does not hold it.

        Raises ``JWKSUnavailable`` when no key set was ever obtained and none can be fetched now.
        """
        now = self._clock()
        if kid in self._keys and not self._is_stale(now):
            return self._keys[kid]
        with self._lock:
            now = self._clock()
            if kid in self._keys and not self._is_stale(now):
                return self._keys[kid]
            if self._may_attempt(now):
                self._refresh(now)
            if self._fetched_at is None:
                raise JWKSUnavailable(retry_after=self._next_attempt_in(self._clock()))
            return self._keys.get(kid)

    def _is_stale(self, now: float) -> bool:
        return self._fetched_at is None or now - self._fetched_at >= self.config.lifetime

    def _may_attempt(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.config.min_refresh_interval

    def _next_attempt_in(self, now: float) -> float:
        if self._attempted_at is None:
            return 0.0
        return max(0.0, self.config.min_refresh_interval - (now - self._attempted_at))

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        self.fetch_count += 1
        try:
            keys = parse_jwks(fetch_jwks(self.config.url, self.config.timeout))
        except JWKSFetchError as exc:
            # Keep serving the keys we have: a key server outage must not log every user out.
            logger.warning("Could not refresh the JWKS from %s: %s", self.config.url, exc)
            return
        self._keys = keys
        self._fetched_at = self._clock()


def fetch_jwks(url: str, timeout: float) -> Any:
    """GET ``url`` and decode its JSON body, all within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "todo-backend"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status != 200:
                raise JWKSFetchError(f"HTTP {response.status}")
            chunks, size = [], 0
            # read1 returns what one socket read brings, so a server that drips bytes
            # still meets the deadline instead of resetting the socket timeout forever.
            while chunk := response.read1(16 * 1024):
                size += len(chunk)
                if size > MAX_JWKS_BYTES:
                    raise JWKSFetchError(f"response larger than {MAX_JWKS_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise JWKSFetchError(f"no complete response within {timeout}s")
                chunks.append(chunk)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        # URLError covers refused connections and HTTP errors; OSError covers timeouts.
        raise JWKSFetchError(str(exc) or type(exc).__name__) from None
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        raise JWKSFetchError("response is not JSON (or is nested too deeply)") from None


def parse_jwks(document: Any) -> dict[str, PublishedKey]:
    """The signing keys of a JWKS document, by kid; keys without a usable kid are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JWKSFetchError('not a JWKS document (no "keys" list)')
    keys = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        keys[kid] = PublishedKey(jwk, _public_key(jwk))
    return keys


def _public_key(jwk: dict[str, Any]) -> Any:
    """The key a token's signature is checked with. Its type does not depend on which algorithm
    of its family (RS256 or PS256, say) a token names; tokens check that the family fits."""
    # Without an "alg", PyJWT guesses one from the key type, and guesses no EdDSA for Ed448.
    family_default = "EdDSA" if jwk.get("kty") == "OKP" and "alg" not in jwk else None
    try:
        return jwt.PyJWK(jwk, algorithm=family_default).key
    except (jwt.PyJWTError, ValueError, TypeError):  # whatever a malformed JWK makes PyJWT raise
        return None


_caches: dict[JWKSConfig, JWKSCache] = {}
_caches_lock = threading.Lock()


def get_jwks_cache() -> JWKSCache | None:
    """The process-wide cache for the configured JWKS URL, or None when JWKS mode is off."""
    if not settings.BETTER_AUTH_JWKS_URL:
        return None
    config = JWKSConfig(
        url=settings.BETTER_AUTH_JWKS_URL,
        lifetime=settings.JWKS_CACHE_SECONDS,
        min_refresh_interval=settings.JWKS_MIN_REFRESH_SECONDS,
        timeout=settings.JWKS_TIMEOUT_SECONDS,
    )
    cache = _caches.get(config)
    if cache is None:
        with _caches_lock:
            cache = _caches.setdefault(config, JWKSCache(config))
    return cache


def clear_jwks_caches() -> None:
    """Forget every cached key set (tests, and a settings change in a running shell)."""
    with _caches_lock:
        _caches.clear()
