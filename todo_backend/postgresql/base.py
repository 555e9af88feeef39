"""Django's PostgreSQL backend, with two costs of its defaults removed (both measured, see bench/).

1. Health checks only where they can find something. ``CONN_HEALTH_CHECKS`` makes Django ping a
   persistent connection (``SELECT 1``) before the first query of every request: one more round
   trip per request, which under load costs more than the query itself. A connection that served
   a request a moment ago is not broken now, and when one is (the server restarted), the failing
   request is answered 503 and Django drops the connection, so the next request reconnects. So
   the ping is kept for connections idle longer than ``DB_HEALTH_CHECK_IDLE_SECONDS``: exactly the
   ones a suspended Neon compute, or a proxy's idle timeout, has closed meanwhile.

2. Timestamps parsed in C. To return datetimes in its own time zone, Django replaces psycopg's
   ``timestamptz`` loader with a Python subclass, which turns off psycopg's C implementation: the
   40 timestamps of a 20-task list then cost more to parse than the query takes. With Django's
   time zone UTC (``USE_TZ``, ``TIME_ZONE = "UTC"``), ``UTCTimestamptzLoader`` lets psycopg's C
   loader parse and returns the same UTC datetimes.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.pq import Format

_TIMESTAMPTZ = adapters.types["timestamptz"].oid
# psycopg's own loader: the C one when psycopg[binary] (or [c]) is installed.
_PSYCOPG_TIMESTAMPTZ_LOADER = adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)


class UTCTimestamptzLoader(Loader):
    # Django's create_cursor() re-registers its own loader unless this matches its time zone.
    timezone = datetime.timezone.utc

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._parse = _PSYCOPG_TIMESTAMPTZ_LOADER(oid, context).load

    def load(self, data: Any) -> datetime.datetime:
        return self._parse(data).astimezone(datetime.timezone.utc)


class DatabaseWrapper(base.DatabaseWrapper):
    _last_used: float | None = None  # when the connection was opened or last saw a request boundary

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        context = params.get("context")
        if context is not None and self.timezone == datetime.timezone.utc:
            context.adapters.register_loader("timestamptz", UTCTimestamptzLoader)
        return params

    def connect(self) -> None:
        super().connect()
        self._last_used = time.monotonic()

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this when a request starts and when it ends.
        super().close_if_unusable_or_obsolete()
        now = time.monotonic()
        recently_used = self._last_used is not None and now - self._last_used < settings.DB_HEALTH_CHECK_IDLE_SECONDS
        self._last_used = now
        if self.connection is not None and recently_used:
            self.health_check_done = True  # in use a moment ago: no ping needed


def limit_statement_time(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver that ``todo_backend.wsgi`` connects: PostgreSQL stops any
    statement of the server's running longer than ``DB_STATEMENT_TIMEOUT_MS`` (answered 503), so
    one heavy request cannot hold a connection and a worker for long. Migrations and management
    commands connect without it: an index build may rightly take minutes.

    Through a transaction-mode pooler a session ``SET`` may land on another server connection;
    there, set it on the role too (README, Deploying).
    """
    if connection.vendor == "postgresql" and settings.DB_STATEMENT_TIMEOUT_MS:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(settings.DB_STATEMENT_TIMEOUT_MS)}")
