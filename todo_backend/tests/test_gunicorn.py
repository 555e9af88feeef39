"""The production start (``gunicorn todo_backend.wsgi`` with gunicorn.conf.py): what it serves, and
how it answers the requests it refuses itself."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request
from urllib.parse import urlsplit

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


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("refusing")) as base:
        yield urlsplit(base).port


def raw_answer(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):  # gunicorn closes the connection after these answers
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


HOST = b"Host: 127.0.0.1\r\n"


@pytest.mark.parametrize(
    "raw, status, code",
    [
        (b"GET /api/tasks HTTP/1.1\r\n" + HOST + b"X-Control: a\x01b\r\n\r\n", 400, "MALFORMED_REQUEST"),
        (b"GET /api/caf\xc3\xa9 HTTP/1.1\r\n" + HOST + b"\r\n", 400, "MALFORMED_REQUEST"),
        (b"GET /api/tasks?q=" + b"q" * 5000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "URI_TOO_LONG"),
        (b"GET /api/tasks HTTP/1.1\r\n" + HOST + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "HEADERS_TOO_LARGE"),
        (b"GET /api/tasks HTTP/1.1\r\n" + HOST + b"".join(b"X-H%d: h\r\n" % n for n in range(101)) + b"\r\n", 431, "HEADERS_TOO_LARGE"),
    ],
    ids=["control-character-in-a-header", "raw-non-ascii-in-the-url", "request-line-over-4094-bytes", "header-over-8190-bytes", "101-headers"],
)
def test_what_gunicorn_refuses_itself_is_answered_as_json(served, raw, status, code):
    answered, headers, body = raw_answer(served, raw)
    assert (answered, headers["content-type"]) == (status, "application/json")
    assert json.loads(body)["error_code"] == code
    assert int(headers["content-length"]) == len(body)
