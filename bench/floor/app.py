"""The floor: the smallest honest WSGI app that does what our API does for list and get-one.

It does the same work and nothing else: it verifies the same HS256 token with PyJWT (the same
algorithm allow-list, required claims and leeway), sends PostgreSQL the same statements Django
sends (``bench/run.py`` checks the text is identical, and uses client-side binding like Django's
default cursor), and answers the same JSON bytes with the same status codes. What it leaves out
is the framework: no middleware, no DRF request/response objects, no serializer, no per-request
connection health check. ``ours / floor`` throughput is the price of all that.

Served by gunicorn with the project's gunicorn.conf.py: ``gunicorn -c gunicorn.conf.py
bench.floor.app:application``. Reads ``DATABASE_URL``, ``BETTER_AUTH_SECRET`` and
``JWT_LEEWAY_SECONDS`` like the app does.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import jwt
import psycopg

# Copied from what Django sends (see the module docstring); %s are client-side parameters.
_COLUMNS = (
    '"tasks"."id" AS "id", "tasks"."user_id" AS "user_id", "tasks"."title" AS "title", '
    '"tasks"."description" AS "description", "tasks"."completed" AS "completed", '
    '"tasks"."created_at" AS "created_at", "tasks"."updated_at" AS "updated_at", "tasks"."version" AS "version"'
)
LIST_SQL = (
    f'SELECT {_COLUMNS} FROM "tasks" WHERE ("tasks"."user_id" = %s AND "tasks"."deleted_at" IS NULL) '
    "ORDER BY 6 DESC, 1 DESC"
)
GET_SQL = (
    f'SELECT {_COLUMNS} FROM "tasks" '
    'WHERE ("tasks"."user_id" = %s AND "tasks"."deleted_at" IS NULL AND "tasks"."id" = %s) LIMIT 1'
)
FIELDS = ("id", "user_id", "title", "description", "completed", "created_at", "updated_at")

HMAC_ALGORITHMS = ["HS256", "HS384", "HS512"]
REQUIRED = ["sub", "exp"]
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_LIST = re.compile(r"/api/tasks/?")
_DETAIL = re.compile(r"/api/tasks/([^/]+)/?")
_TASK_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_TASK_ID = 2**63 - 1

SECRET = os.environ["BETTER_AUTH_SECRET"]
LEEWAY = int(os.environ.get("JWT_LEEWAY_SECONDS", "30"))
DATABASE_URL = os.environ["DATABASE_URL"]

StartResponse = Callable[..., Any]


class HttpError(Exception):
    def __init__(self, status: str, detail: str, code: str, headers: list | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code, self.headers = status, detail, code, headers or []


# --- database: one persistent connection per worker thread ----------------------------------------
_local = threading.local()


def query(statement: str, params: tuple) -> list[tuple]:
    """Run one statement on this thread's connection; reconnect once if it was lost."""
    for attempt in (1, 2):
        conn = _connection()
        try:
            return conn.execute(statement, params).fetchall()
        except psycopg.OperationalError:
            conn.close()
            _local.conn = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        # TimeZone=UTC at connect, as Django sets it (Django spends one statement on that).
        conn = psycopg.connect(
            DATABASE_URL,
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,
            options="-c TimeZone=UTC",
        )
        _local.conn = conn
    return conn


# --- authentication -------------------------------------------------------------------------------
def authenticate(environ: dict) -> str:
    """The token's ``sub``, or HttpError 401, for ``Authorization: Bearer <jwt>``."""
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise HttpError(
            "401 Unauthorized",
            "Authentication credentials were not provided.",
            "AUTHENTICATION_REQUIRED",
            [("WWW-Authenticate", 'Bearer realm="api"')],
        )
    if len(token) > 8192 or not _COMPACT_JWS.fullmatch(token):
        raise _invalid_token("The access token is malformed.")
    try:
        claims = jwt.decode(
            token, SECRET, algorithms=HMAC_ALGORITHMS, leeway=LEEWAY, options={"require": REQUIRED}
        )
    except jwt.ExpiredSignatureError:
        raise _invalid_token("The access token has expired.", "TOKEN_EXPIRED") from None
    except jwt.PyJWTError:
        raise _invalid_token("The access token is invalid.") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        raise _invalid_token("The access token is invalid.")
    if "\x00" in subject:
        raise _invalid_token("The access token is invalid.")
    return subject


def _invalid_token(detail: str, code: str = "INVALID_TOKEN") -> HttpError:
    challenge = ("WWW-Authenticate", 'Bearer realm="api", error="invalid_token"')
    return HttpError("401 Unauthorized", detail, code, [challenge])


# --- the two routes -------------------------------------------------------------------------------
def list_tasks(user_id: str) -> list[dict]:
    return [task_json(row) for row in query(LIST_SQL, (user_id,))]


def get_task(user_id: str, raw_id: str) -> dict:
    task_id = int(raw_id) if _TASK_ID.fullmatch(raw_id) else 0
    rows = query(GET_SQL, (user_id, task_id)) if 0 < task_id <= MAX_TASK_ID else []
    if not rows:
        raise HttpError("404 Not Found", "Not found.", "RESOURCE_NOT_FOUND")
    return task_json(rows[0])


def task_json(row: tuple) -> dict:
    # The last column is the version, which the API does not show.
    return {
        name: _iso(value) if isinstance(value, datetime) else value
        for name, value in zip(FIELDS, row[:-1], strict=True)
    }


def _iso(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# --- WSGI -----------------------------------------------------------------------------------------
def application(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
    try:
        status, data = "200 OK", route(environ)
        headers: list = []
    except HttpError as exc:
        status, data, headers = (
            exc.status,
            {"detail": exc.detail, "error_code": exc.code},
            exc.headers,
        )
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Like DRF's JSONRenderer: U+2028/2029 are escaped so the JSON is also valid JavaScript.
    body_bytes = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body_bytes))), *headers],
    )
    return [body_bytes]


def route(environ: dict) -> Any:
    path = environ.get("PATH_INFO", "")
    if path.rstrip("/") == "/api/health":
        query("SELECT 1", ())
        return {"status": "ok", "database": "ok"}
    detail = _DETAIL.fullmatch(path)
    if not (detail or _LIST.fullmatch(path)):
        raise HttpError("404 Not Found", "No API route matches this path.", "RESOURCE_NOT_FOUND")
    user_id = authenticate(environ)  # before anything else, as in the API
    if environ["REQUEST_METHOD"] != "GET":
        raise HttpError("405 Method Not Allowed", "Method not allowed.", "METHOD_NOT_ALLOWED")
    return get_task(user_id, detail.group(1)) if detail else list_tasks(user_id)
