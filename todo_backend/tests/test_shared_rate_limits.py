"""The rate limits hold across the workers of a real gunicorn: the counters are shared, not
per process. Run with the database cache (no REDIS_URL) and with Redis.

Redis counts exactly (INCR is atomic). Django's database cache increments by read-then-write, so
two workers counting at the same instant can both read the same count: under a concurrent burst
it may let a few requests more through. Per-process counters would let up to twice the limit through.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from todo_backend.tests.servers import SECRET, call, gunicorn

REQUESTS = 40
LIMIT = 10
# What the database cache's read-then-write increments may let through beyond the limit.
DATABASE_CACHE_SLACK = 3


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


def worker_pids(log: str) -> set[str]:
    return {line.split()[0] for line in log.splitlines() if line.startswith("pid=")}


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
        # The access log names the worker (pid) that served each request.
        GUNICORN_CMD_ARGS="--access-logformat=pid=%(p)s %(s)s",
        **cache_env,
        **rates,
    )


def test_user_limit_is_shared_by_the_workers(tmp_path, cache_env):
    user = f"shared-{time.time_ns()}"  # a fresh counter in a shared Redis
    token = jwt.encode({"sub": user, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    with serve_with_limits(tmp_path, cache_env, THROTTLE_RATE_USER=f"{LIMIT}/hour") as base:
        statuses = hammer(base, token)
    pids = worker_pids((tmp_path / "access.log").read_text())
    assert len(pids) == 2, "both workers must have served requests for this test to prove anything"
    beyond_limit = statuses.count(200) - LIMIT
    assert beyond_limit == 0 if cache_env else 0 <= beyond_limit <= DATABASE_CACHE_SLACK
    assert statuses.count(200) + statuses.count(429) == REQUESTS


def test_client_limit_is_shared_by_the_workers(tmp_path, cache_env):
    with serve_with_limits(tmp_path, cache_env, THROTTLE_RATE_ANON=f"{LIMIT}/hour") as base:
        statuses = hammer(base, None)
    if cache_env:  # Redis outlives the test: other runs from 127.0.0.1 may have counted this hour
        assert statuses.count(401) <= LIMIT
    else:
        assert LIMIT <= statuses.count(401) <= LIMIT + DATABASE_CACHE_SLACK
    assert statuses.count(401) + statuses.count(429) == REQUESTS
    assert len(worker_pids((tmp_path / "access.log").read_text())) == 2
