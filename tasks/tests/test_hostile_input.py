"""A corpus of hostile requests: each gets a 4xx JSON answer with the right code, and the
database is exactly as it was."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from better_auth.tests.helpers import sign_raw
from tasks.models import IdempotencyKey, Task

pytestmark = pytest.mark.django_db

JSON = "application/json"


@dataclass(frozen=True)
class Hostile:
    method: str
    path: str
    status: int
    code: str
    body: bytes | None = None
    content_type: str = JSON
    headers: dict[str, Any] = field(default_factory=dict)


def nested(depth: int) -> bytes:
    return b'{"title": ' + b"[" * depth + b"]" * depth + b"}"


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def signed_payload(claims: str) -> dict[str, str]:
    """A token signed with the real secret, whose payload holds ``claims`` as written."""
    return bearer(sign_raw('{"alg":"HS256","typ":"JWT"}', f'{{"exp":{int(time.time()) + 600},{claims}}}'))


DEPTH = 2_500  # past Python's recursion limit, within every length limit


CORPUS = {
    # size
    "body-over-1-mib": Hostile("POST", "/api/tasks", 413, "PAYLOAD_TOO_LARGE", b'{"title": "' + b"x" * (1024 * 1024 + 1) + b'"}'),
    "content-length-beyond-any-size": Hostile("POST", "/api/tasks", 413, "PAYLOAD_TOO_LARGE", b'{"title": "x"}', headers={"CONTENT_LENGTH": str(10**20)}),
    "megabyte-authorization-header": Hostile("GET", "/api/tasks", 401, "INVALID_TOKEN", headers={"HTTP_AUTHORIZATION": "Bearer " + "a" * 1_000_000}),
    "ten-thousand-character-search": Hostile("GET", "/api/tasks?search=" + "x" * 10_000, 422, "VALIDATION_ERROR"),
    "ten-thousand-character-path": Hostile("GET", "/api/tasks/" + "9" * 10_000, 404, "RESOURCE_NOT_FOUND"),
    "too-many-query-parameters": Hostile("GET", "/api/tasks?" + "&".join(f"p{i}=1" for i in range(2000)), 400, "MALFORMED_REQUEST"),
    # JSON shape
    "deep-nesting": Hostile("POST", "/api/tasks", 400, "MALFORMED_REQUEST", nested(100_000)),
    "moderate-nesting": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", nested(500)),
    "duplicate-keys": Hostile("POST", "/api/tasks", 400, "MALFORMED_REQUEST", b'{"title": "a", "title": "b"}'),
    "array-instead-of-object": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b'[{"title": "a"}]'),
    "array-as-title": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b'{"title": ["a"]}'),
    "object-as-completed": Hostile("PATCH", "/api/tasks/{id}/complete", 422, "VALIDATION_ERROR", b'{"completed": {"$ne": null}}'),
    "null-body": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b"null"),
    "truncated-json": Hostile("POST", "/api/tasks", 400, "MALFORMED_REQUEST", b'{"title": "a'),
    "nan": Hostile("PUT", "/api/tasks/{id}", 400, "MALFORMED_REQUEST", b'{"title": "a", "completed": NaN}'),
    # numbers
    "huge-integer-as-title": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b'{"title": 123456789012345678901234567890}'),
    "huge-float-as-completed": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b'{"title": "a", "completed": 1e999}'),
    "id-beyond-bigint": Hostile("GET", "/api/tasks/99999999999999999999", 404, "RESOURCE_NOT_FOUND"),
    "negative-id": Hostile("DELETE", "/api/tasks/-1", 404, "RESOURCE_NOT_FOUND"),
    "zero-id": Hostile("PATCH", "/api/tasks/0/complete", 404, "RESOURCE_NOT_FOUND"),
    "exponent-id": Hostile("PUT", "/api/tasks/1e3", 404, "RESOURCE_NOT_FOUND", b'{"title": "a"}'),
    # bytes
    "non-utf8-body": Hostile("POST", "/api/tasks", 400, "MALFORMED_REQUEST", b'{"title": "\xff\xfe"}'),
    "utf16-body": Hostile("POST", "/api/tasks", 400, "MALFORMED_REQUEST", '{"title": "a"}'.encode("utf-16")),
    "nul-in-title": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b'{"title": "a\\u0000b"}'),
    "nul-in-description": Hostile("PATCH", "/api/tasks/{id}", 422, "VALIDATION_ERROR", b'{"description": "\\u0000"}'),
    "lone-surrogate": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b'{"title": "\\udc00"}'),
    "nul-in-query": Hostile("GET", "/api/tasks?search=a%00b", 422, "VALIDATION_ERROR"),
    "nul-in-path-user": Hostile("GET", "/api/alice%00/tasks", 403, "FORBIDDEN"),
    "nul-in-task-id": Hostile("GET", "/api/tasks/1%00", 404, "RESOURCE_NOT_FOUND"),
    "control-characters-in-token": Hostile("GET", "/api/tasks", 401, "INVALID_TOKEN", headers={"HTTP_AUTHORIZATION": "Bearer \x01\x02.\x03.\x04"}),
    # content types and framing
    "form-encoded": Hostile("POST", "/api/tasks", 415, "UNSUPPORTED_MEDIA_TYPE", b"title=a", "application/x-www-form-urlencoded"),
    "multipart": Hostile("POST", "/api/tasks", 415, "UNSUPPORTED_MEDIA_TYPE", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    "text-plain-json": Hostile("POST", "/api/tasks", 415, "UNSUPPORTED_MEDIA_TYPE", b'{"title": "a"}', "text/plain;charset=UTF-8"),
    "json-lookalike-type": Hostile("POST", "/api/tasks", 415, "UNSUPPORTED_MEDIA_TYPE", b'{"title": "a"}', "application/json-patch+json"),
    "no-content-type": Hostile("PATCH", "/api/tasks/{id}/complete", 415, "UNSUPPORTED_MEDIA_TYPE", b'{"completed": false}', ""),
    "chunked-without-length": Hostile(
        "POST", "/api/tasks", 411, "LENGTH_REQUIRED", b'{"title": "smuggled"}',
        headers={"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""},
    ),
    "chunked-toggle-that-would-read-as-empty": Hostile(
        "PATCH", "/api/tasks/{id}/complete", 411, "LENGTH_REQUIRED", b'{"completed": false}',
        headers={"HTTP_TRANSFER_ENCODING": "gzip, chunked", "CONTENT_LENGTH": ""},
    ),
    "garbage-content-length": Hostile("POST", "/api/tasks", 400, "MALFORMED_REQUEST", b'{"title": "a"}', headers={"CONTENT_LENGTH": "abc"}),
    "wildcard-content-type": Hostile("POST", "/api/tasks", 415, "UNSUPPORTED_MEDIA_TYPE", b'{"title": "a"}', "*/*"),
    "application-wildcard-content-type": Hostile("PATCH", "/api/tasks/{id}", 415, "UNSUPPORTED_MEDIA_TYPE", b'{"title": "a"}', "application/*"),
    # hostile bytes wherever client input is decoded
    "lone-surrogate-in-an-ignored-field-with-a-key": Hostile(
        "POST", "/api/tasks", 422, "VALIDATION_ERROR", b'{"title": "a", "note": "\\udc00"}', headers={"HTTP_IDEMPOTENCY_KEY": "k-1"}
    ),
    "lone-surrogate-in-a-key": Hostile("POST", "/api/tasks", 422, "VALIDATION_ERROR", b'{"title": "a", "\\ud800x": 1}'),
    "lone-surrogate-deep-in-a-value": Hostile("PUT", "/api/tasks/{id}", 422, "VALIDATION_ERROR", b'{"title": "a", "x": [{"y": "\\udbff"}]}'),
    "nested-token-header": Hostile("GET", "/api/tasks", 401, "INVALID_TOKEN", headers=bearer(b64("[" * DEPTH + "]" * DEPTH) + ".e30.c2ln")),
    "nested-signed-payload": Hostile("GET", "/api/tasks", 401, "INVALID_TOKEN", headers=signed_payload('"sub":"alice","x":' + "[" * DEPTH + "]" * DEPTH)),
    "lone-surrogate-signed-sub": Hostile("POST", "/api/tasks", 401, "INVALID_TOKEN", b'{"title": "a"}', headers=signed_payload('"sub":"\\udc00"')),
    "nested-cursor": Hostile("GET", "/api/tasks?limit=1&cursor=" + b64("[" * DEPTH + "]" * DEPTH), 422, "VALIDATION_ERROR"),
    "lone-surrogate-cursor": Hostile("GET", "/api/tasks?ordering=title&limit=1&cursor=" + b64('["title","\\udc00",1]'), 422, "VALIDATION_ERROR"),
    "oversized-cursor": Hostile("GET", "/api/tasks?limit=1&cursor=" + "A" * 20_000, 422, "VALIDATION_ERROR"),
    "huge-number-cursor": Hostile("GET", "/api/tasks?ordering=id&limit=1&cursor=" + b64('["id",1,1' + "0" * 5000 + "]"), 422, "VALIDATION_ERROR"),
    "sync-token-of-binary": Hostile("GET", "/api/tasks?updated_since=st1_" + base64.urlsafe_b64encode(b"\xff\xfe").decode(), 422, "VALIDATION_ERROR"),
    "sync-token-of-a-lone-surrogate-escape": Hostile("GET", "/api/tasks/deleted?since=st1_" + b64("\\udc00"), 422, "VALIDATION_ERROR"),
    "if-match-of-thousands-of-tags": Hostile("DELETE", "/api/tasks/{id}", 412, "PRECONDITION_FAILED", headers={"HTTP_IF_MATCH": ", ".join(['"1.1"'] * 5000)}),
    "negative-content-length": Hostile("POST", "/api/tasks", 400, "MALFORMED_REQUEST", b'{"title": "a"}', headers={"CONTENT_LENGTH": "-5"}),
    # routing and ownership
    "unknown-method": Hostile("PURGE", "/api/tasks", 405, "METHOD_NOT_ALLOWED"),
    "path-traversal": Hostile("GET", "/api/tasks/../../etc/passwd", 404, "RESOURCE_NOT_FOUND"),
    "bad-percent-encoding": Hostile("GET", "/api/tasks/%ZZ", 404, "RESOURCE_NOT_FOUND"),
    "another-users-path": Hostile("POST", "/api/bob/tasks", 403, "FORBIDDEN", b'{"title": "a"}'),
    "ownership-in-body": Hostile("PUT", "/api/tasks/{id}", 422, "VALIDATION_ERROR", b'{"user_id": "bob", "id": 1}'),
    "disallowed-host": Hostile("GET", "/api/tasks", 400, "MALFORMED_REQUEST", headers={"HTTP_HOST": "evil.example"}),
}


def snapshot() -> list[tuple]:
    tasks = Task.objects.order_by("id").values_list("id", "user_id", "title", "description", "completed", "updated_at")
    return [*tasks, *IdempotencyKey.objects.values_list("user_id", "key")]


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_request_gets_a_json_4xx_and_changes_nothing(client_for, make_task, name):
    case = CORPUS[name]
    task = make_task("alice", "untouched", description="as it was")
    make_task("bob", "bob's")
    before = snapshot()

    client = client_for("alice")
    headers = dict(case.headers)
    if "HTTP_AUTHORIZATION" in headers:
        client.credentials(HTTP_AUTHORIZATION=headers.pop("HTTP_AUTHORIZATION"))
    response = client.generic(
        case.method,
        case.path.replace("{id}", str(task.id)),
        case.body or b"",
        content_type=case.content_type if case.body is not None else "",
        **headers,
    )

    assert response.status_code == case.status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json()["error_code"] == case.code
    assert snapshot() == before


def test_well_formed_requests_of_the_same_client_pass(client_for, make_task):
    """Control: the corpus fails for what it sends, not for the client or the task it uses."""
    task = make_task("alice", "untouched")
    client = client_for("alice")
    assert client.patch(f"/api/tasks/{task.id}/complete", {"completed": False}, format="json").status_code == 200
    assert client.generic("POST", "/api/tasks", b'{"title": "fine"}', content_type=JSON).status_code == 201
    response = client.generic(
        "POST", "/api/tasks", b'{"title": "\\ud83d\\ude00 paired"}', content_type="application/json; charset=utf-8",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert (response.status_code, response.json()["title"]) == (201, "\U0001f600 paired")
