"""When the database goes away: 503 SERVICE_UNAVAILABLE with Retry-After, no lost or phantom
writes, and recovery without a restart once it is back.

The end-to-end test runs a private PostgreSQL (initdb + pg_ctl on a temporary directory and port)
under a real gunicorn, and stops and starts it while the app runs.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jwt
import psycopg
import pytest
from django.db import OperationalError, connections

from tasks.views import TaskViewSet
from todo_backend.tests.servers import SECRET, DroppingProxy, SilentRedis, call, gunicorn, server_database


def assert_unavailable(status_and_body) -> None:
    status, body = status_and_body
    assert status == 503, body
    assert body["error_code"] == "SERVICE_UNAVAILABLE"


# --- in process ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unreachable_database_is_503_with_retry_after(alice, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(TaskViewSet, "list", unreachable)
    response = alice.get("/api/tasks")
    assert response.status_code == 503
    assert response.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_that_lost_its_connection_may_have_been_applied_and_says_so(alice, make_task, monkeypatch, method):
    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    task = make_task("alice", "t")
    for action in ("create", "update", "partial_update", "destroy"):
        monkeypatch.setattr(TaskViewSet, action, lost)
    url = "/api/tasks" if method == "post" else f"/api/tasks/{task.id}"
    response = getattr(alice, method)(url, {"title": "x"}, format="json")
    assert response.status_code == 503
    assert response.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert "may have been applied" in response.json()["detail"]
    assert "Idempotency-Key" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_statement_over_the_timeout_is_a_503_told_apart_from_a_lost_database(alice, settings, monkeypatch, caplog):
    from django.db import connection
    from django.db.backends.signals import connection_created

    from todo_backend.postgresql.base import limit_statement_time

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend only (DATABASE_URL=postgres://...)")
    settings.DB_STATEMENT_TIMEOUT_MS = 200

    def slow_list(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(TaskViewSet, "list", slow_list)
    connection_created.connect(limit_statement_time)
    connection.close()  # the next connection gets the timeout, as the server's do
    try:
        with caplog.at_level("WARNING"):
            response = alice.get("/api/tasks")
    finally:
        connection_created.disconnect(limit_statement_time)
        connection.close()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "took too long" in response.json()["detail"]
    assert any("Statement timeout" in record.getMessage() for record in caplog.records)


def count_in_redis_at(settings, url: str) -> None:
    settings.RATE_LIMIT_COUNTERS, settings.REDIS_URL = "redis", url


@pytest.mark.django_db
def test_rate_limits_fail_open_when_redis_is_down(alice, settings):
    count_in_redis_at(settings, "redis://127.0.0.1:1/0")
    assert alice.get("/api/tasks").status_code == 200


@pytest.fixture
def silent_redis():
    redis = SilentRedis()
    yield redis
    redis.close()


@pytest.mark.django_db
@pytest.mark.slow
def test_rate_limits_fail_open_when_redis_stops_answering(alice, settings, silent_redis):
    count_in_redis_at(settings, silent_redis.url)
    answers = []

    def get_tasks() -> None:
        try:
            answers.append(alice.get("/api/tasks").status_code)
        finally:
            connections.close_all()  # this thread's own database connection

    request = threading.Thread(target=get_tasks, daemon=True)
    request.start()
    request.join(timeout=20)  # without a socket timeout it would wait for ever
    assert answers == [200]


@pytest.mark.slow
@pytest.mark.django_db
def test_a_hung_redis_is_not_asked_again_during_its_back_off(alice, settings, silent_redis):
    from todo_backend.counters import RedisCounters, shared_counters

    count_in_redis_at(settings, silent_redis.url)
    assert alice.get("/api/tasks").status_code == 200  # waited for Redis's timeout, then served
    asked = silent_redis.received
    assert asked > 0
    for _ in range(5):
        assert alice.get("/api/tasks").status_code == 200
    assert silent_redis.received == asked, "Redis was asked again within the back-off"
    assert shared_counters().available() is False  # /api/health tells, without asking either
    assert silent_redis.received == asked
    assert RedisCounters.BACKOFF_SECONDS >= 1


# --- a real PostgreSQL, stopped and started under the running app --------------------------------------


def postgres_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """A throwaway PostgreSQL cluster; as root, its commands run as the postgres user."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.data, self.port = bindir, root / "data", free_port()
        self.log = root / "postgres.log"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        root.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bindir / tool), *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def private_postgres():
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb refuses root")
    # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="todo-pg-"))
    try:
        server = PrivatePostgres(bindir, root)
        try:
            yield server
        finally:
            try:
                server.stop("immediate")
            except subprocess.CalledProcessError:
                pass  # already stopped
    finally:
        shutil.rmtree(root, ignore_errors=True)


