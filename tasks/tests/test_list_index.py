"""The default list finds one user's rows through tasks_user_created_idx, never by scanning the
table: its cost follows the user's task count, not the table's size. (PostgreSQL may fetch a
few rows by bitmap and sort them, or walk the index in order; both go through the index.)"""

from __future__ import annotations

import pytest
from django.db import connection

from tasks import queries
from tasks.filters import ListParams, filter_tasks
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated_table():
    Task.objects.bulk_create(
        Task(user_id=f"user-{index % 250}", title=f"task {index}") for index in range(10_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks" if connection.vendor == "postgresql" else "ANALYZE")


def plan_of_default_list(user_id: str) -> str:
    queryset = filter_tasks(Task.objects.filter(user_id=user_id), ListParams()).values_list(*queries.TASK_FIELDS)
    sql, params = queryset.query.sql_with_params()
    prefix = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_default_list_finds_the_users_rows_through_the_index(populated_table):
    plan = plan_of_default_list("user-7")
    assert "tasks_user_created_idx" in plan, plan
    assert "Seq Scan" not in plan, plan  # PostgreSQL's full scan
    assert "SCAN tasks" not in plan, plan  # SQLite's full scan (an index search reads "SEARCH")
