"""Real servers for tests that must cross a socket: gunicorn with our gunicorn.conf.py."""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SECRET = "server-test-better-auth-secret-" + "g" * 32


class QuietHTTPServer(ThreadingHTTPServer):
    """A test HTTP server (the stand-in JWKS, the browser tests' blank page) that says nothing
    when a client hangs up mid-answer: a JWKS fetch abandoned at its deadline, or a browser's
    speculative connection, is what the tests provoke, not an error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Production settings on a private SQLite file, as a deployment would set them."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "ENV_FILE": "",
        "DJANGO_SECRET_KEY": "server-test-secret-key-" + "k" * 40,
        "BETTER_AUTH_SECRET": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "SECURE_SSL_REDIRECT": "0",
        "GUNICORN_ACCESS_LOG": "",
        **overrides,
    }


@contextmanager
def server_database(tmp_path: Path, prefix: str = "todo_server") -> Iterator[str]:
    """A database for a server process, of the kind the test run uses: a fresh PostgreSQL
    database (``<prefix>_<random>``) on the same server when the suite runs on PostgreSQL, else
    an SQLite file."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_url = f"postgresql://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=120)


@contextmanager
def gunicorn(tmp_path: Path, **overrides: str) -> Iterator[str]:
    """Migrate, start ``gunicorn todo_backend.wsgi`` and yield its base URL; stop it afterwards."""
    env = server_env(tmp_path, PORT=str(free_port()), **overrides)
    manage(env, "migrate", "--noinput")
    with running_gunicorn(env, tmp_path / "gunicorn.log") as base:
        yield base


@contextmanager
def running_gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    """Start ``gunicorn todo_backend.wsgi`` with ``env`` (``PORT`` included) on a migrated
    database, its output in ``log``; yield its base URL once healthy, stop it afterwards."""
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "todo_backend.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        _wait_until_healthy(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_healthy(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
        time.sleep(0.2)


def call(
    url: str, *, method: str = "GET", token: str | None = None, body: dict | None = None, headers: dict[str, str] | None = None
) -> tuple[int, object]:
    """A JSON request; returns (status, decoded body)."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


class Browser:
    """Just enough of a browser: cookies, forms with the CSRF token, redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, path: str, data: dict | None = None, accept: str = "text/html") -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept": accept})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.geturl(), error.read().decode()

    @property
    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def post_form(self, path: str, fields: dict) -> tuple[int, str, str]:
        return self.open(path, {"csrfmiddlewaretoken": self.csrf_token, **fields})

    def login_by_minting(self, user_id: str) -> tuple[int, str, str]:
        self.open("/api-auth/login/?next=/api/tasks")
        return self.post_form("/api-auth/login/", {"mint": "", "user_id": user_id, "next": "/api/tasks"})


class SilentRedis:
    """A "Redis" that takes connections (the kernel completes the handshake) and never replies;
    it counts the bytes clients send it, so a test can tell whether it was asked at all."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.received = 0
        self._clients: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self._clients.append(client)
            threading.Thread(target=self._drain, args=(client,), daemon=True).start()

    def _drain(self, client: socket.socket) -> None:
        while chunk := client.recv(4096):
            self.received += len(chunk)

    def close(self) -> None:
        self.server.close()
        for client in self._clients:
            client.close()


class DroppingProxy:
    """A TCP proxy to PostgreSQL. Once told ``drop_after(marker)``, it forwards the next client
    message holding ``marker`` to the server, lets the server run it, and then closes both
    connections without passing the answer on: the statement ran, and the app never heard. As a
    restarted pooler or a suspended Neon compute does it."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.dropped = False
        self._marker: bytes | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_after(self, marker: bytes) -> None:
        self._marker = marker

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            muted = threading.Event()
            threading.Thread(target=self._forward_requests, args=(client, upstream, muted), daemon=True).start()
            threading.Thread(target=self._forward_answers, args=(upstream, client, muted), daemon=True).start()

    def _forward_requests(self, client: socket.socket, upstream: socket.socket, muted: threading.Event) -> None:
        try:
            while data := client.recv(65536):
                if self._marker is not None and self._marker in data:
                    self._marker = None
                    muted.set()
                    upstream.sendall(data)
                    time.sleep(0.5)  # the server runs (and commits) it
                    self.dropped = True
                    break
                upstream.sendall(data)
        except OSError:
            pass
        for sock in (client, upstream):
            sock.close()

    @staticmethod
    def _forward_answers(upstream: socket.socket, client: socket.socket, muted: threading.Event) -> None:
        try:
            while data := upstream.recv(65536):
                if not muted.is_set():
                    client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()
