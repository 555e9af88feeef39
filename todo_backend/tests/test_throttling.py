"""Rate limits per user and per unauthenticated client: 429 RATE_LIMITED with Retry-After."""

from __future__ import annotations

import base64
import os

import pytest

from better_auth.tests.helpers import encode_token
from todo_backend import throttling
from todo_backend.counters import shared_counters
from todo_backend.rates import parse_rate

pytestmark = pytest.mark.django_db


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["error_code"] == "RATE_LIMITED"
    assert 1 <= int(response["Retry-After"]) <= 60


# --- per user --------------------------------------------------------------------------------------


def test_user_over_the_limit_gets_429_with_retry_after(alice, settings):
    settings.THROTTLE_RATE_USER = "3/min"
    for _ in range(3):
        assert alice.get("/api/tasks").status_code == 200
    assert_rate_limited(alice.get("/api/tasks"))


def test_user_limit_counts_every_action_and_both_route_families(alice, settings):
    settings.THROTTLE_RATE_USER = "3/min"
    assert alice.get("/api/tasks").status_code == 200
    assert alice.post("/api/alice/tasks/", {"title": "x"}, format="json").status_code == 201
    assert alice.get("/api/tasks/999").status_code == 404
    assert_rate_limited(alice.get("/api/alice/tasks"))


def test_one_users_limit_does_not_touch_another(alice, bob, settings):
    settings.THROTTLE_RATE_USER = "2/min"
    alice.get("/api/tasks")
    alice.get("/api/tasks")
    assert_rate_limited(alice.get("/api/tasks"))
    assert bob.get("/api/tasks").status_code == 200


def test_throttled_write_changes_nothing(alice, settings, make_task):
    settings.THROTTLE_RATE_USER = "1/min"
    task = make_task("alice", "keep")
    alice.get("/api/tasks")
    assert_rate_limited(alice.delete(f"/api/tasks/{task.id}"))
    task.refresh_from_db()
    assert task.title == "keep"


# --- per client without a valid token ------------------------------------------------------------------


def test_requests_without_a_token_are_limited_per_client_ip(api_client, settings):
    settings.THROTTLE_RATE_ANON = "3/min"
    for _ in range(3):
        assert api_client.get("/api/tasks").status_code == 401
    assert_rate_limited(api_client.get("/api/tasks"))


