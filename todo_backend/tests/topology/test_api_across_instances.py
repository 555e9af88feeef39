"""Through nginx, one client's requests land on both instances (nginx alternates them), and the
API behaves as one server: state lives in PostgreSQL (through PgBouncer), nothing in a process."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from todo_backend.tests.topology.clients import Answer, fetch
from todo_backend.tests.topology.deployment import Deployment, fresh_user, token_for


def link_target(answer: Answer) -> str:
    link = answer.headers["Link"]
    assert link.endswith('>; rel="next"'), link
    return link[1 : link.index(">")]


def on_two_instances(deployed: Deployment, first: Answer, second: Answer) -> None:
    assert deployed.instance_of(first) != deployed.instance_of(second), "both answers came from one instance"


def create(deployed: Deployment, token: str, **task) -> dict:
    answer = fetch(f"{deployed.base}/api/tasks", method="POST", token=token, body=task)
    assert answer.status == 201, answer.body
    return answer.json()


def test_a_task_created_on_one_instance_is_read_updated_and_deleted_on_the_other(deployed):
    token = token_for(fresh_user("crud"))
    created = fetch(f"{deployed.base}/api/tasks", method="POST", token=token, body={"title": "one database"})
    assert created.status == 201
    url = created.headers["Location"]
    assert url.startswith(f"{deployed.base}/api/tasks/"), "Location names the address the client used"

    read = fetch(url, token=token)
    assert (read.status, read.json()) == (200, created.json())
    on_two_instances(deployed, created, read)

    updated = fetch(url, method="PATCH", token=token, body={"completed": True})
    assert (updated.status, updated.json()["completed"]) == (200, True)
    on_two_instances(deployed, read, updated)

    deleted = fetch(url, method="DELETE", token=token)
    assert deleted.status == 204
    gone = fetch(url, token=token)
    assert gone.status == 404 and gone.json()["error_code"] == "RESOURCE_NOT_FOUND"
    on_two_instances(deployed, deleted, gone)


def test_filters_and_a_pages_link_followed_on_the_other_instance(deployed):
    token = token_for(fresh_user("pages"))
    ids = [create(deployed, token, title=f"task {number}", completed=number % 2 == 0)["id"] for number in range(5)]
    done = fetch(f"{deployed.base}/api/tasks?completed=true&ordering=id&limit=2", token=token)
    assert [task["id"] for task in done.json()] == [ids[0], ids[2]]
    assert link_target(done).startswith(f"{deployed.base}/api/tasks?"), "the Link names the address the client used"

    rest = fetch(link_target(done), token=token)
    assert rest.status == 200
    assert [task["id"] for task in rest.json()] == [ids[4]]
    assert "Link" not in rest.headers
    on_two_instances(deployed, done, rest)

    found = fetch(f"{deployed.base}/api/tasks?search=TASK%203", token=token)
    assert [task["id"] for task in found.json()] == [ids[3]]


def test_conditional_requests_hold_across_instances(deployed):
    token = token_for(fresh_user("etags"))
    task = fetch(f"{deployed.base}/api/tasks", method="POST", token=token, body={"title": "versioned"})
    url, etag = task.headers["Location"], task.headers["ETag"]

    unchanged = fetch(url, token=token, headers={"If-None-Match": etag})
    assert (unchanged.status, unchanged.body) == (304, b"")
    on_two_instances(deployed, task, unchanged)

    changed = fetch(url, method="PATCH", token=token, body={"title": "changed"}, headers={"If-Match": etag})
    assert changed.status == 200
    stale = fetch(url, method="PATCH", token=token, body={"title": "lost update"}, headers={"If-Match": etag})
    assert (stale.status, stale.json()["error_code"]) == (412, "PRECONDITION_FAILED")
    on_two_instances(deployed, changed, stale)

    listed = fetch(f"{deployed.base}/api/tasks", token=token)
    again = fetch(f"{deployed.base}/api/tasks", token=token, headers={"If-None-Match": listed.headers["ETag"]})
    assert again.status == 304
    on_two_instances(deployed, listed, again)
    assert fetch(url, token=token).json()["title"] == "changed"


def test_a_create_retried_on_the_other_instance_replays_the_first_answer(deployed):
    user = fresh_user("retry")
    token = token_for(user)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = fetch(f"{deployed.base}/api/tasks", method="POST", token=token, body={"title": "once"}, headers=key)
    retry = fetch(f"{deployed.base}/api/tasks", method="POST", token=token, body={"title": "once"}, headers=key)
    on_two_instances(deployed, first, retry)
    assert (first.status, retry.status) == (201, 201)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.body == first.body
    assert [title for _, title in deployed.stored_tasks(user)] == ["once"]


def test_concurrent_duplicates_across_instances_create_one_task(deployed):
    user = fresh_user("duplicates")
    token = token_for(user)
    key = {"Idempotency-Key": str(uuid.uuid4())}

    def post(_: int) -> Answer:
        return fetch(f"{deployed.base}/api/tasks", method="POST", token=token, body={"title": "one of many"}, headers=key)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(8)))
    assert {answer.status for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert len({deployed.instance_of(answer) for answer in answers}) == 2, "both instances must have taken duplicates"
    assert len(deployed.stored_tasks(user)) == 1


def test_changes_and_deletions_since_a_sync_token_are_seen_across_instances(deployed):
    token = token_for(fresh_user("sync"))
    kept = create(deployed, token, title="kept")
    doomed = create(deployed, token, title="doomed")
    listed = fetch(f"{deployed.base}/api/tasks", token=token)
    sync_token = listed.headers["X-Sync-Token"]

    edited = fetch(f"{deployed.base}/api/tasks/{kept['id']}", method="PATCH", token=token, body={"title": "edited"})
    deleted = fetch(f"{deployed.base}/api/tasks/{doomed['id']}", method="DELETE", token=token)
    assert (edited.status, deleted.status) == (200, 204)
    on_two_instances(deployed, edited, deleted)

    changed = fetch(f"{deployed.base}/api/tasks?updated_since={sync_token}", token=token)
    gone = fetch(f"{deployed.base}/api/tasks/deleted?since={sync_token}", token=token)
    on_two_instances(deployed, changed, gone)
    # The lookback may repeat a task the client already has: merged by id, the edit is there.
    assert {task["id"]: task["title"] for task in changed.json()}[kept["id"]] == "edited"
    assert [entry["id"] for entry in gone.json()] == [doomed["id"]]
