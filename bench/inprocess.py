"""Requests replayed inside this process, through the very WSGI callables gunicorn serves.

Two uses: counting the SQL statements one request of a scenario costs, and checking that the
floor answers exactly like our API (same status, same bytes, same SQL) before it is compared.

Why count here, and this way: PostgreSQL's pg_stat_statements needs ``shared_preload_libraries``
and a server restart, which a shared database server cannot take. Django's test client (and so
``CaptureQueriesContext`` around it) would undercount: it disconnects the ``request_started``
handler that makes Django health-check its persistent connection once per request (``SELECT 1``,
``CONN_HEALTH_CHECKS``), and that check never goes through Django's cursor wrapper anyway. So
requests go through Django's real WSGI handler with the production settings and the bench
database, and every statement is recorded where psycopg sends it (``Cursor.execute``). The count
Django itself sees (``CaptureQueriesContext``) is reported next to it.
"""

from __future__ import annotations

import io
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any
from wsgiref.util import setup_testing_defaults

import psycopg

from bench.load import Group, Request

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
HEALTH_CHECK = "SELECT 1"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def task_id(self) -> str | None:
        match = re.search(rb'"id":(\d+)', self.body) if self.status == 201 else None
        return match.group(1).decode() if match else None


def load_apps(env: dict[str, str]) -> dict[str, WSGIApp]:
    """Our Django app and the floor, configured from ``env`` like the servers are."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "todo_backend.settings"
    os.environ["LOG_LEVEL"] = "ERROR"  # the parity check's 401/404s would each log a warning
    # The run does not `collectstatic` (it would write outside bench/), so WhiteNoise warns that
    # STATIC_ROOT is missing; no API route serves static files.
    warnings.filterwarnings("ignore", message="No directory at")
    from django.core.wsgi import get_wsgi_application

    from bench.floor.app import application as floor

    return {"ours": get_wsgi_application(), "floor": floor}


def call(app: WSGIApp, request: Request, task_id: str | None = None) -> Answer:
    path = request.path.replace("{id}", task_id or "0")
    body = request.body.encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": path,
        # What gunicorn makes of replay.lua's X-Forwarded-Proto: https (see there).
        "wsgi.url_scheme": "https",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    if request.token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {request.token}"
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    setup_testing_defaults(environ)
    status: list[str] = []
    chunks = app(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        data = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()  # Django's request_finished signal fires here, as under gunicorn
    return Answer(int(status[0].split()[0]), data)


def replay(
    app: WSGIApp, group: Group, task_id: str | None = None
) -> tuple[list[Answer], str | None]:
    """Send ``group`` in order; ``{id}`` is the id of the last 201 answer (as in replay.lua)."""
    answers: list[Answer] = []
    for request in group:
        answers.append(call(app, request, task_id))
        task_id = answers[-1].task_id() or task_id
    return answers, task_id


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every statement psycopg sends while the block runs, as the text the server receives."""
    seen: list[str] = []
    original = psycopg.Cursor.execute

    def execute(cursor: psycopg.Cursor, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = cursor.mogrify(query, params) if isinstance(cursor, psycopg.ClientCursor) else query
        seen.append(text.decode() if isinstance(text, bytes) else str(text))
        return original(cursor, query, params, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign, assignment]
    try:
        yield seen
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]


@dataclass(frozen=True)
class QueryCount:
    statements: list[str]  # everything sent while the measured requests ran
    orm_queries: int | None  # what Django's CaptureQueriesContext saw (None for the floor)
    requests: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "sql_per_request": round(len(self.statements) / self.requests, 2),
            "health_checks_per_request": round(
                self.statements.count(HEALTH_CHECK) / self.requests, 2
            ),
            "orm_queries_per_request": (
                None if self.orm_queries is None else round(self.orm_queries / self.requests, 2)
            ),
            "statements": self.statements,
        }


def count_queries(
    apps: dict[str, WSGIApp], app: str, warmup: Group, setup: Group, measured: Group
) -> QueryCount:
    """Statements per request of ``measured``, on a connection that is already open.

    ``warmup`` opens the connection (its one-off set-up statements are not per-request costs);
    ``setup`` runs first in the same sequence unrecorded (e.g. the create a delete needs).
    """
    replay(apps[app], warmup)
    answers, statements, orm = _replay_recorded(apps, app, setup, measured)
    bad = [a for a in answers if not 200 <= a.status < 300]
    if bad:
        raise RuntimeError(
            f"{app}: replay of {measured} answered {bad[0].status}: {bad[0].body[:300]!r}"
        )
    return QueryCount(statements, orm, len(measured))


def _replay_recorded(
    apps: dict[str, WSGIApp], app: str, setup: Group, measured: Group
) -> tuple[list[Answer], list[str], int | None]:
    """Replay ``setup + measured`` as one sequence, recording only the ``measured`` part."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, task_id = replay(apps[app], setup)
    with ExitStack() as stack:
        statements = stack.enter_context(recorded_statements())
        captured = stack.enter_context(
            CaptureQueriesContext(connection) if app == "ours" else nullcontext()
        )
        answers, _ = replay(apps[app], measured, task_id)
    return answers, statements, (len(captured.captured_queries) if captured else None)


def check_floor_parity(apps: dict[str, WSGIApp], cases: dict[str, Request]) -> None:
    """The floor must answer like our API: same status codes, the same bytes for every task and
    404 body, the same error code for 401s, and the same SQL (ours plus its health check)."""
    for app in apps.values():  # open both connections first: their set-up is not per request
        call(app, Request("GET", "/api/health", ""))
    for name, request in cases.items():
        with recorded_statements() as ours_sql:
            ours = call(apps["ours"], request)
        with recorded_statements() as floor_sql:
            floor = call(apps["floor"], request)
        problem = _difference(ours, floor, ours_sql, floor_sql)
        if problem:
            raise RuntimeError(
                f"floor differs from our API on {name} ({request.method} {request.path}): {problem}"
            )


def _difference(
    ours: Answer, floor: Answer, ours_sql: list[str], floor_sql: list[str]
) -> str | None:
    if ours.status != floor.status:
        return f"status {ours.status} vs {floor.status}"
    if ours.status == 401:
        if json.loads(ours.body)["error_code"] != json.loads(floor.body)["error_code"]:
            return f"body {ours.body!r} vs {floor.body!r}"
    elif ours.body != floor.body:
        return f"body {ours.body[:200]!r} vs {floor.body[:200]!r}"
    ours_work = [s for s in ours_sql if s != HEALTH_CHECK]
    if ours_work != floor_sql:
        return f"SQL {ours_work} vs {floor_sql}"
    return None
