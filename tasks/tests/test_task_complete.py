"""``PATCH tasks/{id}/complete``: sets the flag from the body, or toggles it without one."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [True, False])
def test_complete_with_a_value_sets_it(alice, routes, make_task, value):
    task = make_task("alice", "Flag", completed=not value)
    response = alice.patch(routes.complete(task.id), {"completed": value}, format="json")
    assert response.status_code == 200
    assert response.json()["completed"] is value
    task.refresh_from_db()
    assert task.completed is value


def test_complete_with_the_current_value_keeps_it(alice, routes, make_task):
    task = make_task("alice", "Flag", completed=True)
    assert alice.patch(routes.complete(task.id), {"completed": True}, format="json").json()["completed"] is True


def test_complete_with_an_empty_object_toggles(alice, routes, make_task):
    task = make_task("alice", "Flag")
    assert alice.patch(routes.complete(task.id), {}, format="json").json()["completed"] is True
    assert alice.patch(routes.complete(task.id), {}, format="json").json()["completed"] is False


def test_complete_with_no_body_toggles(alice, routes, make_task):
    task = make_task("alice", "Flag")
    response = alice.patch(routes.complete(task.id))
    assert response.status_code == 200
    assert response.json()["completed"] is True


def test_complete_returns_the_whole_task_with_a_newer_updated_at(alice, routes, make_task):
    task = make_task("alice", "Flag", description="kept")
    body = alice.patch(routes.complete(task.id)).json()
    assert body["title"] == "Flag"
    assert body["description"] == "kept"
    task.refresh_from_db()
    assert body["updated_at"] == task.updated_at.isoformat().replace("+00:00", "Z")
    assert task.updated_at > task.created_at


@pytest.mark.parametrize("bad", [None, "true", 1, 0, "yes", [], {}], ids=repr)
def test_complete_with_a_non_boolean_value_is_422(alice, routes, make_task, bad):
    task = make_task("alice", "Flag")
    response = alice.patch(routes.complete(task.id), {"completed": bad}, format="json")
    assert response.status_code == 422
    assert response.json()["error_code"] == "VALIDATION_ERROR"
    assert "completed" in response.json()["errors"]
    task.refresh_from_db()
    assert task.completed is False


def test_complete_with_an_array_body_is_422(alice, routes, make_task):
    task = make_task("alice", "Flag")
    response = alice.patch(routes.complete(task.id), [True], format="json")
    assert response.status_code == 422


def test_complete_of_an_absent_task_is_404(alice, routes):
    response = alice.patch(routes.complete(123456), {"completed": True}, format="json")
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_NOT_FOUND"


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_complete_accepts_only_patch(alice, routes, make_task, method):
    task = make_task("alice", "Flag")
    response = getattr(alice, method)(routes.complete(task.id))
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"
