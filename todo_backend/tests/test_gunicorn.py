"""The production start (``gunicorn todo_backend.wsgi`` with gunicorn.conf.py) serves everything."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import jwt
import pytest

from todo_backend.tests.servers import SECRET, call, gunicorn, manage, server_env

# Slow: real gunicorn servers.
pytestmark = pytest.mark.slow


def test_gunicorn_serves_health_and_tasks_in_production_mode(tmp_path):
    with gunicorn(tmp_path) as base:
        assert call(f"{base}/api/health") == (200, {"status": "ok", "database": "ok", "rate_limits": "ok"})
        token = jwt.encode({"sub": "prod-user", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
        status, task = call(f"{base}/api/tasks", method="POST", token=token, body={"title": "served"})
        assert status == 201
        assert task["user_id"] == "prod-user"
        assert call(f"{base}/api/tasks", token=token) == (200, [task])
        assert call(f"{base}/api/tasks")[0] == 401


def test_gunicorn_alone_serves_the_docs_and_their_collected_static_files(tmp_path):
    manage(server_env(tmp_path), "collectstatic", "--noinput")
    with gunicorn(tmp_path) as base:
        with urllib.request.urlopen(f"{base}/api/docs") as response:
            html = response.read().decode()
        bundle = re.search(r'src="(/static/[^"]*swagger-ui-bundle[^"]*\.js)"', html).group(1)
        assert re.search(r"\.[0-9a-f]{12}\.js$", bundle), "production serves hashed file names"
        with urllib.request.urlopen(f"{base}{bundle}") as response:
            assert response.status == 200
            assert "immutable" in response.headers["Cache-Control"]
            assert len(response.read()) > 100_000


def test_log_format_json_writes_one_json_object_per_request(tmp_path):
    with gunicorn(tmp_path, LOG_FORMAT="json") as base:
        call(f"{base}/api/tasks/", method="GET")
    entries = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines() if line.startswith("{")]
    [entry] = [e for e in entries if e.get("path") == "/api/tasks/"]
    assert entry["status"] == 401
    assert entry["method"] == "GET"
    assert entry["logger"] == "todo_backend.requests"
    assert len(entry["request_id"]) == 32
