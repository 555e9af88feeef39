"""The rate limits hold across the workers of a real gunicorn: the counters are shared, not
per process, and exact (Redis's INCR and the database's upsert are atomic), so a concurrent burst
gets exactly the limit through. Run with the database table (no REDIS_URL) and with Redis.
Per-process counters would let up to twice the limit through.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from todo_backend.tests.servers import SECRET, call, gunicorn

# Slow: real gunicorn servers.
pytestmark = pytest.mark.slow

REQUESTS = 40
LIMIT = 10


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def hammer(base: str, token: str | None) -> list[int]:
    """REQUESTS concurrent requests, each on a fresh connection; their statuses."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: call(f"{base}/api/tasks", token=token)[0], range(REQUESTS)))
    return statuses


def served_by(log: str, status: int | None = None) -> set[str]:
    """The workers that answered, as named in the access log (with ``status``, if given)."""
    entries = [line.split(",") for line in log.splitlines() if line.startswith("pid=")]
    return {pid for pid, answered in entries if status is None or answered == str(status)}


@pytest.fixture(params=["database", "redis"])
def cache_env(request):
    if request.param == "redis":
        if not redis_available():
            pytest.skip("no Redis at 127.0.0.1:6379")
        return {"REDIS_URL": "redis://127.0.0.1:6379/7"}
    return {}


def serve_with_limits(tmp_path, cache_env, **rates):
    return gunicorn(
        tmp_path,
        WEB_CONCURRENCY="2",
        GUNICORN_ACCESS_LOG=str(tmp_path / "access.log"),
        # The access log names the worker (pid) that served each request, and the status.
        GUNICORN_CMD_ARGS="--access-logformat=pid=%(p)s,%(s)s",
        **cache_env,
        **rates,
    )


def test_user_limit_is_shared_by_the_workers(tmp_path, cache_env):
    user = f"shared-{time.time_ns()}"  # a fresh counter in a shared Redis
    token = jwt.encode({"sub": user, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    with serve_with_limits(tmp_path, cache_env, THROTTLE_RATE_USER=f"{LIMIT}/hour") as base:
        statuses = hammer(base, token)
    pids = served_by((tmp_path / "access.log").read_text())
    assert len(pids) == 2, "both workers must have served requests for this test to prove anything"
    assert statuses.count(200) == LIMIT
    assert statuses.count(429) == REQUESTS - LIMIT


def test_client_limit_is_shared_by_the_workers(tmp_path, cache_env):
    with serve_with_limits(tmp_path, cache_env, THROTTLE_RATE_ANON=f"{LIMIT}/hour") as base:
        statuses = hammer(base, None)
    if cache_env:  # Redis outlives the test: other runs from 127.0.0.1 may have counted this hour
        assert statuses.count(401) <= LIMIT
    else:
        assert statuses.count(401) == LIMIT
    assert statuses.count(401) + statuses.count(429) == REQUESTS
    assert len(served_by((tmp_path / "access.log").read_text())) == 2


def test_a_valid_token_is_served_by_every_worker_from_a_client_over_its_limit(tmp_path, cache_env):
    # Behind a load balancer all users share one address: 60 missing tokens a minute from all of
    # them together must not lock out the users whose tokens are valid, on any worker.
    user = f"behind-the-balancer-{time.time_ns()}"
    token = jwt.encode({"sub": user, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    with serve_with_limits(tmp_path, cache_env, THROTTLE_RATE_ANON=f"{LIMIT}/hour") as base:
        without_token = hammer(base, None)
        with_token = hammer(base, token)
    assert without_token.count(429) >= REQUESTS - LIMIT
    assert with_token == [200] * REQUESTS
    assert len(served_by((tmp_path / "access.log").read_text(), 200)) == 2, "both workers must serve a valid token"
