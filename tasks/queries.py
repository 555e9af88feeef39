"""Task reads and writes that each take exactly one SQL statement.

Every function takes a queryset that ``TaskViewSet.get_queryset`` already scoped to the caller,
so the ownership condition is always part of the statement's WHERE clause. Rows come back as
dictionaries of ``ROW_FIELDS``: the API's task fields (``TASK_FIELDS``) plus ``version``, which
makes the ETag and is dropped from the body (``public``). No model instance, no serializer.

Django 5.2 cannot return rows from an UPDATE, so ``update_returning`` builds the UPDATE exactly
as ``QuerySet.update()`` does (same compiler, same WHERE) and adds ``RETURNING``, which both
PostgreSQL and SQLite (3.35+) support. Writes run in autocommit: one statement, one round trip.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Callable

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
from django.db.models import DateTimeField, F, QuerySet, Value
from django.db.models.functions import Greatest
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from tasks.models import Task

TASK_FIELDS = ("id", "user_id", "title", "description", "completed", "created_at", "updated_at")
ROW_FIELDS = (*TASK_FIELDS, "version")


def task_row(task: Task) -> dict[str, Any]:
    return {name: getattr(task, name) for name in ROW_FIELDS}


def public(row: dict[str, Any]) -> dict[str, Any]:
    """The task as the API shows it: the row without its version."""
    return {name: row[name] for name in TASK_FIELDS}


def fetch_all(queryset: QuerySet[Task]) -> list[dict[str, Any]]:
    return list(queryset.values(*ROW_FIELDS))


def update_returning(queryset: QuerySet[Task], **values: Any) -> dict[str, Any] | None:
    """``UPDATE ... SET values WHERE <queryset> RETURNING <row>``: the updated row, or None.

    Every update counts one more ``version``. ``updated_at`` moves to now, but never backwards:
    when concurrent updates of a task commit in another order than they read the clock, the row
    keeps the later time.
    """
    now = Value(timezone.now(), output_field=DateTimeField())
    changes = {**values, "updated_at": Greatest(F("updated_at"), now), "version": F("version") + 1}
    using = router.db_for_write(queryset.model)
    connection = connections[using]
    try:
        sql, params = _update_sql(queryset, changes, using)
    except EmptyResultSet:  # a condition nothing can meet, e.g. no If-Match ETag of this task
        return None
    fields = [queryset.model._meta.get_field(name) for name in ROW_FIELDS]
    returning = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {returning}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    return {field.name: _from_db(field, value, connection) for field, value in zip(fields, row)}


def delete(queryset: QuerySet[Task]) -> int:
    """Mark the task deleted (its row stays as the tombstone syncing clients read); rows marked."""
    changes = {"deleted_at": Value(timezone.now(), output_field=DateTimeField()), "version": F("version") + 1}
    using = router.db_for_write(queryset.model)
    try:
        sql, params = _update_sql(queryset, changes, using)
    except EmptyResultSet:
        return 0
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def tombstones(queryset: QuerySet[Task], since: datetime | None) -> list[dict[str, Any]]:
    """``[{"id", "deleted_at"}]`` of the deleted tasks in ``queryset``, deleted at or after ``since``."""
    if since is not None:
        queryset = queryset.filter(deleted_at__gte=since)
    return list(queryset.order_by("deleted_at", "id").values("id", "deleted_at"))


def _update_sql(queryset: QuerySet[Task], changes: dict[str, Any], using: str) -> tuple[str, tuple]:
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(changes)
    return query.get_compiler(using).as_sql()


def _from_db(field, value: Any, connection) -> Any:
    """Convert a raw column value as the ORM would (SQLite returns text for datetimes, 0/1 for booleans)."""
    expression = field.get_col(field.model._meta.db_table)
    for converter in connection.ops.get_db_converters(expression) + field.get_db_converters(connection):
        value = converter(value, expression, connection)
    return value


# --- Compiled reads --------------------------------------------------------------------------------

CALLER_MARKER = "\x00caller\x00"  # no real user id: tokens with NUL in their sub are refused
TASK_ID_MARKER = -4_611_686_018_427_387_904  # no real task id: ids are positive


@dataclass(frozen=True)
class _Template:
    sql: str
    slots: tuple[Any, ...]  # per parameter: CALLER_MARKER, TASK_ID_MARKER or a constant value
    converters: tuple[tuple[int, Any, list], ...]  # (column index, expression, converters)


class CompiledRead:
    """A read whose SQL the ORM writes once per process; each call runs it with its own values.

    Compiling a queryset (filters, field list, ordering, conversions) costs more Python time than
    PostgreSQL needs to answer the query, and the hot reads always compile to the same SQL with
    different values. ``build(tasks, task_id)`` returns the read as a queryset of ``tasks``, the
    caller's rows as ``TaskViewSet.get_queryset`` scopes them. The first call builds it once with
    marker values in place of the caller and the task id and compiles it; every call then runs
    that SQL with the markers replaced by its own values. The SQL is the ORM's, and the scope is
    ``get_queryset``'s own: compiling fails if the scope stops depending on the caller.
    """

    def __init__(self, build: Callable[[QuerySet[Task], int], QuerySet[Task]]) -> None:
        self.build = build
        self._templates: dict[str, _Template] = {}

    def fetch(self, view: Any, task_id: int | None = None) -> list[dict[str, Any]]:
        using = router.db_for_read(Task)
        template = self._templates.get(using) or self._compile(view, using)
        values = {CALLER_MARKER: view.request.user_id, TASK_ID_MARKER: task_id}
        params = [values.get(slot, slot) for slot in template.slots]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(template.sql, params)
            rows = cursor.fetchall()
        tasks = [dict(zip(ROW_FIELDS, row)) for row in rows]
        for index, expression, converters in template.converters:
            name = ROW_FIELDS[index]
            for task in tasks:
                for converter in converters:
                    task[name] = converter(task[name], expression, connection)
        return tasks

    def _compile(self, view: Any, using: str) -> _Template:
        marker_view = copy.copy(view)
        marker_view.request = SimpleNamespace(user_id=CALLER_MARKER)
        queryset = self.build(marker_view.get_queryset(), TASK_ID_MARKER).values_list(*ROW_FIELDS)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        if CALLER_MARKER not in params:
            raise ImproperlyConfigured("get_queryset() no longer scopes tasks to request.user_id")
        connection = connections[using]
        converters = []
        for index, name in enumerate(ROW_FIELDS):
            field = Task._meta.get_field(name)
            expression = field.get_col(Task._meta.db_table)
            found = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
            if found:
                converters.append((index, expression, found))
        template = _Template(sql, tuple(params), tuple(converters))
        self._templates[using] = template
        return template
