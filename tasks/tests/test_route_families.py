"""Every action answers in both route families, with and without a trailing slash, and never
redirects. The other task tests use ``/api/tasks`` alone: the route does not change what an action
does, so each behaviour is tested once, and the families once here."""

from __future__ import annotations

import pytest

from tasks.tests.helpers import ROUTE_STYLES, Routes, routes_of

pytestmark = pytest.mark.django_db


@pytest.fixture(params=list(ROUTE_STYLES))
def routes(request) -> Routes:
    return routes_of(request.param, "alice")


def test_list_answers(alice, routes, make_task):
    make_task("alice", "listed")
    response = alice.get(routes.list())
    assert response.status_code == 200
    assert [task["title"] for task in response.json()] == ["listed"]


def test_create_answers_with_a_location_in_the_same_family(alice, routes):
    response = alice.post(routes.list(), {"title": "made"}, format="json")
    assert response.status_code == 201
    assert response["Location"].endswith(routes.detail(response.json()["id"]).rstrip("/"))


def test_get_answers(alice, routes, make_task):
    task = make_task("alice", "fetched")
    response = alice.get(routes.detail(task.id))
    assert response.status_code == 200
    assert response.json()["title"] == "fetched"


def test_put_answers(alice, routes, make_task):
    task = make_task("alice", "old")
    response = alice.put(routes.detail(task.id), {"title": "new"}, format="json")
    assert (response.status_code, response.json()["title"]) == (200, "new")


def test_patch_answers(alice, routes, make_task):
    task = make_task("alice", "old")
    response = alice.patch(routes.detail(task.id), {"completed": True}, format="json")
    assert (response.status_code, response.json()["completed"]) == (200, True)


def test_complete_answers(alice, routes, make_task):
    task = make_task("alice", "to do")
    response = alice.patch(routes.complete(task.id))
    assert (response.status_code, response.json()["completed"]) == (200, True)


def test_delete_answers_and_the_deleted_feed_lists_it(alice, routes, make_task):
    task = make_task("alice", "gone")
    assert alice.delete(routes.detail(task.id)).status_code == 204
    feed = alice.get(routes.list().replace("/tasks", "/tasks/deleted", 1))
    assert feed.status_code == 200
    assert [tombstone["id"] for tombstone in feed.json()] == [task.id]


def test_no_route_redirects(alice, routes, make_task):
    task = make_task("alice", "t")
    for method, url in [("get", routes.list()), ("get", routes.detail(task.id)), ("patch", routes.complete(task.id))]:
        assert getattr(alice, method)(url).status_code < 300
