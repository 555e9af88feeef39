"""Behind nginx, every error is the API's JSON, never an HTML page: the ones nginx answers itself,
the ones gunicorn answers for what nginx passes on, and nginx's answers when no instance does."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from todo_backend.exceptions import ErrorCode
from todo_backend.tests.servers import free_port
from todo_backend.tests.topology.clients import RawAnswer, exchange, fetch
from todo_backend.tests.topology.deployment import fresh_user, token_for
from todo_backend.tests.topology.nginx import Nginx

HOST = b"Host: 127.0.0.1\r\n"
ONE_MIB = 1024 * 1024


def assert_json_error(raw: bytes, status: int, code: str) -> RawAnswer:
    answer = RawAnswer.parse(raw)
    assert answer.status == status, raw[:300]
    assert answer.headers["content-type"] == "application/json", raw[:300]
    body = answer.json()
    assert body["error_code"] == code and code in set(ErrorCode)
    assert isinstance(body["detail"], str) and body["detail"]
    return answer


@pytest.mark.parametrize(
    "raw, status, code",
    [
        (b"GET /api/tasks HTTP/1.1\r\n\r\n", 400, "MALFORMED_REQUEST"),
        (b"GET /api/tasks HTTP/1.1 and more\r\n" + HOST + b"\r\n", 400, "MALFORMED_REQUEST"),
        (b"TRACE /api/tasks HTTP/1.1\r\n" + HOST + b"\r\n", 405, "METHOD_NOT_ALLOWED"),
        (b"POST /api/tasks HTTP/1.1\r\n" + HOST + b"Content-Length: %d\r\n\r\n" % (ONE_MIB + 1), 413, "PAYLOAD_TOO_LARGE"),
        (b"GET /api/tasks?q=" + b"q" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "URI_TOO_LONG"),
        (b"GET /api/tasks HTTP/1.1\r\n" + HOST + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "HEADERS_TOO_LARGE"),
        (b"POST /api/tasks HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n", 501, "MALFORMED_REQUEST"),
        (b"GET /_nginx_errors/400.json HTTP/1.1\r\n" + HOST + b"\r\n", 404, "RESOURCE_NOT_FOUND"),
    ],
    ids=["no-host", "broken-request-line", "trace", "body-over-1-mib", "url-over-8-kib", "header-over-8-kib", "unknown-transfer-coding", "error-page-itself"],
)
def test_errors_nginx_answers_itself_are_json(deployed, raw, status, code):
    answer = assert_json_error(exchange(deployed.nginx.port, raw), status, code)
    # Without the app's CORS headers a browser would hide the status from the page.
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["server"] == "nginx", "no version"


@pytest.mark.parametrize(
    "raw, status, code",
    [
        (b"GET /api/tasks HTTP/1.1\r\n" + HOST + b"X-Control: a\x01b\r\n\r\n", 400, "MALFORMED_REQUEST"),
        (b"GET /api/caf\xc3\xa9 HTTP/1.1\r\n" + HOST + b"\r\n", 400, "MALFORMED_REQUEST"),
        (b"GET /api/tasks HTTP/1.1\r\n" + HOST + b"".join(b"X-H%d: h\r\n" % n for n in range(101)) + b"\r\n", 431, "HEADERS_TOO_LARGE"),
    ],
    ids=["control-character-in-a-header", "raw-non-ascii-in-the-url", "101-headers"],
)
def test_what_nginx_passes_and_gunicorn_refuses_is_json_too(deployed, raw, status, code):
    assert_json_error(exchange(deployed.nginx.port, raw), status, code)


def test_a_body_of_exactly_the_limit_reaches_the_app(deployed):
    # The app's own answer (the description is far over its 10,000 characters), not nginx's 413.
    padding = ONE_MIB - len('{"title": "x", "description": ""}')
    body = b'{"title": "x", "description": "' + b"d" * padding + b'"}'
    assert len(body) == ONE_MIB
    token = token_for(fresh_user("big-body"))
    raw = (
        b"POST /api/tasks HTTP/1.1\r\n" + HOST + b"Authorization: Bearer " + token.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body
    answer = assert_json_error(exchange(deployed.nginx.port, raw), 422, "VALIDATION_ERROR")
    assert "description" in answer.json()["errors"]


class SilentServer:
    """Accepts connections and reads what comes, never answering: an instance that hangs."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self._clients: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self._clients.append(client)

    def close(self) -> None:
        self.server.close()
        for client in self._clients:
            client.close()


@pytest.fixture
def proxy_of(nginx_installed, tmp_path) -> Iterator:
    """Start another nginx with the shipped site in front of the given upstreams."""
    started: list[Nginx] = []

    def start(upstreams: list[str], **site_options: str) -> Nginx:
        nginx = Nginx(tmp_path / f"nginx-{len(started)}", free_port(), upstreams, **site_options)
        started.append(nginx)
        nginx.start()
        return nginx

    yield start
    for nginx in started:
        nginx.stop()


def test_no_instance_up_is_a_json_502_with_retry_after(proxy_of):
    nginx = proxy_of([f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"])  # nothing listens there
    answer = fetch(f"{nginx.base}/api/tasks", method="POST", body={"title": "lost"})
    assert (answer.status, answer.headers["Content-Type"]) == (502, "application/json")
    assert answer.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert "may have been applied" in answer.json()["detail"]
    assert answer.headers["Retry-After"] == "5"


def test_no_instance_answering_in_time_is_a_json_504_with_retry_after(proxy_of):
    hung = SilentServer()
    try:
        # The shipped 35 s would make a slow test; the rule is the same.
        nginx = proxy_of([hung.address], proxy_read_timeout="1s")
        answer = fetch(f"{nginx.base}/api/tasks", timeout=10)
    finally:
        hung.close()
    assert (answer.status, answer.headers["Content-Type"]) == (504, "application/json")
    assert answer.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert answer.headers["Retry-After"] == "5"
