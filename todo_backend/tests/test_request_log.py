"""One structured log line per request, and a request id on every response."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest

from todo_backend.request_log import JSONFormatter, PlainFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db

LOGGER = "todo_backend.requests"


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == LOGGER]


def test_every_request_is_logged_once_with_its_fields(alice, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        response = alice.get("/api/tasks?status=all")
    [record] = request_records(caplog)
    assert record.fields["method"] == "GET"
    assert record.fields["path"] == "/api/tasks"
    assert record.fields["status"] == 200
    assert record.fields["user_id"] == "alice"
    assert isinstance(record.fields["duration_ms"], float)
    assert record.request_id == response["X-Request-ID"]
    assert "status=200" in record.getMessage() and "user_id=alice" in record.getMessage()


def test_unauthenticated_and_failed_requests_are_logged_too(api_client, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        api_client.get("/api/tasks")
        api_client.get("/api/nowhere")
    assert [(r.fields["status"], r.fields["user_id"]) for r in request_records(caplog)] == [(401, None), (404, None)]


def test_a_request_id_is_generated_when_none_is_sent(api_client):
    first = api_client.get("/api/health")["X-Request-ID"]
    second = api_client.get("/api/health")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_valid_client_request_id_is_kept(api_client):
    response = api_client.get("/api/health", HTTP_X_REQUEST_ID="frontend-7f3a:42")
    assert response["X-Request-ID"] == "frontend-7f3a:42"


@pytest.mark.parametrize(
    "given", ["", "x" * 129, "has space", "new\nline", "<script>", "ünïcode", "a;b"], ids=repr
)
def test_an_unsafe_client_request_id_is_replaced(api_client, given):
    response = api_client.get("/api/health", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_request_id_is_on_error_responses_and_non_api_pages(api_client):
    assert api_client.get("/api/tasks")["X-Request-ID"]
    assert api_client.get("/")["X-Request-ID"]


def test_json_formatter_writes_one_object_per_line_with_the_request_fields():
    record = logging.LogRecord(LOGGER, logging.INFO, __file__, 1, "method=GET", None, None)
    record.fields = {"method": "GET", "path": "/api/tasks", "status": 200, "duration_ms": 1.5, "user_id": "alice"}
    RequestIdFilter().filter(record)
    line = JSONFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["status"] == 200 and entry["user_id"] == "alice" and entry["path"] == "/api/tasks"
    assert entry["request_id"] == "-"
    assert entry["time"].endswith("Z")


def test_json_formatter_includes_the_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    entry = json.loads(JSONFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]


# --- lines a client cannot forge ----------------------------------------------------------------

CONTROLS = "\r\n\x1b[31m\x07\x7f\x85\u2028"
PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def formatted_request_lines(client, caplog, formatter: logging.Formatter, path: str) -> list[str]:
    with caplog.at_level(logging.INFO, logger=LOGGER):
        client.get(path)
    [record] = request_records(caplog)
    return formatter.format(record).split("\n")


def test_a_path_cannot_start_a_log_line_of_its_own(api_client, caplog):
    [line] = formatted_request_lines(api_client, caplog, PlainFormatter(PLAIN), "/api/tasks%0d%0a2026-01-01 INFO forged")
    assert "\\r\\n2026-01-01 INFO forged" in line


def test_no_control_character_a_client_sends_reaches_the_log(client_for, caplog):
    client = client_for("eve" + CONTROLS)  # a validly signed sub: its owner chose it
    for formatter in (PlainFormatter(PLAIN), JSONFormatter()):
        caplog.clear()
        [line] = formatted_request_lines(client, caplog, formatter, "/api/tasks/%1b%5b2J")
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", line), repr(line)
        assert "eve" in line


def test_a_traceback_keeps_its_lines_but_no_other_control_character():
    try:
        raise ValueError("bad \x1b[2J value\r")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed\nforged", None, sys.exc_info())
    RequestIdFilter().filter(record)
    first, *traceback = PlainFormatter(PLAIN).format(record).split("\n")
    assert first.endswith("failed\\nforged")
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1] == "ValueError: bad \\x1b[2J value\\r"


def test_djangos_own_500_line_carries_the_request_id(monkeypatch):
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    from better_auth.tests.helpers import encode_token
    from tasks.views import TaskViewSet
    from todo_backend.request_log import RequestIdScope

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.request_id)

    lines: list[str] = []
    handler = Lines()
    handler.addFilter(RequestIdFilter())
    logging.getLogger("django.request").addHandler(handler)
    monkeypatch.setattr(TaskViewSet, "list", broken)
    environ = RequestFactory().get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {encode_token('alice')}", HTTP_X_REQUEST_ID="req-500").environ
    try:
        response = RequestIdScope(WSGIHandler())(environ, lambda *args: None)
        response.close()
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert lines == ["req-500"]
