"""The default list finds one user's live rows through an index, never by scanning the table: its
cost follows the user's task count, not the table's size. (PostgreSQL may walk
tasks_user_live_created_idx in order, or fetch a few rows by bitmap from either partial index on
``user_id`` and sort them; all go through an index that leaves tombstones out.)"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.utils import timezone

from tasks import queries
from tasks.filters import ListParams, filter_tasks
from tasks.models import Task

# Slow: a 10,000-row table.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def populated_table():
    Task.objects.bulk_create(
        Task(user_id=f"user-{index % 250}", title=f"task {index}", deleted_at=timezone.now() if index % 10 == 0 else None)
        for index in range(10_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks" if connection.vendor == "postgresql" else "ANALYZE")


def plan_of_default_list(user_id: str) -> str:
    queryset = filter_tasks(queries.owned_tasks(user_id), ListParams()).values_list(*queries.ROW_FIELDS)
    sql, params = queryset.query.sql_with_params()
    prefix = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_default_list_finds_the_users_rows_through_the_index(populated_table):
    plan = plan_of_default_list("user-7")
    assert re.search(r"tasks_user_live_(created|updated)_idx", plan), plan
    assert "Seq Scan" not in plan, plan  # PostgreSQL's full scan
    assert "SCAN tasks" not in plan, plan  # SQLite's full scan (an index search reads "SEARCH")


@pytest.fixture
def heavy_user():
    """One user with thousands of long tasks, as one abusing the API might store, among many others."""
    description = "lorem ipsum dolor sit amet " * 300
    Task.objects.bulk_create(
        (Task(user_id="heavy", title=f"task {index}", description=f"{description} ref-{index}") for index in range(3_000)),
        batch_size=500,
    )
    Task.objects.bulk_create(
        (Task(user_id=f"user-{index % 1000}", title=f"task {index}") for index in range(20_000)), batch_size=2_000
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks" if connection.vendor == "postgresql" else "ANALYZE")


def test_search_is_served_by_the_trigram_index_on_postgresql(heavy_user):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend only: SQLite scans the user's rows")
    queryset = filter_tasks(queries.owned_tasks("heavy"), ListParams(search="ref-1234")).values_list(*queries.ROW_FIELDS)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # What autovacuum does in a live database: merge the GIN index's pending entries into it.
        cursor.execute("SELECT gin_clean_pending_list('tasks_live_search_trgm_idx')")
        cursor.execute("ANALYZE tasks")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "tasks_live_search_trgm_idx" in plan, plan
