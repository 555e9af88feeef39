"""Create, read, update and delete through HTTP, on both route families and both slash forms."""

from __future__ import annotations

from datetime import datetime

import pytest

from tasks.models import Task

pytestmark = pytest.mark.django_db

TASK_KEYS = {"id", "user_id", "title", "description", "completed", "created_at", "updated_at"}


def parse_time(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- create --------------------------------------------------------------------------------------


def test_create_returns_201_with_the_task(alice, routes):
    response = alice.post(routes.list(), {"title": "Buy milk", "description": "2 litres"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == TASK_KEYS
    assert body["title"] == "Buy milk"
    assert body["description"] == "2 litres"
    assert body["completed"] is False
    assert body["user_id"] == "alice"
    assert isinstance(body["id"], int)


def test_create_stores_the_task_for_the_token_subject(alice, routes):
    response = alice.post(routes.list(), {"title": "Buy milk"}, format="json")
    task = Task.objects.get(pk=response.json()["id"])
    assert task.user_id == "alice"
    assert task.title == "Buy milk"


def test_create_sets_location_to_the_new_task_in_the_same_route_family(alice, routes):
    response = alice.post(routes.list(), {"title": "Buy milk"}, format="json")
    task_id = response.json()["id"]
    expected_path = routes.detail(task_id).rstrip("/")
    assert response["Location"] == f"http://testserver{expected_path}"
    assert alice.get(response["Location"]).json()["id"] == task_id


def test_create_defaults_description_to_null_and_completed_to_false(alice, routes):
    body = alice.post(routes.list(), {"title": "Only a title"}, format="json").json()
    assert body["description"] is None
    assert body["completed"] is False


def test_create_accepts_completed_true(alice, routes):
    body = alice.post(routes.list(), {"title": "Done already", "completed": True}, format="json").json()
    assert body["completed"] is True


def test_create_trims_the_title(alice, routes):
    body = alice.post(routes.list(), {"title": "  padded  "}, format="json").json()
    assert body["title"] == "padded"


def test_create_ignores_ownership_and_server_fields_in_the_body(alice, routes):
    response = alice.post(
        routes.list(),
        {
            "title": "Mine",
            "user_id": "bob",
            "id": 424242,
            "created_at": "2000-01-01T00:00:00Z",
            "updated_at": "2000-01-01T00:00:00Z",
        },
        format="json",
    )
    body = response.json()
    assert response.status_code == 201
    assert body["user_id"] == "alice"
    assert body["id"] != 424242
    assert not body["created_at"].startswith("2000")
    assert not Task.objects.filter(user_id="bob").exists()


def test_new_task_has_equal_created_and_updated_times_in_utc(alice, routes):
    body = alice.post(routes.list(), {"title": "Fresh"}, format="json").json()
    assert body["created_at"] == body["updated_at"]
    assert parse_time(body["created_at"]).utcoffset().total_seconds() == 0


# --- read ----------------------------------------------------------------------------------------


def test_list_returns_a_json_array_of_own_tasks(alice, routes, make_task):
    make_task("alice", "one")
    response = alice.get(routes.list())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    [task] = response.json()
    assert set(task) == TASK_KEYS


def test_list_of_a_user_without_tasks_is_an_empty_array(alice, routes):
    response = alice.get(routes.list())
    assert response.status_code == 200
    assert response.json() == []


def test_get_returns_the_task(alice, routes, make_task):
    task = make_task("alice", "Read me", description="details")
    response = alice.get(routes.detail(task.id))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == task.id
    assert body["title"] == "Read me"
    assert body["description"] == "details"


@pytest.mark.parametrize(
    "task_id",
    ["999999", "abc", "99999999999999999999", "9223372036854775808", "-1", "0", "007", "1.5", "1e3"],
)
def test_get_of_an_absent_non_numeric_or_out_of_range_id_is_404(alice, routes, task_id):
    response = alice.get(routes.detail(task_id))
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_NOT_FOUND"


# --- update --------------------------------------------------------------------------------------


def test_put_replaces_the_given_fields(alice, routes, make_task):
    task = make_task("alice", "Old", description="old text")
    response = alice.put(
        routes.detail(task.id),
        {"title": "New", "description": "new text", "completed": True},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["completed"]) == ("New", "new text", True)
    task.refresh_from_db()
    assert (task.title, task.description, task.completed) == ("New", "new text", True)


def test_put_keeps_omitted_optional_fields(alice, routes, make_task):
    task = make_task("alice", "Old", description="keep me", completed=True)
    body = alice.put(routes.detail(task.id), {"title": "New"}, format="json").json()
    assert body["description"] == "keep me"
    assert body["completed"] is True


def test_put_requires_a_title(alice, routes, make_task):
    task = make_task("alice", "Old")
    response = alice.put(routes.detail(task.id), {"description": "no title"}, format="json")
    assert response.status_code == 422
    assert "title" in response.json()["errors"]
    task.refresh_from_db()
    assert task.description is None


def test_put_can_clear_the_description_with_null(alice, routes, make_task):
    task = make_task("alice", "Old", description="remove me")
    body = alice.put(routes.detail(task.id), {"title": "Old", "description": None}, format="json").json()
    assert body["description"] is None


def test_patch_changes_only_the_given_field(alice, routes, make_task):
    task = make_task("alice", "Keep", description="keep")
    response = alice.patch(routes.detail(task.id), {"completed": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["completed"]) == ("Keep", "keep", True)


def test_patch_with_only_a_title_updates_the_title(alice, routes, make_task):
    task = make_task("alice", "Before")
    assert alice.patch(routes.detail(task.id), {"title": "After"}, format="json").json()["title"] == "After"


def test_update_moves_updated_at_forward_and_keeps_created_at(alice, routes, make_task):
    task = make_task("alice", "Before")
    body = alice.patch(routes.detail(task.id), {"title": "After"}, format="json").json()
    assert parse_time(body["created_at"]) == task.created_at
    assert parse_time(body["updated_at"]) > task.updated_at


def test_update_ignores_ownership_fields_in_the_body(alice, routes, make_task):
    task = make_task("alice", "Mine")
    body = alice.put(routes.detail(task.id), {"title": "Still mine", "user_id": "bob", "id": 1}, format="json").json()
    assert body["user_id"] == "alice"
    assert body["id"] == task.id
    task.refresh_from_db()
    assert task.user_id == "alice"


def test_update_of_an_absent_task_is_404(alice, routes):
    response = alice.put(routes.detail(987654), {"title": "Ghost"}, format="json")
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_NOT_FOUND"


# --- delete --------------------------------------------------------------------------------------


def test_delete_returns_204_with_an_empty_body(alice, routes, make_task):
    task = make_task("alice", "Bye")
    response = alice.delete(routes.detail(task.id))
    assert response.status_code == 204
    assert response.content == b""


def test_deleted_task_stays_only_as_a_tombstone(alice, routes, make_task):
    task = make_task("alice", "Bye")
    alice.delete(routes.detail(task.id))
    tombstone = Task.objects.get(pk=task.id)
    assert tombstone.deleted_at is not None
    assert alice.get(routes.list()).json() == []


def test_deleted_task_is_404_afterwards(alice, routes, make_task):
    task = make_task("alice", "Bye")
    alice.delete(routes.detail(task.id))
    assert alice.get(routes.detail(task.id)).status_code == 404
    assert alice.delete(routes.detail(task.id)).status_code == 404


# --- one user's share ---------------------------------------------------------------------------


def test_a_create_past_the_task_limit_is_409_and_stores_nothing(alice, routes, settings, make_task):
    settings.MAX_TASKS_PER_USER = 2
    make_task("alice", "one")
    make_task("alice", "two")
    make_task("bob", "other users do not count")
    response = alice.post(routes.list(), {"title": "three"}, format="json")
    assert response.status_code == 409
    assert response.json()["error_code"] == "TASK_LIMIT_REACHED"
    assert Task.objects.filter(user_id="alice").count() == 2


def test_deleted_tasks_free_their_place_under_the_limit(alice, routes, settings, make_task):
    settings.MAX_TASKS_PER_USER = 1
    task = make_task("alice", "one")
    assert alice.delete(routes.detail(task.id)).status_code == 204
    assert alice.post(routes.list(), {"title": "two"}, format="json").status_code == 201


def test_a_create_under_the_limit_is_still_one_statement(alice, routes, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.post(routes.list(), {"title": "one statement"}, format="json").status_code == 201


# --- methods served -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/tasks", "/api/tasks/1", "/api/tasks/1/complete", "/api/alice/tasks/deleted"])
def test_allow_lists_only_the_methods_served(alice, make_task, path):
    make_task("alice", "t")
    response = alice.generic("OPTIONS", path)
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"
    allowed = [method.strip() for method in response["Allow"].split(",")]
    assert "OPTIONS" not in allowed
    assert len(allowed) == len(set(allowed))
    for method in allowed:
        assert alice.generic(method, path).status_code != 405, method
