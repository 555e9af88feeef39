"""The task domain's management commands: purge_user_tasks, seed_demo_tasks, cleanup_expired."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tasks.models import Task

pytestmark = pytest.mark.django_db


# --- purge_user_tasks ------------------------------------------------------------------------------


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_user_tasks", *args, stdout=out)
    return out.getvalue()


def test_purge_with_yes_deletes_only_that_users_tasks_and_prints_the_count(make_task):
    for _ in range(3):
        make_task("gone-user")
    make_task("other-user")
    output = purge("gone-user", "--yes")
    assert "Deleted 3 tasks" in output
    assert not Task.objects.filter(user_id="gone-user").exists()
    assert Task.objects.filter(user_id="other-user").count() == 1


def test_purge_asks_for_confirmation_and_deletes_on_yes(make_task, monkeypatch):
    make_task("gone-user")
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "y")
    assert "Deleted 1 tasks" in purge("gone-user")
    assert "Delete all 1 tasks" in prompts[0]
    assert not Task.objects.filter(user_id="gone-user").exists()


@pytest.mark.parametrize("answer", ["", "n", "no", "whatever"])
def test_purge_keeps_everything_unless_confirmed(make_task, monkeypatch, answer):
    make_task("gone-user")
    monkeypatch.setattr("builtins.input", lambda prompt: answer)
    with pytest.raises(CommandError, match="Aborted"):
        purge("gone-user")
    assert Task.objects.filter(user_id="gone-user").count() == 1


def test_purge_of_a_user_without_tasks_says_so(make_task):
    make_task("someone")
    assert "nothing deleted" in purge("nobody", "--yes")
    assert Task.objects.count() == 1


# --- seed_demo_tasks -------------------------------------------------------------------------------


def seed(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo_tasks", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_seed_creates_twenty_demo_tasks_by_default_for_that_user(api_client):
    output, _ = seed("demo-user")
    assert "Created 20 demo tasks" in output
    assert Task.objects.filter(user_id="demo-user").count() == 20
    assert Task.objects.count() == 20


def test_seeded_tasks_are_valid_and_listed_newest_first(client_for):
    seed("demo-user", "--count", "5", "--seed", "1")
    tasks = client_for("demo-user").get("/api/tasks").json()
    assert [task["title"].rsplit("#", 1)[1] for task in tasks] == ["5)", "4)", "3)", "2)", "1)"]
    assert all(task["created_at"] == task["updated_at"] for task in tasks)


def test_seed_shows_a_progress_bar_for_large_counts():
    output, progress = seed("bulk-user", "--count", "2500")
    assert Task.objects.filter(user_id="bulk-user").count() == 2500
    assert "1000/2500" in progress and "2500/2500 (100%)" in progress
    assert "Created 2500 demo tasks" in output


def test_seed_shows_no_progress_bar_for_small_counts():
    _, progress = seed("small-user", "--count", "10")
    assert progress == ""


@pytest.mark.parametrize("args", [("u", "--count", "0"), ("u", "--count", "1000001"), ("",)])
def test_seed_refuses_unusable_arguments(args):
    with pytest.raises(CommandError):
        seed(*args)
