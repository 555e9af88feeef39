"""Many clients at once on a real gunicorn (3 workers x 4 threads), on the suite's database:
concurrent toggles, updates and creates end in a consistent state, without errors."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import jwt
import pytest

from todo_backend.tests.servers import SECRET, call, gunicorn, server_database

# Slow: a real gunicorn server.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

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


def test_two_concurrent_updates_with_the_same_if_match_one_wins_one_412(server):
    auth = token("tabs")
    status, task = call(f"{server}/api/tasks", method="POST", token=auth, body={"title": "shared"})
    etag = conditional_etag(server, task["id"], auth)
    for round_ in range(5):
        results = at_once(
            lambda index: conditional_put(server, task["id"], auth, etag, f"tab {index} round {round_}"), 2
        )
        assert sorted(status for status, _ in results) == [200, 412], results
        etag = next(headers["ETag"] for status, headers in results if status == 200)


def test_five_concurrent_posts_with_one_idempotency_key_make_one_task(server):
    auth = token("retrier")
    for attempt in range(3):
        key = f"key-{attempt}-{time.time_ns()}"
        results = at_once(lambda _: idempotent_post(server, auth, key), 5)
        assert [status for status, _ in results] == [201] * 5
        assert len({body["id"] for _, body in results}) == 1
    status, tasks = call(f"{server}/api/tasks", token=auth)
    assert len(tasks) == 3


def conditional_etag(base: str, task_id: int, auth: str) -> str:
    request = urllib.request.Request(f"{base}/api/tasks/{task_id}", headers={"Authorization": f"Bearer {auth}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["ETag"]


def conditional_put(base: str, task_id: int, auth: str, etag: str, title: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/tasks/{task_id}",
        method="PUT",
        data=json.dumps({"title": title}).encode(),
        headers={"Authorization": f"Bearer {auth}", "Content-Type": "application/json", "If-Match": etag},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers)


def idempotent_post(base: str, auth: str, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/tasks",
        method="POST",
        data=json.dumps({"title": "only once"}).encode(),
        headers={"Authorization": f"Bearer {auth}", "Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())
