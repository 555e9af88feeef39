"""Body validation: the same rules for create, PUT and PATCH, on both route families.

Every refused body is a 422 VALIDATION_ERROR naming the field, and changes nothing.
"""

from __future__ import annotations

import pytest

from tasks.models import Task

pytestmark = pytest.mark.django_db

ORIGINAL = {"title": "Original", "description": "original", "completed": False}


@pytest.fixture(params=["create", "put", "patch"])
def write(request, alice, routes, make_task):
    """Send a body with one of the three writes; PUT gets a valid title unless the body sets one."""
    task = make_task("alice", ORIGINAL["title"], description=ORIGINAL["description"])

    def send(body):
        if request.param == "create":
            return alice.post(routes.list(), body, format="json")
        if request.param == "put":
            full = {"title": "Valid", **body} if isinstance(body, dict) else body
            return alice.put(routes.detail(task.id), full, format="json")
        return alice.patch(routes.detail(task.id), body, format="json")

    send.task = task
    return send


def assert_refused(response, field: str, write) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error_code"] == "VALIDATION_ERROR"
    assert field in body["errors"], body
    assert all(isinstance(message, str) for message in body["errors"][field])
    task = Task.objects.get(pk=write.task.id)
    assert (task.title, task.description, task.completed) == tuple(ORIGINAL.values())
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    "title",
    ["", "   ", "\t\n", "x" * 256, 123, 1.5, True, None, ["a"], {"a": 1}, "nul\x00inside"],
    ids=["empty", "spaces", "whitespace", "too-long", "int", "float", "bool", "null", "array", "object", "nul"],
)
def test_bad_title_is_422(write, title):
    assert_refused(write({"title": title}), "title", write)


@pytest.mark.parametrize(
    "description",
    ["x" * 10_001, 7, False, ["a"], {"a": 1}, "nul\x00inside"],
    ids=["too-long", "int", "bool", "array", "object", "nul"],
)
def test_bad_description_is_422(write, description):
    assert_refused(write({"description": description}), "description", write)


@pytest.mark.parametrize(
    "completed",
    ["yes", "true", 1, 0, None, [], {}, "false"],
    ids=["yes", "true-string", "one", "zero", "null", "array", "object", "false-string"],
)
def test_bad_completed_is_422(write, completed):
    assert_refused(write({"completed": completed}), "completed", write)


@pytest.mark.parametrize("body", [[], ["title"], "a string", 42], ids=["empty-array", "array", "string", "number"])
def test_body_that_is_not_an_object_is_422(write, body):
    assert_refused(write(body), "non_field_errors", write)


def test_lone_surrogate_escape_in_title_is_422(alice, routes):
    # Valid JSON, but not text PostgreSQL can store.
    response = alice.post(routes.list(), '{"title": "\\ud800"}', content_type="application/json")
    assert response.status_code == 422
    assert "title" in response.json()["errors"]
    assert not Task.objects.exists()


def test_create_without_a_title_is_422(alice, routes):
    response = alice.post(routes.list(), {"description": "no title"}, format="json")
    assert response.status_code == 422
    assert "title" in response.json()["errors"]
    assert not Task.objects.exists()


def test_create_with_an_empty_body_is_422(alice, routes):
    response = alice.post(routes.list(), content_type="application/json")
    assert response.status_code == 422
    assert "title" in response.json()["errors"]


def test_title_of_exactly_255_characters_after_trimming_is_accepted(alice, routes):
    response = alice.post(routes.list(), {"title": "  " + "x" * 255 + "  "}, format="json")
    assert response.status_code == 201
    assert response.json()["title"] == "x" * 255


def test_title_counts_characters_not_bytes(alice, routes):
    response = alice.post(routes.list(), {"title": "é" * 255}, format="json")
    assert response.status_code == 201


def test_description_of_10000_characters_is_accepted_verbatim(alice, routes):
    description = "  " + "y" * 9_996 + "  "
    response = alice.post(routes.list(), {"title": "t", "description": description}, format="json")
    assert response.status_code == 201
    assert response.json()["description"] == description


def test_empty_description_is_kept_as_empty_string(alice, routes):
    response = alice.post(routes.list(), {"title": "t", "description": ""}, format="json")
    assert response.json()["description"] == ""


def test_unicode_text_round_trips(alice, routes):
    title = "Café ☕ 日本語 🎉"
    task_id = alice.post(routes.list(), {"title": title}, format="json").json()["id"]
    assert alice.get(routes.detail(task_id)).json()["title"] == title


def test_every_invalid_field_is_reported_at_once(alice, routes):
    response = alice.post(routes.list(), {"title": "", "description": 5, "completed": "no"}, format="json")
    assert set(response.json()["errors"]) == {"title", "description", "completed"}
