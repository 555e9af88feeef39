"""The JWKS cache against a real HTTP server on 127.0.0.1, with a clock the tests move."""

from __future__ import annotations

import time

import pytest

from better_auth.jwks import JWKSCache, JWKSConfig, JWKSFetchError, JWKSUnavailable, fetch_jwks, parse_jwks


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def cache_for(jwks_server, clock):
    def make(lifetime: float = 300, min_refresh_interval: float = 10, timeout: float = 1) -> JWKSCache:
        config = JWKSConfig(jwks_server.url, lifetime, min_refresh_interval, timeout)
        return JWKSCache(config, clock=clock)

    return make


@pytest.fixture
def key(make_signing_key):
    return make_signing_key("EdDSA")


def test_keys_are_fetched_once_and_served_from_the_cache(jwks_server, cache_for, key):
    jwks_server.publish(key)
    cache = cache_for()
    for _ in range(100):
        assert cache.get(key.kid).jwk["kid"] == key.kid
    assert jwks_server.requests == 1


def test_keys_are_fetched_again_after_their_lifetime(jwks_server, cache_for, clock, key):
    jwks_server.publish(key)
    cache = cache_for(lifetime=60)
    cache.get(key.kid)
    clock.advance(61)
    cache.get(key.kid)
    assert jwks_server.requests == 2


def test_a_new_kid_is_found_by_refreshing(jwks_server, cache_for, clock, make_signing_key, key):
    jwks_server.publish(key)
    cache = cache_for(min_refresh_interval=10)
    cache.get(key.kid)
    rotated = make_signing_key("EdDSA")
    jwks_server.publish(key, rotated)
    clock.advance(11)
    assert cache.get(rotated.kid).jwk["kid"] == rotated.kid
    assert jwks_server.requests == 2


def test_unknown_kids_refresh_at_most_once_per_interval(jwks_server, cache_for, clock, key):
    jwks_server.publish(key)
    cache = cache_for(min_refresh_interval=30)
    cache.get(key.kid)
    clock.advance(31)
    for index in range(200):
        assert cache.get(f"random-kid-{index}") is None
        clock.advance(0.1)
    # 200 unknown kids over 20 seconds: one refresh, not 200.
    assert jwks_server.requests == 2
    clock.advance(11)
    assert cache.get("yet-another-kid") is None
    assert jwks_server.requests == 3


def test_unknown_kid_right_after_a_fetch_does_not_fetch_again(jwks_server, cache_for, key):
    jwks_server.publish(key)
    cache = cache_for(min_refresh_interval=10)
    cache.get(key.kid)
    assert cache.get("unknown") is None
    assert jwks_server.requests == 1


def test_cached_keys_keep_working_while_the_server_is_down(jwks_server, cache_for, clock, key):
    jwks_server.publish(key)
    cache = cache_for(lifetime=60, min_refresh_interval=10)
    cache.get(key.kid)
    jwks_server.stop()
    clock.advance(3600)
    assert cache.get(key.kid).jwk["kid"] == key.kid
    assert cache.get("unknown") is None


def test_server_errors_keep_the_cached_keys(jwks_server, cache_for, clock, key):
    jwks_server.publish(key)
    cache = cache_for(lifetime=60, min_refresh_interval=10)
    cache.get(key.kid)
    clock.advance(61)
    for mode in ("error", "garbage", "huge"):
        jwks_server.mode = mode
        assert cache.get(key.kid).jwk["kid"] == key.kid
        clock.advance(11)
    assert jwks_server.requests == 4


def test_cold_cache_with_the_server_down_is_unavailable_and_says_when_to_retry(jwks_server, cache_for, clock):
    jwks_server.stop()
    cache = cache_for(min_refresh_interval=10)
    with pytest.raises(JWKSUnavailable) as first:
        cache.get("any")
    assert first.value.retry_after == 10
    clock.advance(4)
    with pytest.raises(JWKSUnavailable) as second:
        cache.get("any")
    assert second.value.retry_after == 6
    assert cache.fetch_count == 1


def test_cold_cache_recovers_when_the_server_comes_back(jwks_server, cache_for, clock, key):
    jwks_server.publish(key)
    jwks_server.mode = "error"
    cache = cache_for(min_refresh_interval=10)
    with pytest.raises(JWKSUnavailable):
        cache.get(key.kid)
    jwks_server.mode = "ok"
    clock.advance(10)
    assert cache.get(key.kid).jwk["kid"] == key.kid


def test_slow_server_is_abandoned_after_the_timeout(jwks_server, cache_for, key):
    jwks_server.publish(key)
    jwks_server.mode, jwks_server.delay = "slow", 5
    cache = cache_for(timeout=1)
    started = time.monotonic()
    with pytest.raises(JWKSUnavailable):
        cache.get(key.kid)
    assert time.monotonic() - started < 2.5


def test_server_that_drips_its_answer_is_abandoned_at_the_deadline(jwks_server, key):
    jwks_server.publish(key)
    jwks_server.mode, jwks_server.delay = "drip", 0.05
    started = time.monotonic()
    with pytest.raises(JWKSFetchError):
        fetch_jwks(jwks_server.url, timeout=1)
    assert time.monotonic() - started < 2.5


def test_oversized_answer_is_refused(jwks_server):
    jwks_server.mode = "huge"
    with pytest.raises(JWKSFetchError, match="larger than"):
        fetch_jwks(jwks_server.url, timeout=2)


@pytest.mark.parametrize(
    "document",
    [[], {"keys": "nope"}, {"no": "keys"}, "string", None],
    ids=["list", "keys-not-list", "no-keys", "string", "null"],
)
def test_documents_that_are_not_a_jwks_are_refused(document):
    with pytest.raises(JWKSFetchError):
        parse_jwks(document)


def test_keys_without_a_usable_kid_or_meant_for_encryption_are_skipped():
    keys = parse_jwks(
        {
            "keys": [
                {"kty": "OKP", "kid": "good"},
                {"kty": "OKP"},
                {"kty": "OKP", "kid": ""},
                {"kty": "OKP", "kid": 7},
                {"kty": "OKP", "kid": "x" * 300},
                {"kty": "RSA", "kid": "enc", "use": "enc"},
                "not a key",
            ]
        }
    )
    assert list(keys) == ["good"]
