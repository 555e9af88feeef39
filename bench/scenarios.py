"""What the benchmark measures: each scenario's requests, the one replayed to count its SQL, and
what it needs done to the database first.

Requests are spread over many users: consecutive requests (and so wrk's connections and threads)
belong to different users, each with their own token, the way a real server sees its traffic.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import psycopg

from bench import db
from bench.load import Group, Request

CREATE_BODY = json.dumps({"title": "Buy milk", "description": "2 litres, semi-skimmed"})
UPDATE_BODY = json.dumps(
    {
        "title": "Buy oat milk instead",
        "description": "2 litres, barista edition",
        "completed": False,
    }
)
SESSION_TITLE = "Bench session task"  # what a session creates, so leftovers can be found
SESSION_BODY = json.dumps({"title": SESSION_TITLE})
TOKEN_LIFETIME_SECONDS = 6 * 3600
MIN_DELETE_POOL = 5_000


@dataclass
class Context:
    """State shared by the scenarios of one run."""

    conn: psycopg.Connection
    secret: str
    duration: int
    results: list[dict[str, Any]] = field(default_factory=list)
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, user_id: str) -> str:
        """An HS256 token for ``user_id`` (claims sub, iat, exp), like Better Auth issues."""
        if user_id not in self._tokens:
            now = int(time.time())
            claims = {"sub": user_id, "iat": now, "exp": now + TOKEN_LIFETIME_SECONDS}
            self._tokens[user_id] = jwt.encode(claims, self.secret, algorithm="HS256")
        return self._tokens[user_id]

    def user_token(self, prefix: str, number: int) -> str:
        return self.token(db.user_id(prefix, number))


# --- requests of each scenario --------------------------------------------------------------------
Builder = Callable[[Context], list[Group]]


def each_user(prefix: str, method: str, path: str, body: str = "") -> Builder:
    """One request per user ``prefix``0001 to 1000, each with that user's token."""

    def build(ctx: Context) -> list[Group]:
        users = range(1, db.USERS + 1)
        return [[Request(method, path, ctx.user_token(prefix, n), body)] for n in users]

    return build


def each_task(prefix: str, method: str, path: str, body: str = "") -> Builder:
    """One request per task of the ``prefix`` users, by its owner; ``{id}`` is the task id.
    Consecutive requests belong to different users (``db.task_ids`` order)."""

    def build(ctx: Context) -> list[Group]:
        tasks = db.task_ids(ctx.conn, prefix)
        return [[Request(method, path.format(id=i), ctx.token(user), body)] for user, i in tasks]

    return build


list_groups = each_user(db.USER_PREFIX, "GET", "/api/tasks")


def big_list_groups(ctx: Context) -> list[Group]:
    return [[Request("GET", "/api/tasks", ctx.token(db.BIG_USER))]]


def heavy_user_groups(ctx: Context) -> list[Group]:
    """What one user at the limit does to the others: searches (one that finds a single task, one
    that matches every description) and full lists of 10,000 long tasks."""
    token = ctx.token(db.HEAVY_USER)
    return [
        [Request("GET", path, token)]
        for n in range(1, 34)
        for path in (f"/api/tasks?search=ref-{n}7", "/api/tasks?search=ipsum", "/api/tasks")
    ]


def session(token: str) -> Group:
    """What a frontend does: show the list, add a task, tick it, show the list, delete the task."""
    return [
        Request("GET", "/api/tasks", token),
        Request("POST", "/api/tasks", token, SESSION_BODY),
        Request("PATCH", "/api/tasks/{id}/complete", token),
        Request("GET", "/api/tasks", token),
        Request("DELETE", "/api/tasks/{id}", token),
    ]


def session_groups(ctx: Context) -> list[Group]:
    return [session(ctx.user_token(db.USER_PREFIX, n)) for n in range(1, db.USERS + 1)]


# --- database work around scenarios ---------------------------------------------------------------
def seed_delete_pool(ctx: Context) -> None:
    """Enough rows that no delete ever meets a deleted id: 1.5x what the fastest read scenario so
    far would get through in the measurement (a delete is slower than a read; the warm-up lists)."""
    rates = [
        r["rps"] for r in ctx.results if r["app"] == "ours" and r["scenario"] in ("list", "get")
    ]
    expected = (max(rates) if rates else 2_000) * ctx.duration
    db.reset_delete_pool(ctx.conn, max(MIN_DELETE_POOL, math.ceil(expected * 1.5)))


def fill_table(ctx: Context) -> None:
    started = time.monotonic()
    if db.fill_to(ctx.conn, db.FULL_TABLE_ROWS):
        print(
            f"  table filled to {db.FULL_TABLE_ROWS:,} rows in {time.monotonic() - started:.0f}s",
            flush=True,
        )


def remove_session_leftovers(ctx: Context) -> None:
    db.delete_titled(ctx.conn, SESSION_TITLE)


