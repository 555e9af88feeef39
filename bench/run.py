"""Load benchmark of the todo API under its production server; see bench/README.md.

    .venv/bin/python bench/run.py [--duration 10] [--connections 8] [--high-connections 32] ...

Creates, migrates and seeds the PostgreSQL database in DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/todo_bench; its name must contain "bench"), then runs each
scenario against a fresh gunicorn (ours, and the floor where it applies) driven by wrk, and
prints and saves the figures (bench/results/<UTC timestamp>.json).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import db, inprocess, load, report, server  # noqa: E402
from bench.cpu import CpuMeter  # noqa: E402
from bench.scenarios import SCENARIOS, Context, Scenario, list_groups, parity_cases  # noqa: E402

# Only these variables of the caller reach the servers: a DJANGO_DEBUG=1 or BETTER_AUTH_ISSUER
# left in a shell must not change what is measured.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
MAX_WARMUP_ROUNDS = 5
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def usable_redis(url: str) -> str | None:
    """``url`` when a Redis answers there, else None (the rate limiter then uses the database)."""
    if url == "none":
        return None
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
            return url
    except OSError:
        print(f"No Redis at {url}: rate-limit counters go to the database table.", flush=True)
        return None


def positive_int(text: str) -> int:
    """A whole number, at least 1 (wrk takes durations in whole seconds only)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number, at least 1")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add(
        "--duration",
        type=positive_int,
        default=10,
        help="seconds of measured load per run (default 10)",
    )
    add(
        "--warmup",
        type=positive_int,
        default=1,
        help="seconds per round of unmeasured load before each run; rounds repeat until the "
        "throughput settles (default 1)",
    )
    add(
        "--connections",
        type=positive_int,
        default=8,
        help="wrk connections for every scenario (default 8)",
    )
    add(
        "--high-connections",
        type=int,
        default=32,
        help="list and get also run at this many connections (default 32; 0 = not)",
    )
    add(
        "--workers",
        type=positive_int,
        help="WEB_CONCURRENCY (default: gunicorn.conf.py's, 2 x CPUs + 1)",
    )
    add("--threads", type=positive_int, help="GUNICORN_THREADS (default: gunicorn.conf.py's, 1)")
    add(
        "--pairs",
        type=positive_int,
        default=3,
        help="scenarios with a floor run ours and the floor alternately this many times; the "
        "ratio reported is the median of the pairs' ratios (default 3)",
    )
    add(
        "--wrk-threads",
        type=positive_int,
        default=2,
        help="wrk threads (default 2; sessions use one per connection)",
    )
    add(
        "--timeout",
        type=positive_int,
        default=10,
        help="wrk's per-request timeout in seconds (default 10)",
    )
    add("--only", help="comma-separated scenarios to run: " + ", ".join(s.name for s in SCENARIOS))
    add(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or db.DEFAULT_DATABASE_URL,
        help="PostgreSQL to use (default: $DATABASE_URL, else %(default)s)",
    )
    add(
        "--redis-url",
        default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        help="Redis for the rate-limit counters, as production is advised to run "
        "(default: $REDIS_URL, else %(default)s when it answers; 'none': the database table)",
    )
    args = parser.parse_args(argv)
    known = {s.name for s in SCENARIOS}
    args.only = args.only.split(",") if args.only else sorted(known)
    if unknown := set(args.only) - known:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    """Production settings (DJANGO_DEBUG unset) with fresh secrets, for migrate and both servers."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        BETTER_AUTH_SECRET=secrets.token_urlsafe(48),
        DATABASE_URL=args.database_url,
        ENV_FILE="",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # As deployed behind a TLS-terminating proxy (README, Deploying); replay.lua sends the
        # proxy's X-Forwarded-Proto: https, so SECURE_SSL_REDIRECT does not answer 301.
        TRUST_X_FORWARDED_PROTO="1",
    )
    # The rate limiter counts every request as in production; its limits are set out of reach so
    # that the load (the 2,000-task user alone sends thousands a minute) is measured, not refused.
    env.update(THROTTLE_RATE_USER="100000000/min", THROTTLE_RATE_ANON="100000000/min")
    if redis_url := usable_redis(args.redis_url):
        env["REDIS_URL"] = redis_url
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


@dataclass
class Runner:
    """Measures one scenario on one app at one connection count, on a fresh server each time:
    every run starts from the same state, and the workers' peak RSS belongs to that run alone."""

    args: argparse.Namespace
    ctx: Context
    env: dict[str, str]
    wrk: str
    workers: int
    workdir: Path

    def connection_counts(self, scenario: Scenario) -> list[int]:
        high = self.args.high_connections
        return [self.args.connections] + ([high] if scenario.high and high else [])

    def pairs(self, scenario: Scenario) -> int:
        """Throughput on a shared 2-core machine drifts by 10-20% from one minute to the next, so a
        ratio is measured on several adjacent ours/floor pairs and the median reported."""
        return self.args.pairs if "floor" in scenario.apps else 1

    def scenario(self, scenario: Scenario, apps: dict[str, inprocess.WSGIApp]) -> None:
        queries: dict[str, inprocess.QueryCount] = {}
        for connections in self.connection_counts(scenario):
            for pair, app in itertools.product(range(1, self.pairs(scenario) + 1), scenario.apps):
                if scenario.prepare:
                    scenario.prepare(self.ctx)
                groups = scenario.groups(self.ctx)
                if app not in queries:
                    setup, counted = scenario.counted(self.ctx, groups)
                    queries[app] = inprocess.count_queries(
                        apps, app, list_groups(self.ctx)[0], setup, counted
                    )
                record = self.measure(scenario, app, connections, groups)
                record.update(queries[app].as_dict(), pair=pair)
                self.ctx.results.append(record)
                _progress(record)
        if scenario.cleanup:
            scenario.cleanup(self.ctx)

    def measure(
        self, scenario: Scenario, app: str, connections: int, groups: list[load.Group]
    ) -> dict[str, Any]:
        threads = connections if scenario.sequential else min(self.args.wrk_threads, connections)
        db.vacuum(self.ctx.conn)
        with server.gunicorn(app, self.env, self.workdir, self.workers) as srv:
            warm = list_groups(self.ctx) if scenario.consumable else groups
            rounds = self.warm_up(srv, warm, connections, threads)
            rows = db.row_count(self.ctx.conn)
            sampler = server.RssSampler(srv)
            meter = CpuMeter(db.database_name(self.args.database_url))
            with sampler.running(), meter.measuring(), self.background(srv, scenario) as background:
                stats = self.drive(srv, groups, connections, threads, self.args.duration)
        extra = {"background": report.run_record(background[0])} if background else {}
        return report.run_record(
            stats,
            scenario=scenario.name,
            app=app,
            connections=connections,
            wrk_threads=threads,
            warmup_rounds=rounds,
            table_rows=rows,
            rss=sampler.summary(),
            other_cpu_percent=meter.other_cpu_percent,
            steal_percent=meter.steal_percent,
            **extra,
        )

    @contextlib.contextmanager
    def background(self, srv: server.Server, scenario: Scenario) -> Iterator[list[dict]]:
        """The scenario's background load on its own wrk, from a second before the measured
        load until a second after it; yields the list that gets its wrk result."""
        result: list[dict] = []
        if scenario.background is None:
            yield result
            return
        connections = scenario.background_connections
        spec = load.LoadSpec(
            srv.url, scenario.background(self.ctx), connections, connections, self.args.duration + 2, self.args.timeout
        )
        thread = threading.Thread(target=lambda: result.append(load.run_wrk(self.wrk, spec, self.workdir, "background")))
        thread.start()
        time.sleep(1)
        try:
            yield result
        finally:
            thread.join()

    def warm_up(
        self, srv: server.Server, groups: list[load.Group], connections: int, threads: int
    ) -> int:
        """Unmeasured load, in rounds of --warmup seconds until two rounds agree within 15% (at
        most 5): each worker's first request imports the URLconf and opens its connection, and
        a worker that has not served yet would make the measurement's first requests slow."""
        previous = 0.0
        for done in range(1, MAX_WARMUP_ROUNDS + 1):
            result = self.drive(srv, groups, connections, threads, self.args.warmup)
            rate = result["requests"] / result["duration_us"]
            if previous and abs(rate - previous) <= 0.15 * previous:
                return done
            previous = rate
        return MAX_WARMUP_ROUNDS

    def drive(
        self,
        srv: server.Server,
        groups: list[load.Group],
        connections: int,
        threads: int,
        seconds: int,
    ) -> dict:
        spec = load.LoadSpec(srv.url, groups, connections, threads, seconds, self.args.timeout)
        return load.run_wrk(self.wrk, spec, self.workdir)


