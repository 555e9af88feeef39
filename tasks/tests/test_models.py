"""The tasks table as Django migrations create it: constraints back the serializer's rules."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"user_id": "", "title": "t"},
        {"user_id": "alice", "title": "   "},
        {"user_id": "alice", "title": "x" * 256},
        {"user_id": "alice", "title": "t", "description": "d" * 10_001},
    ],
    ids=["empty-user", "blank-title", "long-title", "long-description"],
)
def test_database_refuses_rows_the_api_would_refuse(fields):
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Task.objects.create(**fields)


def test_table_is_named_tasks_with_the_list_sync_and_tombstone_indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tasks")
    index = constraints["tasks_user_live_created_idx"]
    assert index["columns"] == ["user_id", "created_at", "id"]
    assert index["orders"] == ["ASC", "DESC", "DESC"]
    assert constraints["tasks_user_live_updated_idx"]["columns"] == ["user_id", "updated_at"]
    assert constraints["tasks_user_deleted_idx"]["columns"] == ["user_id", "deleted_at"]


def test_completed_defaults_to_false_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tasks (user_id, title, description) VALUES (%s, %s, NULL)", ["alice", "raw insert"]
        )
    task = Task.objects.get(title="raw insert")
    assert task.completed is False
    assert task.created_at is not None


def test_saving_an_existing_task_is_refused():
    # Updates go through tasks.queries, which counts the version that makes the ETag.
    task = Task.objects.create(user_id="alice", title="t")
    task.title = "changed"
    with pytest.raises(TypeError, match="only inserts"):
        task.save(update_fields=["title"])
    task.refresh_from_db()
    assert (task.title, task.version) == ("t", 1)
