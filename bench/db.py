"""The benchmark database: created, migrated and seeded from scratch on every run.

Seeding runs inside PostgreSQL (``INSERT ... SELECT generate_series``), so 1,000,000 rows take
seconds, not minutes. Rows are inserted task-major (task 1 of every user, then task 2 of every
user, ...), the way many users adding tasks over time spread one user's rows over the table; a
user-major insert would put each user's tasks on one heap page and flatter every list.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg import conninfo, sql

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/todo_bench"

USERS = 1_000
TASKS_PER_USER = 20
BIG_USER_TASKS = 2_000
FULL_TABLE_ROWS = 1_000_000

# Each user set has its own prefix, so writes in one scenario never change what another one lists.
USER_PREFIX = "bench-user-"  # the 1,000 users with 20 tasks each
BIG_PREFIX = "bench-big-"  # the one user with 2,000 tasks
NEW_PREFIX = "bench-new-"  # the owners of the rows the create scenario adds
DELETE_PREFIX = "bench-del-"  # the owners of the rows the delete scenario consumes
FILL_PREFIX = "bench-fill-"  # the other users that bring the table to 1,000,000 rows
HEAVY_PREFIX = "bench-heavy-"  # one user at the task limit, with the longest descriptions
BIG_USER = BIG_PREFIX + "0001"
HEAVY_USER = HEAVY_PREFIX + "0001"
HEAVY_TASKS = 10_000  # MAX_TASKS_PER_USER's default
HEAVY_DESCRIPTION = "lorem ipsum dolor sit amet " * 370  # ~10,000 characters, the most allowed

DESCRIPTION = "Pick up the parcel at the post office before six, and bring the receipt back home."

# One statement for every seed: rows for users `prefix + 0001 ..`, task-major, the last one now.
# Timestamps end in non-zero microseconds, as real ones do, so the JSON has its usual length.
_INSERT_TASKS = """
INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at)
SELECT %(prefix)s || lpad(u::text, %(width)s, '0'),
       'Task ' || t || ' of user ' || u,
       CASE WHEN t %% 4 = 0 THEN NULL ELSE %(description)s END,
       t %% 3 = 0,
       ts, ts
FROM generate_series(1, %(per_user)s) AS t
CROSS JOIN generate_series(1, %(users)s) AS u
CROSS JOIN LATERAL (
    SELECT now() - (%(per_user)s * %(users)s - (t - 1) * %(users)s - u + 1)
                   * interval '1.000123 second' AS ts
) AS stamp
ORDER BY t, u
"""


def refuse_unsafe(url: str) -> None:
    """The run truncates the tasks table, so only a database with "bench" in its name will do:
    never the test suite's ``test`` / ``test_test`` or a real one."""
    name = database_name(url)
    if "bench" not in name:
        sys.exit(
            f"Refusing to use database {name!r}: the benchmark wipes it; use a name with 'bench'."
        )


def database_name(url: str) -> str:
    return str(conninfo.conninfo_to_dict(url).get("dbname", ""))


def ensure_database(url: str) -> None:
    """Create the database when it is missing (connecting to the server's ``postgres`` database)."""
    name = database_name(url)
    with psycopg.connect(conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(root: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=root,
        env=env,
        check=True,
    )


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def seed(conn: psycopg.Connection) -> None:
    """Empty the table, then 1,000 users x 20 tasks and one user with 2,000 tasks."""
    conn.execute("TRUNCATE tasks RESTART IDENTITY")
    insert_tasks(conn, USER_PREFIX, users=USERS, per_user=TASKS_PER_USER)
    insert_tasks(conn, BIG_PREFIX, users=1, per_user=BIG_USER_TASKS)
    vacuum(conn)


def insert_tasks(conn: psycopg.Connection, prefix: str, *, users: int, per_user: int) -> None:
    width = max(4, len(str(users)))
    params = {
        "prefix": prefix,
        "width": width,
        "users": users,
        "per_user": per_user,
        "description": DESCRIPTION,
    }
    conn.execute(_INSERT_TASKS, params)


def vacuum(conn: psycopg.Connection) -> None:
    """Fresh statistics and visibility map before each measurement, so autovacuum and stale
    plans do not land in the middle of one."""
    conn.execute("VACUUM (ANALYZE) tasks")


def row_count(conn: psycopg.Connection) -> int:
    return scalar(conn, "SELECT count(*) FROM tasks")


def scalar(conn: psycopg.Connection, statement: str) -> Any:
    row = conn.execute(statement).fetchone()
    assert row is not None, statement
    return row[0]


def user_id(prefix: str, number: int) -> str:
    return f"{prefix}{number:04d}"


def task_ids(conn: psycopg.Connection, prefix: str) -> list[tuple[str, int]]:
    """``(user_id, task_id)`` of every task of the users with ``prefix``, in insertion order
    (task-major), so consecutive entries belong to different users."""
    rows = conn.execute(
        "SELECT user_id, id FROM tasks WHERE user_id LIKE %s ORDER BY id", [prefix + "%"]
    ).fetchall()
    return [(user, task_id) for user, task_id in rows]


def reset_delete_pool(conn: psycopg.Connection, rows: int) -> None:
    """Exactly ``rows`` tasks over 1,000 ``bench-del-`` users, each to be deleted at most once."""
    conn.execute("DELETE FROM tasks WHERE user_id LIKE %s", [DELETE_PREFIX + "%"])
    per_user = -(-rows // USERS)
    insert_tasks(conn, DELETE_PREFIX, users=USERS, per_user=per_user)


def delete_titled(conn: psycopg.Connection, title: str) -> None:
    """Remove what a scenario left behind (a session cut off by the end of the run)."""
    conn.execute("DELETE FROM tasks WHERE title = %s", [title])


def fill_to(conn: psycopg.Connection, total: int) -> int:
    """Add 20-task ``bench-fill-`` users until the table holds ``total`` rows; returns how many."""
    missing = total - row_count(conn)
    if missing > 0:
        users = -(-missing // TASKS_PER_USER)
        insert_tasks(conn, FILL_PREFIX, users=users, per_user=TASKS_PER_USER)
        overshoot = row_count(conn) - total
        if overshoot > 0:
            conn.execute(
                "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks ORDER BY id DESC LIMIT %s)",
                [overshoot],
            )
        vacuum(conn)
    return max(missing, 0)


def seed_heavy_user(conn: psycopg.Connection) -> None:
    """The heavy user's 10,000 tasks, each with a 10,000-character description that ends in a word
    of its own (``ref-<n>``), so one search can find a single task among them."""
    conn.execute("DELETE FROM tasks WHERE user_id = %s", [HEAVY_USER])
    conn.execute(
        "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
        "SELECT %s, 'Heavy task ' || t, left(%s, 9980) || ' ref-' || t, false, now(), now() "
        "FROM generate_series(1, %s) AS t",
        [HEAVY_USER, HEAVY_DESCRIPTION, HEAVY_TASKS],
    )
    vacuum(conn)


def remove_heavy_user(conn: psycopg.Connection) -> None:
    conn.execute("DELETE FROM tasks WHERE user_id = %s", [HEAVY_USER])
    vacuum(conn)
