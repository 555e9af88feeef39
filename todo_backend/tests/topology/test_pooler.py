"""Through PgBouncer in transaction mode (Neon's pooled endpoint): every request is served under a
concurrent mixed load, PostgreSQL never sees more connections than the pool, and a PgBouncer
restart costs JSON 503s and nothing else.

The app needs nothing of a session: psycopg binds parameters client-side (Django's default
without ``server_side_binding``), so no prepared statement outlives its transaction; writes are
single statements or one transaction. The server's ``SET statement_timeout`` on each new
connection lands on whichever server connection PgBouncer lends; a harmless setting there.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from todo_backend.tests.topology.clients import Answer, fetch
from todo_backend.tests.topology.deployment import POOL_SIZE, Deployment, fresh_user, token_for

SESSIONS = 12
ROUNDS = 8
# What a pooler without the app's care would show: prepared statements or transaction state
# leaking between clients, and the errors that follow.
POOLER_TROUBLE = ("prepared statement", "current transaction is aborted", "transaction in progress", "Traceback", "ERROR")


class ConnectionSampler:
    """Counts PostgreSQL's connections to the test database every 50 ms, from outside it."""

    def __init__(self, deployed: Deployment) -> None:
        self.deployed, self.counts = deployed, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.counts.append(self.deployed.server_connections())

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def mixed_session(deployed: Deployment, _: int) -> list[tuple[str, int, int]]:
    """One user's rounds of everything a frontend does; (what, expected status, status) each."""
    base, token = deployed.base, token_for(fresh_user("mixed"))
    outcomes = []

    def expect(what: str, status: int, answer: Answer) -> Answer:
        outcomes.append((what, status, answer.status))
        return answer

    sync_token = expect("list", 200, fetch(f"{base}/api/tasks", token=token)).headers["X-Sync-Token"]
    for round_number in range(ROUNDS):
        key = {"Idempotency-Key": str(uuid.uuid4())}
        created = expect("create with key", 201, fetch(f"{base}/api/tasks", method="POST", token=token, body={"title": f"keyed {round_number}"}, headers=key))
        expect("replay", 201, fetch(f"{base}/api/tasks", method="POST", token=token, body={"title": f"keyed {round_number}"}, headers=key))
        other = expect("create", 201, fetch(f"{base}/api/tasks", method="POST", token=token, body={"title": f"plain {round_number}"}))
        url, etag = created.headers["Location"], created.headers["ETag"]
        expect("get", 200, fetch(url, token=token))
        expect("update if match", 200, fetch(url, method="PATCH", token=token, body={"description": "d"}, headers={"If-Match": etag}))
        expect("toggle", 200, fetch(f"{url}/complete", method="PATCH", token=token))
        expect("page", 200, fetch(f"{base}/api/tasks?limit=3&ordering=-updated_at", token=token))
        expect("search", 200, fetch(f"{base}/api/tasks?search=keyed&completed=true", token=token))
        expect("delete", 204, fetch(other.headers["Location"], method="DELETE", token=token))
        expect("changed since", 200, fetch(f"{base}/api/tasks?updated_since={sync_token}", token=token))
        expect("deleted since", 200, fetch(f"{base}/api/tasks/deleted?since={sync_token}", token=token))
    return outcomes


def test_a_concurrent_mixed_load_is_served_without_pooler_errors_within_the_pool(deployed):
    assert deployed.total_workers > POOL_SIZE, "more database clients than server connections, or this proves nothing"
    marks = deployed.log_marks()
    with ConnectionSampler(deployed) as sampler:
        with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
            outcomes = [outcome for session in pool.map(lambda n: mixed_session(deployed, n), range(SESSIONS)) for outcome in session]

    unexpected = Counter((what, expected, status) for what, expected, status in outcomes if status != expected)
    assert not unexpected, unexpected
    assert len(outcomes) == SESSIONS * (1 + ROUNDS * 11)
    assert sampler.counts and 0 < max(sampler.counts) <= POOL_SIZE, sampler.counts
    logged = deployed.logged_since(marks)
    assert not [trouble for trouble in POOLER_TROUBLE if trouble in logged], logged


# --- a PgBouncer restart under load ------------------------------------------------------------

WRITERS = 6
OUTAGE_SECONDS = 2.0


def eventually_healthy(deployed: Deployment, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fetch(f"{deployed.base}/api/health").status == 200:
            return True
        time.sleep(0.1)
    return False


class Writer:
    """Creates tasks with an Idempotency-Key each, one after another, until told to stop."""

    def __init__(self, deployed: Deployment) -> None:
        self.deployed, self.user = deployed, fresh_user("restart")
        self.token = token_for(self.user)
        self.answers: list[tuple[str, str, Answer]] = []  # (key, title, answer)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write, daemon=True)

    def _write(self) -> None:
        for number in range(100):  # well within the user's limit, with the retries
            if self._stop.is_set():
                return
            key, title = str(uuid.uuid4()), f"write {number}"
            self.answers.append((key, title, self.create(key, title)))
            time.sleep(0.05)

    def create(self, key: str, title: str) -> Answer:
        return fetch(f"{self.deployed.base}/api/tasks", method="POST", token=self.token, body={"title": title}, headers={"Idempotency-Key": key})

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def test_a_pgbouncer_restart_mid_load_is_json_503s_then_recovery_with_no_acknowledged_write_lost(deployed):
    writers = [Writer(deployed) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(1.0)
        deployed.pgbouncer.stop()  # as a service restart does it: every connection cut at once
        time.sleep(OUTAGE_SECONDS)
        deployed.pgbouncer.start()
        assert eventually_healthy(deployed), "the app did not recover by itself"
        time.sleep(1.0)
    finally:
        for writer in writers:
            writer.stop()

    answers = [answer for writer in writers for _, _, answer in writer.answers]
    assert {answer.status for answer in answers} == {201, 503}
    refused = [answer for answer in answers if answer.status == 503]
    assert all(answer.headers["Content-Type"] == "application/json" for answer in refused)
    assert {answer.json()["error_code"] for answer in refused} == {"SERVICE_UNAVAILABLE"}
    assert all("may have been applied" in answer.json()["detail"] for answer in refused)
    assert all(answer.headers["Retry-After"] for answer in refused)
    for writer in writers:
        # Recovered without a restart of the app: the last writes of every writer were served.
        assert [answer.status for _, _, answer in writer.answers[-5:]] == [201] * 5

    for writer in writers:
        acknowledged = {answer.json()["id"]: title for _, title, answer in writer.answers if answer.status == 201}
        stored = dict(deployed.stored_tasks(writer.user))
        assert acknowledged.items() <= stored.items(), "an acknowledged write was lost"
        # A 503'd write may have been applied; retried with its key, it is there exactly once.
        for key, title, answer in writer.answers:
            if answer.status == 503:
                assert writer.create(key, title).status == 201
        titles = sorted(title for _, title in deployed.stored_tasks(writer.user))
        assert titles == sorted(title for _, title, _ in writer.answers)
