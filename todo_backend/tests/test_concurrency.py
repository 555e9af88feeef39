"""Many clients at once on a real gunicorn (3 workers x 4 threads), on the suite's database:
concurrent toggles, updates and creates end in a consistent state, without errors."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import jwt
import pytest

from todo_backend.tests.servers import SECRET, call, gunicorn, server_database

pytestmark = pytest.mark.django_db

PARALLEL = 12


def token(user: str) -> str:
    return jwt.encode({"sub": user, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("concurrency")
    with server_database(tmp) as database_url:
        with gunicorn(tmp, DATABASE_URL=database_url, WEB_CONCURRENCY="3", GUNICORN_THREADS="4",
                      THROTTLE_RATE_USER="100000/min") as base:
            yield base


def at_once(function, count: int = PARALLEL * 2) -> list:
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(function, range(count)))


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_concurrent_toggles_all_apply(server):
    auth = token("toggler")
    status, task = call(f"{server}/api/tasks", method="POST", token=auth, body={"title": "flip me"})
    assert status == 201
    results = at_once(lambda _: call(f"{server}/api/tasks/{task['id']}/complete", method="PATCH", token=auth), 25)
    assert [status for status, _ in results] == [200] * 25
    status, final = call(f"{server}/api/tasks/{task['id']}", token=auth)
    # 25 flips of false: each toggle read the value the previous one wrote (no lost update).
    assert final["completed"] is True
    assert parse(final["updated_at"]) >= max(parse(body["updated_at"]) for _, body in results)
    assert parse(final["updated_at"]) > parse(task["updated_at"])


def test_concurrent_updates_leave_one_of_the_written_values(server):
    auth = token("updater")
    status, task = call(f"{server}/api/tasks", method="POST", token=auth, body={"title": "start"})
    titles = [f"version {index}" for index in range(PARALLEL * 2)]
    results = at_once(lambda index: call(f"{server}/api/tasks/{task['id']}", method="PUT", token=auth, body={"title": titles[index]}))
    assert {status for status, _ in results} == {200}
    status, final = call(f"{server}/api/tasks/{task['id']}", token=auth)
    assert final["title"] in titles
    assert final["created_at"] == task["created_at"]


def test_concurrent_creates_all_land(server):
    auth = token("creator")
    results = at_once(lambda index: call(f"{server}/api/tasks", method="POST", token=auth, body={"title": f"task {index}"}), 40)
    assert [status for status, _ in results] == [201] * 40
    ids = {body["id"] for _, body in results}
    assert len(ids) == 40
    status, listed = call(f"{server}/api/tasks", token=auth)
    assert {task["id"] for task in listed} == ids


def test_concurrent_deletes_of_one_task_succeed_once(server):
    auth = token("deleter")
    status, task = call(f"{server}/api/tasks", method="POST", token=auth, body={"title": "delete me"})
    results = at_once(lambda _: call(f"{server}/api/tasks/{task['id']}", method="DELETE", token=auth), 12)
    assert sorted(status for status, _ in results) == [204] + [404] * 11
