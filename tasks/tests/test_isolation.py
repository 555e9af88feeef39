"""No user can see or touch another user's tasks, through either route family.

Each attack is made by bob on alice's task; the answer must be indistinguishable from a task that
does not exist (404), and alice's task must be exactly as it was afterwards.
"""

from __future__ import annotations

import pytest

from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["token-noslash", "path-noslash"])
def route_style(request) -> str:
    """Isolation is proven on both families: the path family's own permission must never widen it."""
    return request.param


def snapshot(task: Task) -> tuple:
    task = Task.objects.get(pk=task.pk)
    return (task.user_id, task.title, task.description, task.completed, task.created_at, task.updated_at)


@pytest.fixture
def alices_task(make_task):
    return make_task("alice", "Alice's secret", description="private")


ATTACKS = {
    "get": lambda client, r, task_id: client.get(r.detail(task_id)),
    "put": lambda client, r, task_id: client.put(r.detail(task_id), {"title": "pwned"}, format="json"),
    "patch": lambda client, r, task_id: client.patch(r.detail(task_id), {"completed": True}, format="json"),
    "delete": lambda client, r, task_id: client.delete(r.detail(task_id)),
    "complete-set": lambda client, r, task_id: client.patch(r.complete(task_id), {"completed": True}, format="json"),
    "complete-toggle": lambda client, r, task_id: client.patch(r.complete(task_id)),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_another_users_task_is_404_and_unchanged(bob, routes_for, alices_task, attack):
    before = snapshot(alices_task)
    response = ATTACKS[attack](bob, routes_for("bob"), alices_task.id)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "error_code": "RESOURCE_NOT_FOUND"}
    assert snapshot(alices_task) == before


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_another_users_task_answers_exactly_like_a_missing_one(bob, routes_for, alices_task, attack):
    own_routes = routes_for("bob")
    for_existing = ATTACKS[attack](bob, own_routes, alices_task.id)
    for_missing = ATTACKS[attack](bob, own_routes, alices_task.id + 1000)
    assert (for_existing.status_code, for_existing.json()) == (for_missing.status_code, for_missing.json())


def test_list_never_contains_another_users_tasks(alice, bob, routes_for, make_task):
    make_task("alice", "a1")
    make_task("alice", "a2")
    make_task("bob", "b1")
    assert {task["title"] for task in bob.get(routes_for("bob").list()).json()} == {"b1"}
    assert {task["title"] for task in alice.get(routes_for("alice").list()).json()} == {"a1", "a2"}


def test_created_task_belongs_to_the_token_subject_only(alice, bob, routes_for):
    task_id = alice.post(routes_for("alice").list(), {"title": "mine"}, format="json").json()["id"]
    assert bob.get(routes_for("bob").detail(task_id)).status_code == 404
    assert alice.get(routes_for("alice").detail(task_id)).status_code == 200


def test_users_differing_only_in_case_are_different_users(client_for, make_task):
    task = make_task("Alice", "capital A")
    response = client_for("alice").get(f"/api/tasks/{task.id}")
    assert response.status_code == 404


# --- the path family: /api/{user_id}/... must name the caller --------------------------------------

PATH_ATTACKS = {
    "list": lambda client, prefix, task_id: client.get(f"{prefix}/tasks"),
    "create": lambda client, prefix, task_id: client.post(f"{prefix}/tasks", {"title": "x"}, format="json"),
    "get": lambda client, prefix, task_id: client.get(f"{prefix}/tasks/{task_id}"),
    "put": lambda client, prefix, task_id: client.put(f"{prefix}/tasks/{task_id}", {"title": "x"}, format="json"),
    "patch": lambda client, prefix, task_id: client.patch(f"{prefix}/tasks/{task_id}", {"title": "x"}, format="json"),
    "delete": lambda client, prefix, task_id: client.delete(f"{prefix}/tasks/{task_id}"),
    "complete": lambda client, prefix, task_id: client.patch(f"{prefix}/tasks/{task_id}/complete"),
}


@pytest.mark.parametrize("attack", list(PATH_ATTACKS))
def test_path_naming_another_user_is_403_and_changes_nothing(bob, alices_task, attack):
    before = snapshot(alices_task)
    response = PATH_ATTACKS[attack](bob, "/api/alice", alices_task.id)
    assert response.status_code == 403
    assert response.json()["error_code"] == "FORBIDDEN"
    assert snapshot(alices_task) == before
    assert Task.objects.count() == 1


@pytest.mark.parametrize("attack", list(PATH_ATTACKS))
def test_path_user_check_is_exact(client_for, alices_task, attack):
    """A prefix, a different case or padding of the caller's id is another id."""
    for wrong in ("/api/alic", "/api/ALICE", "/api/alice%20", "/api/%20alice"):
        response = PATH_ATTACKS[attack](client_for("alice"), wrong, alices_task.id)
        assert response.status_code == 403, wrong


def test_path_family_serves_the_caller_when_the_ids_match(alice, alices_task):
    response = alice.get(f"/api/alice/tasks/{alices_task.id}")
    assert response.status_code == 200
    assert response.json()["title"] == "Alice's secret"


def test_path_user_id_does_not_select_rows_the_token_does(client_for, make_task):
    """Even a caller named in the path only ever gets the token subject's rows."""
    make_task("bob", "bob's")
    response = client_for("alice").get("/api/alice/tasks")
    assert response.json() == []


def test_mismatched_path_without_a_token_is_401_not_403(api_client, alices_task):
    response = api_client.get("/api/alice/tasks")
    assert response.status_code == 401
