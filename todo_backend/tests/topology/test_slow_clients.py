"""Slow clients (slowloris) cost gunicorn alone a worker each, and cost nginx only a connection.

The same test measures both, on the same instances: first one instance directly (gunicorn
alone), stalled by as many slow clients as it has workers; then nginx, with as many slow clients
as all instances have workers, plus a few. The bounds are generous (seconds against
milliseconds); a benchmark is the place for exact latencies.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from todo_backend.tests.topology.clients import SlowClient, fetch
from todo_backend.tests.topology.deployment import WORKERS_PER_INSTANCE, fresh_user, token_for

# A request that waits this long is stalled; one behind nginx must finish well within it.
STALLED_AFTER = 3.0
# nginx's client_header_timeout and client_body_timeout in the shipped site.
CLIENT_TIMEOUT = 10.0


def started(clients: list[SlowClient]) -> list[SlowClient]:
    for client in clients:
        client.start()
    time.sleep(0.5)  # connected, and taken by the workers (or nginx), before the measured requests
    return clients


def stop(clients: list[SlowClient]) -> None:
    for client in clients:
        client.stop()


def test_as_many_slow_clients_as_workers_stall_gunicorn_alone(deployed):
    instance = deployed.instances[0]
    slow = started([SlowClient(urlsplit(instance).port) for _ in range(WORKERS_PER_INSTANCE + 2)])
    try:
        waited = time.monotonic()
        with pytest.raises(TimeoutError):
            fetch(f"{instance}/api/health", timeout=STALLED_AFTER)
        assert time.monotonic() - waited >= STALLED_AFTER
        assert all(client.closed_by_server_at is None for client in slow)
    finally:
        stop(slow)
    # Once they give up, the instance serves again: it was only stalled.
    assert fetch(f"{instance}/api/health").status == 200


def test_behind_nginx_slow_clients_leave_other_requests_fast_and_are_cut_off_unanswered(deployed):
    token = token_for(fresh_user("fast"))
    count = deployed.total_workers + 3
    # Of each kind enough to stall every worker: headers sent a byte at a time, and whole
    # headers followed by a body that stalls.
    slow = started(
        [SlowClient(deployed.nginx.port, "headers") for _ in range(count)]
        + [SlowClient(deployed.nginx.port, "body", interval=60, token=token) for _ in range(count)]
    )
    try:
        latencies = []
        for _ in range(10):
            began = time.monotonic()
            assert fetch(f"{deployed.base}/api/tasks", token=token, timeout=STALLED_AFTER).status == 200
            latencies.append(time.monotonic() - began)
        assert max(latencies) < STALLED_AFTER / 2, latencies
        assert all(client.closed_by_server_at is None for client in slow), "the slow clients were still connected"

        # nginx closes them at its client timeouts, with no answer at all (it logs a 408).
        deadline = time.monotonic() + CLIENT_TIMEOUT + 5
        while any(client.closed_by_server_at is None for client in slow) and time.monotonic() < deadline:
            time.sleep(0.2)
        held = [client.held_for for client in slow]
        assert all(CLIENT_TIMEOUT - 1 <= seconds <= CLIENT_TIMEOUT + 3 for seconds in held), held
        assert [client.answer for client in slow] == [b""] * len(slow)
    finally:
        stop(slow)