def _progress(record: dict[str, Any]) -> None:
    print(
        f"  {record['scenario']:<10} {record['app']:<5} {record['connections']:>3} conns "
        f"{record['rps']:>8,.0f} req/s  p99 {record['latency_ms']['p99']:>7.1f} ms  "
        f"non-2xx {record['non_2xx']}",
        flush=True,
    )


def machine(conn: Any, wrk: str) -> dict[str, Any]:
    wrk_version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": db.scalar(conn, "SHOW server_version"),
        "wrk": wrk_version.split("[")[0].strip(),
        "git_commit": commit.stdout.strip() or None,
    }


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    name = db.database_name(args.database_url)
    print(f"Database {name}: creating if missing, migrating, seeding ...", flush=True)
    db.ensure_database(args.database_url)
    db.migrate(ROOT, env)


def run_scenarios(args: argparse.Namespace, env: dict[str, str], wrk: str) -> dict[str, Any]:
    """Seed, check the floor, run every selected scenario; returns what the results file holds."""
    gunicorn = server.gunicorn_settings(server.server_env(env, 0))
    with (
        db.connect(args.database_url) as conn,
        tempfile.TemporaryDirectory(prefix="todo-bench-") as tmp,
    ):
        db.seed(conn)
        ctx = Context(conn, env["BETTER_AUTH_SECRET"], args.duration)
        apps = inprocess.load_apps(env)
        inprocess.check_floor_parity(apps, parity_cases(ctx))
        print(
            f"gunicorn: {gunicorn['workers']} workers x {gunicorn['threads']} threads "
            f"({gunicorn['worker_class']}); {args.duration:g}s per run, "
            f"after warm-up rounds of {args.warmup:g}s",
            flush=True,
        )
        runner = Runner(args, ctx, env, wrk, int(gunicorn["workers"]), Path(tmp))
        for scenario in SCENARIOS:
            if scenario.name in args.only:
                runner.scenario(scenario, apps)
        about = machine(conn, wrk)
    return {
        "settings": {
            **{k: v for k, v in vars(args).items() if k != "database_url"},
            "database": db.database_name(args.database_url),
            "gunicorn": gunicorn,
        },
        "machine": about,
        "scenarios": {s.name: s.about for s in SCENARIOS if s.name in args.only},
        "runs": ctx.results,
        "ours_over_floor": report.ratios(ctx.results),
    }


def _terminate(signum: int, frame: Any) -> NoReturn:
    print("\nTerminated; stopping servers.", file=sys.stderr)
    raise SystemExit(128 + signum)  # unwinds through every `finally`, so all children are stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    started, clock = datetime.now(UTC), time.monotonic()
    wrk = load.ensure_wrk()
    db.refuse_unsafe(args.database_url)
    env = bench_env(args)
    prepare_database(args, env)
    results = run_scenarios(args, env, wrk)

    print()
    report.print_table(results["runs"])
    report.print_background(results["runs"])
    report.print_ratios(results["ours_over_floor"])
    elapsed = time.monotonic() - clock
    document = {
        "started_at": started.isoformat(),
        "elapsed_seconds": round(elapsed, 1),
        "command": [Path(sys.executable).name, *sys.argv],
        **results,
    }
    path = report.write_results(started, document)
    print(f"\nDone in {elapsed:.0f}s; results in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted; servers stopped.", file=sys.stderr)
        sys.exit(130)
