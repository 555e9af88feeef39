"""Each request costs the SQL statements the performance contract allows, and no more.

One statement for list, get, delete and toggle; one for create and update (the contract allows
two); none for authentication. ``django_assert_num_queries`` counts every statement Django runs.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import queries
from tasks.filters import ListParams, filter_tasks
from tasks.models import Task
from tasks.queries import NEWEST_FIRST, ONE_TASK

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(make_task):
    make_task("alice", "other")
    return make_task("alice", "counted", description="d")


def test_list_is_one_statement(alice, routes, task, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.get(routes.list()).status_code == 200


def test_filtered_paged_list_is_one_statement(alice, routes, task, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.get(routes.list(), {"completed": "false", "search": "count", "limit": 1}).status_code == 200


def test_get_is_one_statement(alice, routes, task, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.get(routes.detail(task.id)).status_code == 200


def test_create_is_one_statement(alice, routes, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.post(routes.list(), {"title": "new"}, format="json").status_code == 201


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_is_one_statement(alice, routes, task, django_assert_num_queries, method):
    with django_assert_num_queries(1):
        response = getattr(alice, method)(routes.detail(task.id), {"title": "changed"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("body", [{}, {"completed": True}], ids=["toggle", "set"])
def test_complete_is_one_statement(alice, routes, task, django_assert_num_queries, body):
    with django_assert_num_queries(1):
        assert alice.patch(routes.complete(task.id), body, format="json").status_code == 200


def test_delete_is_one_statement(alice, routes, task, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.delete(routes.detail(task.id)).status_code == 204


def test_missing_task_is_still_one_statement(alice, routes, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert alice.patch(routes.complete(999), format="json").status_code == 404


@pytest.mark.parametrize("path", ["/api/tasks/abc", "/api/bob/tasks"])
def test_requests_refused_before_the_database_make_no_query(alice, path, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert alice.get(path).status_code in (403, 404)


def test_bad_token_makes_no_query(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert api_client.get("/api/tasks", HTTP_AUTHORIZATION="Bearer a.b.c").status_code == 401


# --- compiled reads: the ORM's own SQL, compiled once ------------------------------------------------


def orm_rows(queryset) -> tuple[list[dict], str]:
    with CaptureQueriesContext(connection) as captured:
        rows = [dict(zip(queries.ROW_FIELDS, row)) for row in queryset.values_list(*queries.ROW_FIELDS)]
    return rows, captured.captured_queries[0]["sql"]


def compiled_rows(read: queries.CompiledRead, *args) -> tuple[list[dict], str]:
    with CaptureQueriesContext(connection) as captured:
        rows = read.fetch(*args)
    return rows, captured.captured_queries[0]["sql"]


def test_compiled_list_runs_the_orms_sql_and_returns_its_rows(make_task):
    for title in ("a", "b", "c"):
        make_task("alice", title)
    make_task("bob", "not alice's")
    orm_tasks, orm_sql = orm_rows(filter_tasks(queries.owned_tasks("alice"), ListParams()))
    compiled_tasks, compiled_sql = compiled_rows(NEWEST_FIRST, "alice")
    assert compiled_sql == orm_sql
    assert compiled_tasks == orm_tasks
    assert [task["title"] for task in compiled_tasks] == ["c", "b", "a"]


def test_compiled_get_returns_the_callers_task_only(make_task):
    task = make_task("alice", "mine")
    assert compiled_rows(ONE_TASK, "alice", task.id)[0][0]["title"] == "mine"
    assert compiled_rows(ONE_TASK, "bob", task.id)[0] == []


def test_compiled_read_values_are_those_of_the_orm(make_task):
    task = make_task("alice", "typed", description=None, completed=True)
    [row] = ONE_TASK.fetch("alice", task.id)
    stored = Task.objects.get(pk=task.id)
    assert row == {name: getattr(stored, name) for name in queries.ROW_FIELDS}
    assert row["completed"] is True
    assert row["created_at"].utcoffset().total_seconds() == 0


def test_compiling_refuses_a_scope_that_ignores_the_caller(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(queries, "owned_tasks", lambda user_id, deleted=False: Task.objects.all())
    read = queries.CompiledRead(lambda tasks, task_id: tasks)
    with pytest.raises(ImproperlyConfigured, match="no longer scopes"):
        read.fetch("alice")
