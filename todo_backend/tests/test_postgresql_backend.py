"""Our PostgreSQL backend (todo_backend.postgresql): Django's, minus two measured costs."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection

from tasks.models import Task
from todo_backend.postgresql import base

pytestmark = [
    # Outside a test transaction: Django closes a connection left in one at a request boundary.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend only (DATABASE_URL=postgres://...)"),
]


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(base.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def pings(monkeypatch):
    calls = []
    original = connection.is_usable

    def counted():
        calls.append(1)
        return original()

    monkeypatch.setattr(connection, "is_usable", counted)
    return calls


def new_request_then_query() -> None:
    connection.close_if_unusable_or_obsolete()  # request_started
    connection.close_if_health_check_failed()  # before the first query


def test_connection_in_use_a_moment_ago_is_not_pinged(settings, clock, pings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 10
    connection.ensure_connection()
    connection.health_check_enabled = True
    new_request_then_query()
    clock[0] += 2
    new_request_then_query()
    assert pings == []


def test_connection_idle_for_longer_is_pinged_before_use(settings, clock, pings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 10
    connection.ensure_connection()
    connection.health_check_enabled = True
    new_request_then_query()
    clock[0] += 11
    new_request_then_query()
    assert pings == [1]


def test_zero_idle_seconds_pings_before_every_request(settings, clock, pings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 0
    connection.ensure_connection()
    connection.health_check_enabled = True
    new_request_then_query()
    new_request_then_query()
    assert len(pings) == 2


def test_idle_connection_the_server_closed_is_replaced_before_the_query(settings, clock):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 10
    connection.ensure_connection()
    connection.health_check_enabled = True
    old_pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**{key: params[key] for key in ("dbname", "user", "host", "port") if key in params}, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])  # as a suspended Neon compute does
    clock[0] += 60
    new_request_then_query()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


def test_timestamps_load_as_utc_datetimes_through_psycopgs_loader(make_task):
    task = make_task("alice", "t")
    with connection.cursor() as cursor:
        cursor.execute("SELECT created_at, '2026-01-01 10:00:00.5+05'::timestamptz FROM tasks WHERE id = %s", [task.id])
        stored, shifted = cursor.fetchone()
    assert stored == task.created_at
    assert stored.tzinfo is datetime.timezone.utc
    assert shifted == datetime.datetime(2026, 1, 1, 5, 0, 0, 500000, tzinfo=datetime.timezone.utc)
    loader = connection.connection.adapters.get_loader(base._TIMESTAMPTZ, 0)
    assert loader is base.UTCTimestamptzLoader
    assert Task.objects.get(pk=task.id).created_at == task.created_at
