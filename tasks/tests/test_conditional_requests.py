"""ETags, If-None-Match (304) and If-Match (412): two tabs cannot lose each other's edits."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from tasks.models import Task

pytestmark = pytest.mark.django_db

STRONG_ETAG = re.compile(r'^"[^"]+"$')


@pytest.fixture
def task(make_task):
    return make_task("alice", "Edit me")


def etag_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


# --- ETags -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        lambda c, r, t: c.put(r.detail(t.id), {"title": "put"}, format="json"),
        lambda c, r, t: c.patch(r.detail(t.id), {"title": "patched"}, format="json"),
        lambda c, r, t: c.patch(r.complete(t.id)),
    ],
    ids=["put", "patch", "complete"],
)
def test_a_writes_etag_is_the_one_the_next_read_returns(alice, routes, task, write):
    before = etag_of(alice, routes.detail(task.id))
    response = write(alice, routes, task)
    assert response.status_code == 200
    assert STRONG_ETAG.match(response["ETag"])
    assert response["ETag"] != before
    assert etag_of(alice, routes.detail(task.id)) == response["ETag"]


def test_create_returns_the_etag_of_the_new_task(alice, routes):
    response = alice.post(routes.list(), {"title": "new"}, format="json")
    assert STRONG_ETAG.match(response["ETag"])
    assert etag_of(alice, response["Location"]) == response["ETag"]


def test_etag_is_the_same_for_both_route_families(alice, task):
    assert etag_of(alice, f"/api/tasks/{task.id}") == etag_of(alice, f"/api/alice/tasks/{task.id}")


def test_every_change_gives_a_new_etag_even_within_one_clock_tick(alice, routes, task):
    seen = {etag_of(alice, routes.detail(task.id))}
    for _ in range(5):
        seen.add(alice.patch(routes.complete(task.id))["ETag"])
    assert len(seen) == 6


@pytest.mark.parametrize(
    "change",
    [
        lambda c, r, t: c.post(r.list(), {"title": "another"}, format="json"),
        lambda c, r, t: c.patch(r.detail(t.id), {"title": "renamed"}, format="json"),
        lambda c, r, t: c.patch(r.complete(t.id)),
        lambda c, r, t: c.delete(r.detail(t.id)),
    ],
    ids=["create", "update", "toggle", "delete"],
)
def test_list_etag_changes_with_any_change_to_the_users_tasks(alice, routes, task, change):
    before = etag_of(alice, routes.list())
    assert etag_of(alice, routes.list()) == before
    change(alice, routes, task)
    assert etag_of(alice, routes.list()) != before


def test_list_etag_ignores_other_users_changes(alice, bob, routes_for, task, make_task):
    before = etag_of(alice, routes_for("alice").list())
    bob.post(routes_for("bob").list(), {"title": "bob's"}, format="json")
    assert etag_of(alice, routes_for("alice").list()) == before


# --- If-None-Match -----------------------------------------------------------------------------------


def test_unchanged_task_answers_304_with_no_body_and_the_etag(alice, routes, task):
    etag = etag_of(alice, routes.detail(task.id))
    response = alice.get(routes.detail(task.id), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_unchanged_list_answers_304(alice, routes, task):
    etag = etag_of(alice, routes.list())
    response = alice.get(routes.list(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["X-Sync-Token"]


def test_changed_task_answers_200_despite_an_old_etag(alice, routes, task):
    old = etag_of(alice, routes.detail(task.id))
    alice.patch(routes.complete(task.id))
    response = alice.get(routes.detail(task.id), HTTP_IF_NONE_MATCH=old)
    assert response.status_code == 200
    assert response.json()["completed"] is True


@pytest.mark.parametrize("header", ["W/{etag}", '"other", {etag}', "*"], ids=["weak", "list", "star"])
def test_if_none_match_compares_weakly_and_accepts_lists_and_star(alice, routes, task, header):
    etag = etag_of(alice, routes.detail(task.id))
    response = alice.get(routes.detail(task.id), HTTP_IF_NONE_MATCH=header.format(etag=etag))
    assert response.status_code == 304


@pytest.mark.parametrize("header", ['"nope"', "garbage", '"' + "x" * 10_000 + '"'], ids=["other", "malformed", "huge"])
def test_if_none_match_that_does_not_match_answers_200(alice, routes, task, header):
    assert alice.get(routes.detail(task.id), HTTP_IF_NONE_MATCH=header).status_code == 200


def test_another_users_task_is_404_whatever_if_none_match_says(alice, bob, routes_for, task):
    etag = etag_of(alice, routes_for("alice").detail(task.id))
    for header in (etag, "*"):
        response = bob.get(routes_for("bob").detail(task.id), HTTP_IF_NONE_MATCH=header)
        assert response.status_code == 404


# --- If-Match ------------------------------------------------------------------------------------------

WRITES = {
    "put": lambda c, r, t, h: c.put(r.detail(t.id), {"title": "mine"}, format="json", HTTP_IF_MATCH=h),
    "patch": lambda c, r, t, h: c.patch(r.detail(t.id), {"title": "mine"}, format="json", HTTP_IF_MATCH=h),
    "complete": lambda c, r, t, h: c.patch(r.complete(t.id), {"completed": True}, format="json", HTTP_IF_MATCH=h),
    "delete": lambda c, r, t, h: c.delete(r.detail(t.id), HTTP_IF_MATCH=h),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_write_with_the_current_etag_succeeds(alice, routes, task, write):
    etag = etag_of(alice, routes.detail(task.id))
    assert WRITES[write](alice, routes, task, etag).status_code in (200, 204)


@pytest.mark.parametrize("write", list(WRITES))
def test_write_with_a_stale_etag_is_412_and_changes_nothing(alice, routes, task, write):
    stale = etag_of(alice, routes.detail(task.id))
    alice.patch(routes.detail(task.id), {"description": "another tab"}, format="json")
    before = Task.objects.values().get(pk=task.id)
    response = WRITES[write](alice, routes, task, stale)
    assert response.status_code == 412
    assert response.json()["error_code"] == "PRECONDITION_FAILED"
    assert Task.objects.values().get(pk=task.id) == before


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("header", ['W/"{id}.1"', '"999999.1"', "garbage", '"{id}.999"'], ids=["weak", "other-task", "malformed", "future"])
def test_etags_that_cannot_be_the_current_one_are_412(alice, routes, task, write, header):
    response = WRITES[write](alice, routes, task, header.format(id=task.id))
    assert response.status_code == 412


@pytest.mark.parametrize("write", list(WRITES))
def test_if_match_star_or_a_list_containing_the_current_etag_succeeds(alice, routes, task, write):
    etag = etag_of(alice, routes.detail(task.id))
    assert WRITES[write](alice, routes, task, f'"{task.id}.0", {etag}').status_code in (200, 204)


def test_if_match_star_on_a_missing_task_is_404(alice, routes):
    assert WRITES["put"](alice, routes, SimpleNamespace(id=424242), "*").status_code == 404


@pytest.mark.parametrize("write", list(WRITES))
def test_another_users_task_is_404_whatever_if_match_says(alice, bob, routes_for, task, write):
    etag = etag_of(alice, routes_for("alice").detail(task.id))
    for header in (etag, '"0.0"', "*"):
        response = WRITES[write](bob, routes_for("bob"), task, header)
        assert response.status_code == 404, header
    assert Task.objects.get(pk=task.id).title == "Edit me"


def test_two_tabs_cannot_overwrite_each_other(alice, routes, task):
    tab_a = etag_of(alice, routes.detail(task.id))
    tab_b = tab_a
    saved = alice.put(routes.detail(task.id), {"title": "from tab A"}, format="json", HTTP_IF_MATCH=tab_a)
    assert saved.status_code == 200
    lost = alice.put(routes.detail(task.id), {"title": "from tab B"}, format="json", HTTP_IF_MATCH=tab_b)
    assert lost.status_code == 412
    assert alice.get(routes.detail(task.id)).json()["title"] == "from tab A"


def test_writes_without_if_match_behave_as_before(alice, routes, task):
    alice.patch(routes.detail(task.id), {"title": "one"}, format="json")
    assert alice.patch(routes.detail(task.id), {"title": "two"}, format="json").status_code == 200
