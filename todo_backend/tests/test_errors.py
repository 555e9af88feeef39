"""Every error on /api/ is JSON ``{"detail", "error_code"}`` with the documented status and code."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory

from tasks.models import Task
from tasks.views import TaskViewSet
from todo_backend import exception_handler

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error_code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# --- 400 MALFORMED_REQUEST -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"title": "a",}',
        b'{"title": "a", "title": "b"}',
        b'{"title": NaN}',
        b'{"title": Infinity}',
        b'{"title": "caf\xe9"}',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"title": "a"} trailing',
    ],
    ids=["broken", "trailing-comma", "duplicate-key", "nan", "infinity", "latin-1", "bom-utf16", "deep", "trailing-data"],
)
def test_body_that_is_not_json_is_400_malformed_request(alice, raw):
    response = alice.post("/api/tasks", raw, content_type="application/json")
    assert_error(response, 400, "MALFORMED_REQUEST")
    assert not Task.objects.exists()


# --- 404 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nope", "/api/", "/api", "/api/tasks/1/nope", "/api/alice/tasks/1/x/y"])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_route_is_json_404(api_client, path, method):
    assert_error(getattr(api_client, method)(path), 404, "RESOURCE_NOT_FOUND")


def test_unknown_api_route_is_json_404_with_debug_on(api_client, settings):
    settings.DEBUG = True
    assert_error(api_client.get("/api/nope"), 404, "RESOURCE_NOT_FOUND")


# --- 405 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [("delete", "/api/tasks"), ("put", "/api/tasks"), ("patch", "/api/tasks/"), ("post", "/api/tasks/1")],
)
def test_method_not_allowed_is_405_with_allow_header(alice, method, path):
    response = getattr(alice, method)(path)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response["Allow"]


@pytest.mark.parametrize("path", ["/api/tasks", "/api/tasks/1", "/api/tasks/99999999999999999999", "/api/tasks/abc"])
def test_options_is_not_part_of_the_api(alice, path):
    response = alice.options(path)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")


# --- 413 -----------------------------------------------------------------------------------------


def test_body_over_one_mebibyte_is_413(alice):
    big = b'{"title": "' + b"x" * (1024 * 1024) + b'"}'
    response = alice.post("/api/tasks", big, content_type="application/json")
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert not Task.objects.exists()


def test_body_of_exactly_one_mebibyte_is_read(alice):
    padding = 1024 * 1024 - len(b'{"title": "x", "description": ""}')
    body = b'{"title": "x", "description": "' + b" " * padding + b'"}'
    assert len(body) == 1024 * 1024
    # Parsed, then refused by validation (description over 10,000 characters), not by size.
    assert_error(alice.post("/api/tasks", body, content_type="application/json"), 422, "VALIDATION_ERROR")


# --- 415 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_body_that_is_not_declared_json_is_415(alice, content_type):
    response = alice.post("/api/tasks", b'{"title": "x"}', content_type=content_type)
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert not Task.objects.exists()


def test_body_without_content_type_is_415(alice, make_task):
    task = make_task("alice", "Flag", completed=True)
    response = alice.generic("PATCH", f"/api/tasks/{task.id}/complete", b'{"completed": true}', content_type="")
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    task.refresh_from_db()
    assert task.completed is True


def test_json_with_charset_parameter_is_accepted(alice):
    response = alice.post("/api/tasks", b'{"title": "x"}', content_type="application/json; charset=utf-8")
    assert response.status_code == 201


# --- 422 -----------------------------------------------------------------------------------------


def test_validation_error_lists_messages_per_field(alice):
    body = assert_error(alice.post("/api/tasks", {"title": ""}, format="json"), 422, "VALIDATION_ERROR")
    assert body["errors"] == {"title": ["This field may not be blank."]}


# --- 500 -----------------------------------------------------------------------------------------


def test_unexpected_error_is_500_internal_error_without_internals(alice, monkeypatch, caplog):
    def explode(self, request, *args, **kwargs):
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(TaskViewSet, "list", explode)
    with caplog.at_level(logging.ERROR, logger="todo_backend.errors"):
        response = alice.get("/api/tasks")
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert set(body) == {"detail", "error_code", "request_id"}
    [record] = [r for r in caplog.records if r.name == "todo_backend.errors"]
    assert record.exc_info and "hunter2" in str(record.exc_info[1])


def test_500_body_carries_the_request_id_its_traceback_is_logged_under(alice, monkeypatch, caplog):
    monkeypatch.setattr(TaskViewSet, "list", lambda *a, **k: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="todo_backend.errors"):
        response = alice.get("/api/tasks", HTTP_X_REQUEST_ID="bug-report-1234")
    assert response.json()["request_id"] == "bug-report-1234"
    assert response["X-Request-ID"] == "bug-report-1234"
    [record] = [r for r in caplog.records if r.name == "todo_backend.errors"]
    assert record.request_id == "bug-report-1234"
    assert record.exc_info[0] is ZeroDivisionError


def test_unexpected_error_is_json_even_with_debug_on(alice, monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.setattr(TaskViewSet, "list", lambda *a, **k: 1 / 0)
    assert_error(alice.get("/api/tasks"), 500, "INTERNAL_ERROR")


def test_django_level_500_on_api_paths_is_json():
    response = exception_handler.handler500(RequestFactory().get("/api/tasks"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b"INTERNAL_ERROR" in response.content


def test_django_level_400_on_api_paths_is_json():
    response = exception_handler.handler400(RequestFactory().get("/api/tasks"))
    assert response.status_code == 400
    assert b"MALFORMED_REQUEST" in response.content


def test_disallowed_host_on_api_path_is_json_400(api_client):
    response = api_client.get("/api/tasks", HTTP_HOST="evil.example")
    assert_error(response, 400, "MALFORMED_REQUEST")


def test_non_api_paths_keep_djangos_own_404(api_client):
    response = api_client.get("/not-the-api")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- representation --------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/plain", "*/*", "nonsense"])
def test_api_answers_json_whatever_the_accept_header(alice, accept):
    response = alice.get("/api/tasks", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/api/tasks", "/api/tasks/", "/api/alice/tasks", "/api/alice/tasks/"])
def test_write_to_either_slash_form_is_served_without_redirect(alice, path):
    response = alice.post(path, {"title": "no redirect"}, format="json")
    assert response.status_code == 201
    assert response.json()["title"] == "no redirect"
