"""A private PgBouncer in transaction mode, as Neon's pooled endpoint runs it, in front of one
database of the test run's PostgreSQL server.

It has its own port, configuration, pid file and log in a temporary directory. As root it runs as
the ``postgres`` user (PgBouncer refuses to run as root), so that directory is theirs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from todo_backend.tests.servers import free_port

PGBOUNCER_BINARY = "/usr/sbin/pgbouncer"


def pgbouncer_binary() -> str | None:
    return PGBOUNCER_BINARY if os.access(PGBOUNCER_BINARY, os.X_OK) else shutil.which("pgbouncer")


class PgBouncer:
    """``pool_size`` server connections at most, for any number of clients."""

    def __init__(self, database: str, user: str, server: tuple[str, int], pool_size: int) -> None:
        self.database, self.user, self.pool_size = database, user, pool_size
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="topo-pgbouncer-"))
        self.log = self.root / "pgbouncer.log"
        run_as = "postgres" if os.geteuid() == 0 else ""
        (self.root / "userlist.txt").write_text(f'"{user}" ""\n')
        self.config = self.root / "pgbouncer.ini"
        self.config.write_text(
            "[databases]\n"
            f"{database} = host={server[0]} port={server[1]} dbname={database}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "reserve_pool_size = 0\n"
            "max_client_conn = 200\n"
            f"logfile = {self.log}\n"
            f"pidfile = {self.root / 'pgbouncer.pid'}\n"
            + (f"user = {run_as}\n" if run_as else "")
        )
        if run_as:
            for path in (self.root, *self.root.iterdir()):
                shutil.chown(path, run_as)
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [pgbouncer_binary() or PGBOUNCER_BINARY, str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"PgBouncer did not start:\n{self.log.read_text() if self.log.exists() else ''}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Immediate shutdown (SIGTERM, as a service manager's stop or restart sends it):
        every client and server connection is cut."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