def test_forged_tokens_count_and_are_refused_with_429_once_over_the_limit(api_client, settings):
    settings.THROTTLE_RATE_ANON = "3/min"
    forged = encode_token("alice", key="not-the-secret-but-long-enough-to-sign")
    for _ in range(3):
        assert api_client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    assert_rate_limited(api_client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {forged}"))


def test_expired_tokens_count_against_the_client_limit(api_client, settings):
    settings.THROTTLE_RATE_ANON = "2/min"
    expired = encode_token("alice", expires_in=-3600)
    for _ in range(2):
        assert api_client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {expired}").status_code == 401
    assert_rate_limited(api_client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {expired}"))


def test_a_client_over_its_limit_is_still_served_with_a_valid_token(api_client, settings):
    # Behind a load balancer every user shares its address: other users' missing or expired
    # tokens must not lock out a user whose token is valid.
    settings.THROTTLE_RATE_ANON = "2/min"
    api_client.get("/api/tasks")
    api_client.get("/api/tasks")
    assert_rate_limited(api_client.get("/api/tasks"))
    for _ in range(3):
        response = api_client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {encode_token('alice')}")
        assert response.status_code == 200
    assert_rate_limited(api_client.get("/api/tasks"))


def test_a_valid_token_from_a_client_over_its_limit_counts_against_its_user(api_client, settings):
    settings.THROTTLE_RATE_ANON = "1/min"
    settings.THROTTLE_RATE_USER = "2/min"
    api_client.get("/api/tasks")
    assert_rate_limited(api_client.get("/api/tasks"))
    valid = f"Bearer {encode_token('alice')}"
    for _ in range(2):
        assert api_client.get("/api/tasks", HTTP_AUTHORIZATION=valid).status_code == 200
    assert_rate_limited(api_client.get("/api/tasks", HTTP_AUTHORIZATION=valid))


def test_valid_tokens_do_not_count_against_the_client_limit(alice, settings):
    settings.THROTTLE_RATE_ANON = "2/min"
    for _ in range(5):
        assert alice.get("/api/tasks").status_code == 200


def test_clients_are_told_apart_by_address(api_client, settings):
    settings.THROTTLE_RATE_ANON = "1/min"
    api_client.get("/api/tasks", REMOTE_ADDR="10.0.0.1")
    assert_rate_limited(api_client.get("/api/tasks", REMOTE_ADDR="10.0.0.1"))
    assert api_client.get("/api/tasks", REMOTE_ADDR="10.0.0.2").status_code == 401


def test_x_forwarded_for_is_ignored_without_trusted_proxies(api_client, settings):
    settings.THROTTLE_RATE_ANON = "1/min"
    api_client.get("/api/tasks", HTTP_X_FORWARDED_FOR="1.1.1.1")
    # A client cannot escape its limit by claiming another address.
    assert_rate_limited(api_client.get("/api/tasks", HTTP_X_FORWARDED_FOR="2.2.2.2"))


def test_x_forwarded_for_names_the_client_behind_trusted_proxies(api_client, settings):
    settings.THROTTLE_RATE_ANON = "1/min"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    api_client.get("/api/tasks", HTTP_X_FORWARDED_FOR="spoofed, 1.1.1.1")
    assert_rate_limited(api_client.get("/api/tasks", HTTP_X_FORWARDED_FOR="whatever, 1.1.1.1"))
    assert api_client.get("/api/tasks", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2").status_code == 401


def test_health_and_docs_are_not_limited(api_client, settings):
    settings.THROTTLE_RATE_ANON = "1/min"
    for _ in range(3):
        assert api_client.get("/api/health").status_code == 200
        assert api_client.get("/api/schema").status_code == 200


# --- counting ------------------------------------------------------------------------------------


def test_counts_start_again_in_the_next_window():
    assert throttling.count_request("test", "ip", "2/min", now=120.0) is None
    assert throttling.count_request("test", "ip", "2/min", now=150.0) is None
    assert throttling.count_request("test", "ip", "2/min", now=170.0) == pytest.approx(10.0)
    assert throttling.count_request("test", "ip", "2/min", now=180.0) is None


@pytest.mark.parametrize(
    "rate, parsed",
    [("600/min", (600, 60)), ("60/m", (60, 60)), ("5/s", (5, 1)), ("10/hour", (10, 3600)), ("1000/day", (1000, 86400))],
)
def test_rates_use_drfs_form(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["600", "600/mango", "0/min", "-1/min", "abc/min", "600/", "/min", "6 00/min"])
def test_malformed_rates_are_refused(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


REDIS_TEST_URL = "redis://127.0.0.1:6379/9"


def redis_key(ident: str) -> str:
    """The Redis key of ident's counter in the test scope, in the window of minute 10."""
    return f"throttle:test:{throttling._digest(ident)}:10"


@pytest.fixture
def redis_counters(settings):
    """Counting in a Redis database of the tests' own; yields a client of it."""
    import socket

    import redis

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.REDIS_URL, settings.RATE_LIMIT_COUNTERS = REDIS_TEST_URL, "redis"
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_redis_counters_take_one_command_and_expire(redis_counters, monkeypatch):
    import redis

    ident = "one-round-trip"
    assert throttling.count_request("test", ident, "2/min", now=600.0) is None
    commands = []
    send = redis.Connection.send_command
    monkeypatch.setattr(redis.Connection, "send_command", lambda self, *args, **kw: commands.append(args[0]) or send(self, *args, **kw))
    assert throttling.count_request("test", ident, "2/min", now=601.0) is None
    assert throttling.count_request("test", ident, "2/min", now=602.0) == pytest.approx(58.0)
    assert commands == ["EVALSHA", "EVALSHA"]
    monkeypatch.undo()
    key = redis_key("one-round-trip")
    assert int(redis_counters.get(key)) == 3
    assert 0 < redis_counters.ttl(key) <= 61


def test_redis_counters_survive_redis_forgetting_the_script(redis_counters):
    assert throttling.count_request("test", "flushed", "5/min", now=600.0) is None
    redis_counters.script_flush()
    assert throttling.count_request("test", "flushed", "5/min", now=601.0) is None
    assert int(redis_counters.get(redis_key("flushed"))) == 2


def test_redis_counters_survive_redis_closing_the_kept_connection(redis_counters):
    assert throttling.count_request("test", "killed", "5/min", now=600.0) is None
    # Every other client connection, as Redis does to idle ones after its `timeout`.
    killed = redis_counters.client_kill_filter(_type="normal", skipme=True)
    assert killed >= 1
    assert throttling.count_request("test", "killed", "5/min", now=601.0) is None
    assert int(redis_counters.get(redis_key("killed"))) == 2


def test_a_forked_process_counts_on_its_own_redis_connection(redis_counters):
    assert throttling.count_request("test", "forked", "5/min", now=600.0) is None
    pool = shared_counters()._increment.registered_client.connection_pool
    parent_connections = set(map(id, pool._available_connections))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: count once, report whether it used its parent's socket
        try:
            counted = throttling.count_request("test", "forked", "5/min", now=601.0) is None
            shared = bool(parent_connections & set(map(id, pool._available_connections)))
            os.write(write, b"ok" if counted and not shared else b"shared" if shared else b"failed")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"ok"
    assert throttling.count_request("test", "forked", "5/min", now=602.0) is None
    assert int(redis_counters.get(redis_key("forked"))) == 3


def test_a_token_that_cannot_even_be_read_counts_too(api_client, settings):
    settings.THROTTLE_RATE_ANON = "2/min"
    nested = base64.urlsafe_b64encode(("[" * 2500 + "]" * 2500).encode()).rstrip(b"=").decode()
    unreadable = f"Bearer {nested}.e30.c2ln"
    for _ in range(2):
        response = api_client.get("/api/tasks", HTTP_AUTHORIZATION=unreadable)
        assert (response.status_code, response.json()["error_code"]) == (401, "INVALID_TOKEN")
    assert_rate_limited(api_client.get("/api/tasks", HTTP_AUTHORIZATION=unreadable))
