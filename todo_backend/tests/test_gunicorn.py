"""The production start (``gunicorn todo_backend.wsgi`` with gunicorn.conf.py) serves the API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jwt
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SECRET = "gunicorn-test-secret-" + "g" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, *, method: str = "GET", token: str | None = None, body: dict | None = None):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def gunicorn_server(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "ENV_FILE": "",
        "DJANGO_SECRET_KEY": "k" * 50,
        "BETTER_AUTH_SECRET": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "todo_backend.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if call(f"{base}/api/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_serves_health_and_tasks_in_production_mode(gunicorn_server):
    assert call(f"{gunicorn_server}/api/health") == (200, {"status": "ok", "database": "ok"})
    token = jwt.encode({"sub": "prod-user", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    status, task = call(f"{gunicorn_server}/api/tasks", method="POST", token=token, body={"title": "served"})
    assert status == 201
    assert task["user_id"] == "prod-user"
    assert call(f"{gunicorn_server}/api/tasks", token=token) == (200, [task])
    assert call(f"{gunicorn_server}/api/tasks")[0] == 401