# --- the scenarios, in the order they run ---------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    name: str
    about: str
    groups: Callable[[Context], list[Group]]
    apps: tuple[str, ...] = ("ours",)
    high: bool = False  # also at --high-connections
    consumable: bool = False  # a request may be sent once (delete): warm up with list instead
    sequential: bool = False  # a group is a sequence: one connection per wrk thread
    prepare: Callable[[Context], None] | None = None  # before each run
    cleanup: Callable[[Context], None] | None = None  # after the scenario
    # (set-up, counted): the request(s) replayed in-process to count SQL; default: the first group
    replay: Callable[[Context], tuple[Group, Group]] | None = None
    # Load that runs beside the measured one, on its own connections, and is reported apart.
    background: Callable[[Context], list[Group]] | None = None
    background_connections: int = 2

    def counted(self, ctx: Context, groups: list[Group]) -> tuple[Group, Group]:
        return self.replay(ctx) if self.replay else ([], groups[0])


def _delete_replay(ctx: Context) -> tuple[Group, Group]:
    """A delete of its own task, so the replay takes no id that wrk will be sent to delete."""
    token = ctx.user_token(db.DELETE_PREFIX, 1)
    create = Request("POST", "/api/tasks", token, CREATE_BODY)
    return [create], [Request("DELETE", "/api/tasks/{id}", token)]


SCENARIOS: list[Scenario] = [
    Scenario(
        "list",
        "GET /api/tasks, users with 20 tasks, ~22k-row table",
        list_groups,
        ("ours", "floor"),
        high=True,
    ),
    Scenario(
        "get",
        "GET /api/tasks/{id}",
        each_task(db.USER_PREFIX, "GET", "/api/tasks/{id}"),
        ("ours", "floor"),
        high=True,
    ),
    Scenario(
        "list-2000", "GET /api/tasks, the user with 2,000 tasks", big_list_groups, ("ours", "floor")
    ),
    Scenario(
        "create",
        "POST /api/tasks (JSON body)",
        each_user(db.NEW_PREFIX, "POST", "/api/tasks", CREATE_BODY),
    ),
    Scenario(
        "toggle",
        "PATCH /api/tasks/{id}/complete (empty body)",
        each_task(db.USER_PREFIX, "PATCH", "/api/tasks/{id}/complete"),
    ),
    Scenario(
        "update",
        "PUT /api/tasks/{id} (JSON body)",
        each_task(db.USER_PREFIX, "PUT", "/api/tasks/{id}", UPDATE_BODY),
    ),
    Scenario(
        "delete",
        "DELETE /api/tasks/{id}, each id once",
        each_task(db.DELETE_PREFIX, "DELETE", "/api/tasks/{id}"),
        consumable=True,
        prepare=seed_delete_pool,
        replay=_delete_replay,
    ),
    Scenario(
        "session",
        "list, create, toggle, list, delete per connection",
        session_groups,
        sequential=True,
        cleanup=remove_session_leftovers,
    ),
    Scenario(
        "heavy-user",
        "GET /api/tasks of users with 20 tasks, while one user at the limit searches and lists",
        list_groups,
        prepare=lambda ctx: db.seed_heavy_user(ctx.conn),
        cleanup=lambda ctx: db.remove_heavy_user(ctx.conn),
        background=heavy_user_groups,
    ),
    Scenario(
        "list-1m",
        "GET /api/tasks, users with 20 tasks, 1M-row table",
        list_groups,
        ("ours", "floor"),
        prepare=fill_table,
    ),
]


def parity_cases(ctx: Context) -> dict[str, Request]:
    """Requests both servers must answer alike before their throughput is compared."""
    (_, own), (_, other) = db.task_ids(ctx.conn, db.USER_PREFIX)[:2]
    token = ctx.user_token(db.USER_PREFIX, 1)
    now = int(time.time())
    forged = jwt.encode(
        {"sub": db.user_id(db.USER_PREFIX, 1), "exp": now + 600}, "x" * 32, algorithm="HS256"
    )
    expired = jwt.encode(
        {"sub": db.user_id(db.USER_PREFIX, 1), "exp": now - 3600}, ctx.secret, algorithm="HS256"
    )
    return {
        "list": Request("GET", "/api/tasks", token),
        "list with slash": Request("GET", "/api/tasks/", token),
        "list of 2,000": Request("GET", "/api/tasks", ctx.token(db.BIG_USER)),
        "own task": Request("GET", f"/api/tasks/{own}", token),
        "another user's task": Request("GET", f"/api/tasks/{other}", token),
        "missing task": Request("GET", "/api/tasks/999999999", token),
        "non-canonical id": Request("GET", f"/api/tasks/0{own}", token),
        "no token": Request("GET", "/api/tasks", ""),
        "forged token": Request("GET", f"/api/tasks/{own}", forged),
        "expired token": Request("GET", "/api/tasks", expired),
    }