def eventually(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


@pytest.mark.slow
def test_api_survives_the_database_going_down_and_recovers_by_itself(private_postgres, tmp_path):
    token = jwt.encode({"sub": "fault-user", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    acknowledged: list[int] = []
    with gunicorn(tmp_path, DATABASE_URL=private_postgres.url, WEB_CONCURRENCY="2", DB_CONN_MAX_AGE="600") as base:
        tasks_url = f"{base}/api/tasks"
        for index in range(4):
            status, task = call(tasks_url, method="POST", token=token, body={"title": f"before {index}"})
            assert status == 201
            acknowledged.append(task["id"])

        private_postgres.stop("immediate")  # a crash: no goodbye to the open connections
        for _ in range(6):
            assert_unavailable(call(tasks_url, method="POST", token=token, body={"title": "during the outage"}))
            assert_unavailable(call(tasks_url, token=token))
        health = call(f"{base}/api/health")
        assert health[0] == 503 and health[1]["database"] == "unreachable"

        private_postgres.start()
        assert eventually(lambda: call(f"{base}/api/health")[0] == 200)
        # Each worker drops its broken connection on its own first failure and reconnects.
        assert eventually(lambda: all(call(tasks_url, token=token)[0] == 200 for _ in range(6)))
        status, task = call(tasks_url, method="POST", token=token, body={"title": "after"})
        assert status == 201
        acknowledged.append(task["id"])

        status, tasks = call(tasks_url, token=token)
    assert status == 200
    # Every 201 was stored, and nothing answered 503 was.
    assert sorted(task["id"] for task in tasks) == sorted(acknowledged)
    assert all(task["title"] != "during the outage" for task in tasks)


@pytest.mark.slow
def test_dropped_connections_are_replaced_without_a_restart(private_postgres, tmp_path):
    token = jwt.encode({"sub": "drop-user", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    with gunicorn(tmp_path, DATABASE_URL=private_postgres.url, WEB_CONCURRENCY="2", DB_CONN_MAX_AGE="600") as base:
        for _ in range(4):
            assert call(f"{base}/api/tasks", token=token)[0] == 200
        with psycopg.connect(private_postgres.url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        statuses = [call(f"{base}/api/tasks", token=token)[0] for _ in range(20)]
    assert set(statuses) <= {200, 503}
    # Each of the 2 workers answers 503 at most once, on the first request that finds its
    # connection dead, and reconnects for the next. (Which worker takes which request is the
    # kernel's choice, so where the 503s fall in the sequence is not.)
    assert statuses.count(503) <= 2, statuses


# --- an answer lost after the statement ran ------------------------------------------------------


@pytest.fixture
def proxied_database(tmp_path):
    """A fresh PostgreSQL database, reached through a proxy that can drop an answer."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend only (DATABASE_URL=postgres://...)")
    with server_database(tmp_path) as url:
        parts = urlsplit(url)
        proxy = DroppingProxy((parts.hostname, parts.port or 5432))
        try:
            yield url, urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}")), proxy
        finally:
            proxy.close()


def stored_titles(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT title FROM tasks ORDER BY id")]


@pytest.mark.slow
def test_a_write_whose_answer_was_lost_is_a_503_that_says_it_may_have_been_applied(proxied_database, tmp_path):
    url, proxied_url, proxy = proxied_database
    token = jwt.encode({"sub": "lost", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    with gunicorn(tmp_path, DATABASE_URL=proxied_url, WEB_CONCURRENCY="1") as base:
        assert call(f"{base}/api/tasks", token=token) == (200, [])
        proxy.drop_after(b'INSERT INTO "tasks"')
        status, body = call(f"{base}/api/tasks", method="POST", token=token, body={"title": "applied, unheard"})
        assert proxy.dropped
        assert (status, body["error_code"]) == (503, "SERVICE_UNAVAILABLE")
        assert "may have been applied" in body["detail"]
        assert call(f"{base}/api/tasks", token=token)[0] == 200  # a new connection, no restart
    assert stored_titles(url) == ["applied, unheard"]


@pytest.mark.slow
def test_a_create_retried_with_its_key_after_a_lost_answer_makes_one_task(proxied_database, tmp_path):
    url, proxied_url, proxy = proxied_database
    token = jwt.encode({"sub": "retrier", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    headers = {"Idempotency-Key": "retry-me"}
    with gunicorn(tmp_path, DATABASE_URL=proxied_url, WEB_CONCURRENCY="1") as base:
        assert call(f"{base}/api/tasks", token=token) == (200, [])
        proxy.drop_after(b"COMMIT")  # the transaction of the key and the task committed, unheard
        status, _ = call(f"{base}/api/tasks", method="POST", token=token, body={"title": "once"}, headers=headers)
        assert status == 503
        status, body = call(f"{base}/api/tasks", method="POST", token=token, body={"title": "once"}, headers=headers)
        assert (status, body["title"]) == (201, "once")
    assert stored_titles(url) == ["once"]
