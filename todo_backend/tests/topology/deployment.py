"""The production topology README recommends, started from its real pieces for the tests:

    clients -> nginx (deploy/nginx/todo-api.conf) -> 2 gunicorn instances x 3 sync workers
            -> PgBouncer (transaction mode, pool of 5) -> PostgreSQL;  rate limits in Redis

Migrations run on the direct URL, the instances on the pooled one, as README tells Neon users.
Each piece has its own port (chosen free at start), files and logs under a temporary directory,
and is stopped afterwards, also when a later one fails to start.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import psycopg

from todo_backend.tests.servers import SECRET, free_port, manage, running_gunicorn, server_database, server_env
from todo_backend.tests.topology.clients import Answer
from todo_backend.tests.topology.nginx import Nginx
from todo_backend.tests.topology.pgbouncer import PgBouncer

INSTANCES = 2
WORKERS_PER_INSTANCE = 3
POOL_SIZE = 5
# Database 11 of the shared Redis is the topology tests' own; fresh user ids and client addresses
# keep each run's counters apart from the last one's.
REDIS_URL = "redis://127.0.0.1:6379/11"
# Per day and per hour: a test's burst never straddles a window's end (in all but a few seconds
# of a day). Each test uses fresh users, none of them more than USER_LIMIT requests.
USER_LIMIT = 200
ANON_LIMIT = 10


def instance_env(root: Path, database_url: str, port: int) -> dict[str, str]:
    """The production settings of one instance behind nginx (README, Deploying)."""
    return server_env(
        root,
        PORT=str(port),
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        WEB_CONCURRENCY=str(WORKERS_PER_INSTANCE),
        NUM_PROXIES="1",
        TRUST_X_FORWARDED_PROTO="1",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        THROTTLE_RATE_USER=f"{USER_LIMIT}/day",
        THROTTLE_RATE_ANON=f"{ANON_LIMIT}/hour",
        # Where gunicorn would put its control socket (~/.gunicorn/), were it on.
        HOME=str(root / "home"),
    )


@dataclass
class Deployment:
    nginx: Nginx
    pgbouncer: PgBouncer
    instances: list[str]  # each instance's own base URL, for what must bypass nginx
    instance_roots: list[Path]
    direct_url: str  # the database, not through PgBouncer

    @property
    def base(self) -> str:
        """Where clients connect: nginx."""
        return self.nginx.base

    @property
    def total_workers(self) -> int:
        return INSTANCES * WORKERS_PER_INSTANCE

    @property
    def database(self) -> str:
        return urlsplit(self.direct_url).path.lstrip("/")

    def instance_of(self, answer: Answer) -> str:
        """The instance (``host:port``) that served this answer through nginx."""
        return self.nginx.upstream_of(answer.request_id)

    def server_connections(self) -> int:
        """The connections PostgreSQL has open to the test database, counted from outside it."""
        admin = self.direct_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            return connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.database]).fetchone()[0]

    def stored_tasks(self, user_id: str) -> list[tuple[int, str]]:
        """(id, title) of the user's live tasks, read directly from the database."""
        with psycopg.connect(self.direct_url) as connection:
            rows = connection.execute("SELECT id, title FROM tasks WHERE user_id = %s ORDER BY id", [user_id])
            return list(rows)

    def log_files(self) -> list[Path]:
        """Both instances' output and PgBouncer's log."""
        return [root / "gunicorn.log" for root in self.instance_roots] + [self.pgbouncer.log]

    def log_marks(self) -> dict[Path, int]:
        return {path: path.stat().st_size for path in self.log_files()}

    def logged_since(self, marks: dict[Path, int]) -> str:
        """What the instances and PgBouncer logged after ``log_marks()`` returned ``marks``."""
        texts = []
        for path, size in marks.items():
            with path.open("rb") as log:
                log.seek(size)
                texts.append(log.read().decode(errors="replace"))
        return "\n".join(texts)


@contextmanager
def deployment(root: Path) -> Iterator[Deployment]:
    with ExitStack() as stack:
        direct_url = stack.enter_context(server_database(root, prefix="topo"))
        manage(server_env(root, DATABASE_URL=direct_url), "migrate", "--noinput")
        parts = urlsplit(direct_url)
        pgbouncer = PgBouncer(parts.path.lstrip("/"), parts.username, (parts.hostname, parts.port or 5432), POOL_SIZE)
        stack.callback(pgbouncer.close)
        pgbouncer.start()
        instances, roots = [], []
        for number in range(INSTANCES):
            instance_root = root / f"instance-{number}"
            (instance_root / "home").mkdir(parents=True)
            env = instance_env(instance_root, pgbouncer.url, free_port())
            instances.append(stack.enter_context(running_gunicorn(env, instance_root / "gunicorn.log")))
            roots.append(instance_root)
        nginx = Nginx(root / "nginx", free_port(), [urlsplit(base).netloc for base in instances])
        stack.callback(nginx.stop)
        nginx.start()
        yield Deployment(nginx, pgbouncer, instances, roots, direct_url)


def token_for(user_id: str) -> str:
    return jwt.encode({"sub": user_id, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")


def fresh_user(label: str) -> str:
    """A user id no earlier run has used: its rate-limit counter in the shared Redis is new."""
    return f"{label}-{time.time_ns()}"
