"""The caller's tasks, and their reads and writes that each take exactly one SQL statement.

``owned_tasks`` is the one place that scopes rows to their owner: ``TaskViewSet.get_queryset``
returns it, and the compiled hot reads at the bottom are built from it. Every other function takes
a queryset it made, so the ownership condition is always part of the statement's WHERE clause.
Rows come back as
dictionaries of ``ROW_FIELDS``: the API's task fields (``TASK_FIELDS``) plus ``version``, which
makes the ETag and is dropped from the body (``public``). No model instance, no serializer.

Django 5.2 cannot return rows from an UPDATE, so ``update_returning`` builds the UPDATE exactly
as ``QuerySet.update()`` does (same compiler, same WHERE) and adds ``RETURNING``, which both
PostgreSQL and SQLite (3.35+) support. Writes run in autocommit: one statement, one round trip.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
from django.db.models import Case, DateTimeField, F, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from tasks.filters import ListParams, filter_tasks
from tasks.models import Task

TASK_FIELDS = ("id", "user_id", "title", "description", "completed", "created_at", "updated_at")
ROW_FIELDS = (*TASK_FIELDS, "version")


def owned_tasks(user_id: str, *, deleted: bool = False) -> QuerySet[Task]:
    """The tasks of ``user_id``: the live ones, or (``deleted``) the tombstones of deleted ones.

    Another user's task is not in it, so to every read and write it is indistinguishable from a
    missing one (404).
    """
    return Task.objects.filter(user_id=user_id).filter(deleted_at__isnull=not deleted)


def public(row: dict[str, Any]) -> dict[str, Any]:
    """The task as the API shows it: the row without its version."""
    return {name: row[name] for name in TASK_FIELDS}


def fetch_all(queryset: QuerySet[Task]) -> list[dict[str, Any]]:
    return list(queryset.values(*ROW_FIELDS))


def create_task(user_id: str, fields: dict[str, Any], *, limit: int) -> dict[str, Any] | None:
    """``INSERT`` a task of ``user_id`` unless they already have ``limit`` live tasks, in one
    statement (``INSERT ... SELECT ... WHERE <count> < limit RETURNING <row>``): the new row, or
    None at the limit. Concurrent creates may each see the count below it, so a burst can overshoot
    by a few: the limit guards against abuse, it is no ledger. The counting stops at ``limit``.
    """
    now = timezone.now()  # one reading: a new task's updated_at is its created_at exactly
    values = {
        "user_id": user_id,
        "title": fields["title"],
        "description": fields.get("description"),
        "completed": fields.get("completed", False),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    using = router.db_for_write(Task)
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = [Task._meta.get_field(name) for name in values]
    live_sql, live_params = owned_tasks(user_id).values("id")[:limit].query.get_compiler(using).as_sql()
    returning = ", ".join(quote(Task._meta.get_field(name).column) for name in ROW_FIELDS)
    sql = (
        f"INSERT INTO {quote(Task._meta.db_table)} ({', '.join(quote(field.column) for field in columns)}) "
        f"SELECT {', '.join(['%s'] * len(columns))} "
        f"WHERE (SELECT COUNT(*) FROM ({live_sql}) {quote('live')}) < %s RETURNING {returning}"
    )
    params = [field.get_db_prep_save(value, connection) for field, value in zip(columns, values.values())]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *live_params, limit])
        row = cursor.fetchone()
    return None if row is None else _row_decoder(connection)(row)


def update_returning(queryset: QuerySet[Task], **values: Any) -> dict[str, Any] | None:
    """``UPDATE ... SET values WHERE <queryset> RETURNING <row>``: the updated row, or None.

    Every update counts one more ``version``. ``updated_at`` moves to now, but never backwards:
    when concurrent updates of a task commit in another order than they read the clock, the row
    keeps the later time.
    """
    now = Value(timezone.now(), output_field=DateTimeField())
    changes = {**values, "updated_at": Greatest(F("updated_at"), now), "version": F("version") + 1}
    fields = [Task._meta.get_field(name) for name in ROW_FIELDS]
    connection = connections[router.db_for_write(Task)]
    returning = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with _update(queryset, changes, f" RETURNING {returning}") as cursor:
        row = cursor.fetchone() if cursor else None
    if row is None:
        return None
    return _row_decoder(connection)(row)


# The flip happens inside the UPDATE, so concurrent toggles never read a stale value.
_TOGGLED = Case(When(completed=True, then=Value(False)), default=Value(True))


def set_completed(queryset: QuerySet[Task], completed: bool | None) -> dict[str, Any] | None:
    """Set ``completed``, or toggle it when ``completed`` is None; the updated row, or None."""
    return update_returning(queryset, completed=_TOGGLED if completed is None else Value(completed))


def delete(queryset: QuerySet[Task]) -> int:
    """Mark the task deleted (its row stays as the tombstone syncing clients read); rows marked."""
    changes = {"deleted_at": Value(timezone.now(), output_field=DateTimeField()), "version": F("version") + 1}
    with _update(queryset, changes) as cursor:
        return cursor.rowcount if cursor else 0


def tombstones(queryset: QuerySet[Task], since: datetime | None) -> list[dict[str, Any]]:
    """``[{"id", "deleted_at"}]`` of the deleted tasks in ``queryset``, deleted at or after ``since``."""
    if since is not None:
        queryset = queryset.filter(deleted_at__gte=since)
    return list(queryset.order_by("deleted_at", "id").values("id", "deleted_at"))


@contextmanager
def _update(queryset: QuerySet[Task], changes: dict[str, Any], suffix: str = "") -> Iterator[Any]:
    """Run ``UPDATE ... SET changes WHERE <queryset>`` + ``suffix``, and yield its cursor; None when
    the WHERE can match nothing (e.g. an If-Match that names no version of this task)."""
    using = router.db_for_write(Task)
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(changes)
    try:
        sql, params = query.get_compiler(using).as_sql()
    except EmptyResultSet:
        yield None
        return
    with connections[using].cursor() as cursor:
        cursor.execute(sql + suffix, params)
        yield cursor


def _row_decoder(connection: Any) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """Turns a raw row of ``ROW_FIELDS`` into the values the ORM would give (SQLite returns text for
    datetimes, 0/1 for booleans; PostgreSQL's values need no conversion)."""
    steps = []
    for name in ROW_FIELDS:
        field = Task._meta.get_field(name)
        expression = field.get_col(Task._meta.db_table)
        if converters := connection.ops.get_db_converters(expression) + field.get_db_converters(connection):
            steps.append((name, expression, converters))

    def decode(row: Sequence[Any]) -> dict[str, Any]:
        task = dict(zip(ROW_FIELDS, row))
        for name, expression, converters in steps:
            for converter in converters:
                task[name] = converter(task[name], expression, connection)
        return task

    return decode


# --- Compiled reads --------------------------------------------------------------------------------

CALLER_MARKER = "\x00caller\x00"  # no real user id: tokens with NUL in their sub are refused
TASK_ID_MARKER = -4_611_686_018_427_387_904  # no real task id: ids are positive


@dataclass(frozen=True)
class _Template:
    sql: str
    slots: tuple[Any, ...]  # per parameter: CALLER_MARKER, TASK_ID_MARKER or a constant value
    decode: Callable[[Sequence[Any]], dict[str, Any]]


class CompiledRead:
    """A read whose SQL the ORM writes once per process; each call runs it with its own values.

    Compiling a queryset (filters, field list, ordering, conversions) costs more Python time than
    PostgreSQL needs to answer the query, and the hot reads always compile to the same SQL with
    different values. ``build(tasks, task_id)`` returns the read as a queryset of ``tasks``, the
    caller's rows. The first call builds it once from ``owned_tasks`` with marker values in place
    of the caller and the task id, and compiles it; every call then runs that SQL with the markers
    replaced by its own values. The SQL is the ORM's, and the scope is ``owned_tasks``'s own:
    compiling fails if the scope stops depending on the caller.
    """

    def __init__(self, build: Callable[[QuerySet[Task], int], QuerySet[Task]]) -> None:
        self.build = build
        self._templates: dict[str, _Template] = {}

    def fetch(self, user_id: str, task_id: int | None = None) -> list[dict[str, Any]]:
        using = router.db_for_read(Task)
        template = self._templates.get(using) or self._compile(using)
        values = {CALLER_MARKER: user_id, TASK_ID_MARKER: task_id}
        params = [values.get(slot, slot) for slot in template.slots]
        with connections[using].cursor() as cursor:
            cursor.execute(template.sql, params)
            return [template.decode(row) for row in cursor.fetchall()]

    def _compile(self, using: str) -> _Template:
        queryset = self.build(owned_tasks(CALLER_MARKER), TASK_ID_MARKER).values_list(*ROW_FIELDS)
        sql, params = queryset.query.get_compiler(using).as_sql()
        if CALLER_MARKER not in params:
            raise ImproperlyConfigured("owned_tasks() no longer scopes tasks to their owner")
        template = _Template(sql, tuple(params), _row_decoder(connections[using]))
        self._templates[using] = template
        return template


# The two hottest reads: the default list and one task.
DEFAULT_LIST = ListParams()
NEWEST_FIRST = CompiledRead(lambda tasks, _task_id: filter_tasks(tasks, DEFAULT_LIST))
ONE_TASK = CompiledRead(lambda tasks, task_id: tasks.filter(pk=task_id)[:1])
