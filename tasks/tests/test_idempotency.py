"""Idempotency-Key on POST: a retried create never makes a second task."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tasks.models import IdempotencyKey, Task

pytestmark = pytest.mark.django_db

BODY = {"title": "Buy milk", "description": "2 litres"}


def create(client, routes, key: str | None, body=BODY):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(routes.list(), body, format="json", **headers)


def test_first_request_with_a_key_creates_the_task(alice, routes):
    response = create(alice, routes, "key-1")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Task.objects.count() == 1


def test_retry_with_the_same_key_replays_the_first_answer_without_a_second_task(alice, routes):
    first = create(alice, routes, "key-1")
    retry = create(alice, routes, "key-1")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["ETag"] == first["ETag"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Task.objects.count() == 1


def test_same_json_with_other_key_order_or_spacing_is_the_same_request(alice, routes):
    create(alice, routes, "key-1")
    reordered = alice.post(routes.list(), '{ "description":"2 litres",  "title":"Buy milk" }', content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert reordered.status_code == 201
    assert reordered["Idempotent-Replayed"] == "true"
    assert Task.objects.count() == 1


def test_same_key_with_another_body_is_422_idempotency_key_reused(alice, routes):
    create(alice, routes, "key-1")
    response = create(alice, routes, "key-1", {"title": "Something else"})
    assert response.status_code == 422
    assert response.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Task.objects.count() == 1


def test_a_reused_key_names_the_header_in_errors_like_every_422(alice, routes):
    create(alice, routes, "key-1")
    body = create(alice, routes, "key-1", {"title": "Something else"}).json()
    assert list(body["errors"]) == ["Idempotency-Key"]


def test_keys_are_scoped_per_user(alice, bob, routes_for):
    create(alice, routes_for("alice"), "shared-key")
    response = create(bob, routes_for("bob"), "shared-key")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert response.json()["user_id"] == "bob"
    assert Task.objects.count() == 2


def test_replay_is_the_first_answer_even_after_the_task_changed(alice, routes):
    first = create(alice, routes, "key-1")
    alice.patch(first["Location"], {"title": "Renamed"}, format="json")
    assert create(alice, routes, "key-1").json()["title"] == "Buy milk"


def test_different_keys_create_different_tasks(alice, routes):
    create(alice, routes, "key-1")
    create(alice, routes, "key-2")
    assert Task.objects.count() == 2


def test_without_a_key_every_post_creates(alice, routes):
    create(alice, routes, None)
    create(alice, routes, None)
    assert Task.objects.count() == 2


def test_refused_request_stores_nothing_for_its_key(alice, routes):
    assert create(alice, routes, "key-1", {"title": ""}).status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert create(alice, routes, "key-1").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tkey", "ünïcode"], ids=repr)
def test_unusable_key_is_422(alice, routes, key):
    response = create(alice, routes, key)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Task.objects.exists()


def test_expired_key_is_used_afresh(alice, routes, settings):
    create(alice, routes, "key-1")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1))
    response = create(alice, routes, "key-1", {"title": "A new day"})
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Task.objects.count() == 2


def test_cleanup_removes_expired_keys_only(alice, routes, settings):
    create(alice, routes, "old")
    create(alice, routes, "fresh")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    out = StringIO()
    call_command("cleanup_expired", stdout=out)
    assert "1 idempotency keys" in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_key_is_ignored_on_other_methods(alice, routes, make_task):
    task = make_task("alice", "t")
    for _ in range(2):
        assert alice.patch(routes.complete(task.id), HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    task.refresh_from_db()
    assert task.completed is False  # toggled twice: the key did not replay the first answer


def test_a_replay_is_the_first_answer_byte_for_byte(alice, routes):
    first = create(alice, routes, "key-bytes", {"title": "Zebra", "description": "and an aardvark", "completed": True})
    replay = create(alice, routes, "key-bytes", {"title": "Zebra", "description": "and an aardvark", "completed": True})
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    assert list(replay.json()) == ["id", "user_id", "title", "description", "completed", "created_at", "updated_at"]


def test_a_replay_is_not_a_new_task_at_the_task_limit(alice, routes, settings):
    settings.MAX_TASKS_PER_USER = 1
    first = create(alice, routes, "only-one")
    assert create(alice, routes, "only-one").content == first.content
    refused = create(alice, routes, "a-second-one")
    assert (refused.status_code, refused.json()["error_code"]) == (409, "TASK_LIMIT_REACHED")
    assert not IdempotencyKey.objects.filter(key="a-second-one").exists()
