"""The servers under test: gunicorn serving ours or the floor, and their workers' peak memory.

Every child runs in its own process group and is stopped through it, whatever happens: the end of
a scenario, an error, Ctrl-C or SIGTERM (``run.py`` turns SIGTERM into an exception).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procfs

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
APPS = {"ours": "todo_backend.wsgi:application", "floor": "bench.floor.app:application"}
STARTUP_SECONDS = 60


@contextmanager
def process_group(cmd: list[str], **popen: object) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` as the leader of a new process group, and end the whole group on exit."""
    proc = subprocess.Popen(cmd, start_new_session=True, **popen)  # type: ignore[call-overload]
    try:
        yield proc
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM (gunicorn's graceful stop), SIGKILL after ``grace`` seconds; then sweep the group
    so no worker outlives a master that died first."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        _signal_group(proc.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
    _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    app: str
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return procfs.children(self.proc.pid)


def server_env(base: dict[str, str], port: int) -> dict[str, str]:
    return {**base, "HOST": "127.0.0.1", "PORT": str(port), "GUNICORN_ACCESS_LOG": ""}


def gunicorn_settings(env: dict[str, str]) -> dict[str, Any]:
    """workers / threads / worker_class as gunicorn.conf.py computes them from ``env``."""
    names = ("workers", "threads", "worker_class")
    code = (
        f"import json, runpy; g = runpy.run_path({str(GUNICORN_CONF)!r}); "
        f"print(json.dumps({{k: g[k] for k in {names!r}}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return json.loads(out.stdout)


@contextmanager
def gunicorn(app: str, env: dict[str, str], logdir: Path, workers: int) -> Iterator[Server]:
    """Serve ``app`` ("ours" or "floor") with the project's gunicorn.conf.py during the block."""
    port = free_port()
    log = logdir / f"gunicorn-{app}.log"
    # gunicorn 27 opens a control socket at one fixed path per user; two servers would share it.
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        f"--config={GUNICORN_CONF}",
        "--no-control-socket",
        APPS[app],
    ]
    with (
        open(log, "ab") as out,
        process_group(
            cmd, cwd=ROOT, env=server_env(env, port), stdout=out, stderr=subprocess.STDOUT
        ) as proc,
    ):
        server = Server(app, port, proc, log)
        wait_until_ready(server, workers)
        yield server


def wait_until_ready(server: Server, workers: int) -> None:
    """Until /api/health answers 200 and every worker has booted."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.app} server exited at start-up:\n{tail(server.log)}")
        if len(server.workers()) >= workers and health_ok(server.url):
            return
        time.sleep(0.2)
    raise RuntimeError(
        f"{server.app} server not ready after {STARTUP_SECONDS}s:\n{tail(server.log)}"
    )


def health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class RssSampler:
    """Polls VmHWM of every worker while load runs: a worker recycled by max_requests takes its
    figure with it, so reading once at the end would miss it."""

    server: Server
    interval: float = 0.5
    peaks: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        for pid in self.server.workers():
            kib = procfs.peak_rss_kib(pid)
            if kib is not None:
                self.peaks[pid] = max(kib, self.peaks.get(pid, 0))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    @contextmanager
    def running(self) -> Iterator[RssSampler]:
        self.sample()
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.sample()

    def summary(self) -> dict[str, float]:
        values = [kib / 1024 for kib in self.peaks.values()]
        return {
            "max_mib": round(max(values), 1) if values else 0.0,
            "mean_mib": round(sum(values) / len(values), 1) if values else 0.0,
            "workers_seen": len(values),
        }
