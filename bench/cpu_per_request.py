"""CPU time per request, in this process, through the very WSGI callables gunicorn serves.

    .venv/bin/python -m bench.cpu_per_request [--requests N] [--rounds N] [--only list,get]

Where the load benchmark (``bench/run.py``) says how many requests a server answers, this says
what one request costs the worker: ``time.process_time()`` around a batch of requests, divided
by the batch, with the same production settings, the same bench database (seeded as run.py
seeds it), and Redis for the rate-limit counters when one answers. Requests rotate over the
1,000 seeded users, as under wrk. Our app and the floor run in alternating rounds, so a machine
that slows down mid-run slows both; the figures are the medians of the rounds.

The cost of a piece of code is measured by running this twice, once with and once without it
(``git stash``, or a branch), and comparing the medians and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench import db, inprocess, run
from bench.load import Request
from bench.scenarios import Context

SCENARIOS: dict[str, Callable[[Context, list[tuple[str, int]]], list[Request]]] = {
    "list": lambda ctx, tasks: [
        Request("GET", "/api/tasks", ctx.user_token(db.USER_PREFIX, number)) for number in range(1, db.USERS + 1)
    ],
    "get": lambda ctx, tasks: [Request("GET", f"/api/tasks/{task_id}", ctx.token(user)) for user, task_id in tasks],
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=run.positive_int, default=2000, help="requests per round (%(default)s)")
    parser.add_argument("--rounds", type=run.positive_int, default=7, help="rounds per app (%(default)s)")
    parser.add_argument("--only", default="list,get", help="scenarios: %(default)s")
    parser.add_argument("--database-url", default=db.DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=run.DEFAULT_REDIS_URL, help="'none': the database table")
    return parser.parse_args(argv)


def cpu_per_request(app: inprocess.WSGIApp, requests: list[Request], count: int) -> float:
    """Microseconds of this process's CPU per request, over ``count`` requests."""
    started = time.process_time()
    for index in range(count):
        answer = inprocess.call(app, requests[index % len(requests)])
        if answer.status != 200:
            raise RuntimeError(f"{requests[index % len(requests)]} answered {answer.status}: {answer.body[:200]!r}")
    return (time.process_time() - started) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    db.refuse_unsafe(args.database_url)
    env = run.bench_env(argparse.Namespace(**vars(args), workers=None, threads=None))
    run.prepare_database(args, env)
    with db.connect(args.database_url) as conn:
        db.seed(conn)
        ctx = Context(conn, env["BETTER_AUTH_SECRET"], duration=0)
        tasks = db.task_ids(conn, db.USER_PREFIX)
        apps = inprocess.load_apps(env)
        print(f"rate limits counted in {'Redis' if 'REDIS_URL' in env else 'the database table'}")
        for name in args.only.split(","):
            requests = SCENARIOS[name](ctx, tasks)
            for app in apps.values():  # warm up: connections, compiled reads, caches
                cpu_per_request(app, requests, min(200, args.requests))
            figures: dict[str, list[float]] = {app: [] for app in apps}
            for _ in range(args.rounds):
                for app_name, app in apps.items():
                    figures[app_name].append(cpu_per_request(app, requests, args.requests))
            ours, floor = (statistics.median(figures[app]) for app in ("ours", "floor"))
            spread = ", ".join(f"{value:.0f}" for value in figures["ours"])
            print(f"{name:5}  ours {ours:7.0f} us   floor {floor:6.0f} us   ours/floor {ours / floor:5.2f}   (ours: {spread})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
