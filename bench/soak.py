"""Soak test: the production server under a bounded mixed load, then a check that nothing leaked.

    .venv/bin/python bench/soak.py [--seconds 60] [--connections 16]

Starts gunicorn with gunicorn.conf.py and production settings on PostgreSQL (the bench database,
DATABASE_URL), drives a frontend-like mix with wrk for the given seconds (each user's session:
list, create, toggle, list, delete, over 1,000 users), then prints the requests, the answers by status,
and PostgreSQL's connections to the database before, at the peak, after the load (the workers'
persistent connections) and after the server stopped. Exits 1 on any 5xx, socket error or a
connection left behind. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import db, load, server  # noqa: E402
from bench.run import DEFAULT_REDIS_URL, bench_env, prepare_database  # noqa: E402
from bench.scenarios import SESSION_TITLE, Context, session_groups  # noqa: E402

CONNECTION_QUERY = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--database-url", default=db.DEFAULT_DATABASE_URL, help="PostgreSQL (default %(default)s)")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="rate-limit cache ('none': the database)")
    args = parser.parse_args(argv)
    # bench_env reads these of the benchmark's arguments.
    args.workers = args.threads = None
    return args


class ConnectionPeak:
    """Samples PostgreSQL's connection count while the load runs."""

    def __init__(self, url: str) -> None:
        self.url, self.peak, self._stop = url, 0, threading.Event()

    def __enter__(self) -> ConnectionPeak:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        with db.connect(self.url) as conn:
            while not self._stop.wait(0.5):
                self.peak = max(self.peak, db.scalar(conn, CONNECTION_QUERY))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = bench_env(args)
    prepare_database(args, env)
    wrk = load.ensure_wrk()
    workers = int(server.gunicorn_settings(server.server_env(env, 0))["workers"])
    with db.connect(args.database_url) as conn, tempfile.TemporaryDirectory(prefix="todo-soak-") as tmp:
        db.seed(conn)
        ctx = Context(conn, env["BETTER_AUTH_SECRET"], args.seconds)
        groups = session_groups(ctx)
        before = db.scalar(conn, CONNECTION_QUERY)
        with server.gunicorn("ours", env, Path(tmp), workers) as srv:
            spec = load.LoadSpec(srv.url, groups, args.connections, args.connections, args.seconds, 10)
            started = time.monotonic()
            with ConnectionPeak(args.database_url) as peak:
                stats = load.run_wrk(wrk, spec, Path(tmp))
            elapsed = time.monotonic() - started
            idle = db.scalar(conn, CONNECTION_QUERY)
        time.sleep(1)  # the server's connections close as its workers exit
        after = db.scalar(conn, CONNECTION_QUERY)
        db.delete_titled(conn, SESSION_TITLE)

    statuses = {int(code): count for code, count in stats["status"].items()}
    socket_errors = {kind: n for kind, n in stats["errors"].items() if kind != "status" and n}
    requests = sum(statuses.values())
    print(f"\n{requests:,} requests in {elapsed:.0f}s ({requests / elapsed:,.0f}/s), {args.connections} connections")
    print("answers by status: " + ", ".join(f"{code}: {n:,}" for code, n in sorted(statuses.items())))
    print(f"socket errors: {socket_errors or 'none'}")
    print(
        f"PostgreSQL connections: before {before}, peak {peak.peak} (workers: {workers}), "
        f"after the load {idle}, after the server stopped {after}"
    )
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    leaked = after > before
    if server_errors or socket_errors or leaked:
        print(f"FAILED: {server_errors} 5xx, socket errors {socket_errors or 'none'}, {after - before} connections left")
        return 1
    print("OK: no 5xx, no socket error, no connection left behind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
