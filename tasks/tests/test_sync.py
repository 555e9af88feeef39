"""Incremental sync: fetch only what changed, and learn what was deleted."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tasks.models import Task
from tasks.sync import TOKEN_PREFIX, parse_sync_point, sync_token

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {task["id"] for task in response.json()}


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def old_and_new(make_task):
    long_ago = timezone.now() - timedelta(days=2)
    old = make_task("alice", "old", created_at=long_ago, updated_at=long_ago)
    new = make_task("alice", "new")
    return old, new


# --- updated_since ------------------------------------------------------------------------------------


def test_updated_since_returns_only_tasks_changed_at_or_after_it(alice, routes, old_and_new):
    old, new = old_and_new
    since = timezone.now() - timedelta(days=1)
    assert ids(alice.get(routes.list(), {"updated_since": iso(since)})) == {new.id}


def test_updated_since_is_inclusive(alice, routes, old_and_new):
    old, _ = old_and_new
    assert old.id in ids(alice.get(routes.list(), {"updated_since": iso(old.updated_at)}))


def test_a_changed_task_shows_up_again(alice, routes, old_and_new):
    old, _ = old_and_new
    since = timezone.now() - timedelta(days=1)
    alice.patch(routes.complete(old.id))
    assert old.id in ids(alice.get(routes.list(), {"updated_since": iso(since)}))


@pytest.mark.parametrize(
    "value",
    ["2026-11-26T10:00:00+01:00", "2026-11-26T10:00:00.123456Z", "2026-11-26 10:00:00Z", "2026-11-26T10:00:00 01:00"],
    ids=["offset", "z-micro", "space-separator", "unencoded-plus"],
)
def test_iso_8601_with_an_offset_is_accepted(alice, routes, value):
    assert alice.get(routes.list(), {"updated_since": value}).status_code == 200


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2026-11-26T10:00:00", "2026-13-01T00:00:00Z", "", "st1_!!!", "st1_" + "A" * 8, "0001-01-01T00:00:00+14:00"],
    ids=["word", "no-offset", "month-13", "empty", "broken-token", "token-not-a-time", "before-year-1"],
)
def test_unparseable_updated_since_is_422(alice, routes, value):
    response = alice.get(routes.list(), {"updated_since": value})
    assert response.status_code == 422
    assert "updated_since" in response.json()["errors"]


def test_updated_since_combines_with_the_other_filters(alice, routes, make_task):
    done = make_task("alice", "done", completed=True)
    make_task("alice", "pending")
    since = iso(timezone.now() - timedelta(minutes=1))
    assert ids(alice.get(routes.list(), {"updated_since": since, "completed": "true"})) == {done.id}


def test_updated_since_never_shows_other_users_tasks(alice, routes, make_task):
    make_task("bob", "bob's")
    assert ids(alice.get(routes.list(), {"updated_since": "2000-01-01T00:00:00Z"})) == set()


# --- X-Sync-Token ---------------------------------------------------------------------------------------


def test_every_list_gives_an_opaque_sync_token(alice, routes, old_and_new):
    for query in ({}, {"limit": 1}, {"completed": "false"}):
        token = alice.get(routes.list(), query)["X-Sync-Token"]
        assert token.startswith(TOKEN_PREFIX)


def test_a_sync_token_brings_exactly_what_changed_since_the_list_that_gave_it(alice, routes, old_and_new, settings):
    settings.SYNC_LOOKBACK_SECONDS = 0
    old, new = old_and_new
    token = alice.get(routes.list())["X-Sync-Token"]
    created = alice.post(routes.list(), {"title": "after"}, format="json").json()
    alice.patch(routes.complete(old.id))
    assert ids(alice.get(routes.list(), {"updated_since": token})) == {created["id"], old.id}


def test_sync_token_looks_back_so_late_commits_are_not_missed(settings):
    settings.SYNC_LOOKBACK_SECONDS = 5
    now = timezone.now()
    assert parse_sync_point(sync_token(now)) == now - timedelta(seconds=5)


def test_a_client_can_keep_a_local_copy_in_step(alice, routes, make_task):
    """The offline-friendly loop: full list once, then changes and deletions by token."""
    first = make_task("alice", "first")
    second = make_task("alice", "second")
    listed = alice.get(routes.list())
    local = {task["id"]: task for task in listed.json()}
    token = listed["X-Sync-Token"]

    alice.patch(routes.detail(first.id), {"title": "first, renamed"}, format="json")
    alice.delete(routes.detail(second.id))
    third = alice.post(routes.list(), {"title": "third"}, format="json").json()

    changed = alice.get(routes.list(), {"updated_since": token})
    deleted = alice.get(f"{routes.prefix}/tasks/deleted{routes.slash}", {"since": token})
    local.update({task["id"]: task for task in changed.json()})
    for tombstone in deleted.json():
        local.pop(tombstone["id"], None)

    assert local == {task["id"]: task for task in alice.get(routes.list()).json()}
    assert set(local) == {first.id, third["id"]}


# --- tasks/deleted ----------------------------------------------------------------------------------------


def deleted_url(routes) -> str:
    return f"{routes.prefix}/tasks/deleted{routes.slash}"


def test_deleted_lists_the_ids_and_times_of_deleted_tasks(alice, routes, make_task):
    keep, gone = make_task("alice", "keep"), make_task("alice", "gone")
    alice.delete(routes.detail(gone.id))
    response = alice.get(deleted_url(routes))
    assert response.status_code == 200
    [tombstone] = response.json()
    assert set(tombstone) == {"id", "deleted_at"}
    assert tombstone["id"] == gone.id
    assert tombstone["deleted_at"].endswith("Z")
    assert response["X-Sync-Token"].startswith(TOKEN_PREFIX)


def test_deleted_since_returns_only_later_deletions(alice, routes, make_task):
    early, late = make_task("alice", "early"), make_task("alice", "late")
    alice.delete(routes.detail(early.id))
    Task.objects.filter(pk=early.id).update(deleted_at=timezone.now() - timedelta(days=3))
    alice.delete(routes.detail(late.id))
    since = iso(timezone.now() - timedelta(days=1))
    assert [t["id"] for t in alice.get(deleted_url(routes), {"since": since}).json()] == [late.id]


def test_deleted_never_shows_other_users_deletions(alice, bob, routes_for, make_task):
    task = make_task("bob", "bob's")
    bob.delete(routes_for("bob").detail(task.id))
    assert alice.get(deleted_url(routes_for("alice"))).json() == []


def test_a_deleted_task_stays_gone_from_every_other_read(alice, routes, make_task):
    task = make_task("alice", "gone")
    alice.delete(routes.detail(task.id))
    assert alice.get(routes.detail(task.id)).status_code == 404
    assert alice.patch(routes.complete(task.id)).status_code == 404
    assert alice.put(routes.detail(task.id), {"title": "back?"}, format="json").status_code == 404
    assert alice.delete(routes.detail(task.id)).status_code == 404
    assert task.id not in ids(alice.get(routes.list(), {"updated_since": "2000-01-01T00:00:00Z"}))


def test_since_older_than_tombstones_are_kept_is_410(alice, routes, settings):
    since = iso(timezone.now() - timedelta(days=settings.TOMBSTONE_RETENTION_DAYS + 1))
    response = alice.get(deleted_url(routes), {"since": since})
    assert response.status_code == 410
    assert response.json()["error_code"] == "SYNC_EXPIRED"


@pytest.mark.parametrize("since", ["nope", "2026-11-26T10:00:00"], ids=["word", "no-offset"])
def test_unparseable_since_is_422(alice, routes, since):
    response = alice.get(deleted_url(routes), {"since": since})
    assert response.status_code == 422
    assert "since" in response.json()["errors"]


def test_cleanup_purges_tombstones_after_the_retention_period(alice, routes, make_task, settings):
    old, recent, live = make_task("alice", "old"), make_task("alice", "recent"), make_task("alice", "live")
    alice.delete(routes.detail(old.id))
    alice.delete(routes.detail(recent.id))
    Task.objects.filter(pk=old.id).update(deleted_at=timezone.now() - timedelta(days=settings.TOMBSTONE_RETENTION_DAYS + 1))
    out = StringIO()
    call_command("cleanup_expired", stdout=out)
    assert "Removed 1 tombstones" in out.getvalue()
    assert set(Task.objects.values_list("id", flat=True)) == {recent.id, live.id}


def test_cleanup_dry_run_removes_nothing(alice, routes, make_task):
    task = make_task("alice", "old")
    alice.delete(routes.detail(task.id))
    Task.objects.filter(pk=task.id).update(deleted_at=timezone.now() - timedelta(days=365))
    out = StringIO()
    call_command("cleanup_expired", "--dry-run", stdout=out)
    assert "Would remove 1 tombstones" in out.getvalue()
    assert Task.objects.filter(pk=task.id).exists()
