"""Authentication as a client meets it: every refused request is a JSON 401 with the right code."""

from __future__ import annotations

import time

import pytest

from better_auth.tests.helpers import encode_token
from tasks.models import Task

pytestmark = pytest.mark.django_db

EXPIRED = encode_token("alice", expires_in=-3600)


def bad_tokens() -> dict[str, str]:
    now = int(time.time())
    return {
        "wrong-key": encode_token("alice", key="some-other-secret-that-is-long-enough!"),
        "alg-none": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0.",
        "missing-sub": encode_token(omit=("sub",)),
        "missing-exp": encode_token("alice", omit=("exp",)),
        "not-yet-valid": encode_token("alice", nbf=now + 3600),
        "garbled": "not-a-jwt",
        "non-ascii": "tøken.with.bytes",
        "megabyte": "a" * (1024 * 1024),
    }


@pytest.fixture(params=["list", "create", "detail", "update", "partial", "delete", "complete"])
def any_action(request, routes):
    return {
        "list": ("get", routes.list()),
        "create": ("post", routes.list()),
        "detail": ("get", routes.detail(1)),
        "update": ("put", routes.detail(1)),
        "partial": ("patch", routes.detail(1)),
        "delete": ("delete", routes.detail(1)),
        "complete": ("patch", routes.complete(1)),
    }[request.param]


def test_every_action_without_a_token_is_401_authentication_required(api_client, any_action):
    method, url = any_action
    response = getattr(api_client, method)(url, {"title": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTHENTICATION_REQUIRED"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_every_action_with_an_expired_token_is_401_token_expired(api_client, any_action):
    method, url = any_action
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {EXPIRED}")
    response = getattr(api_client, method)(url, {"title": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["error_code"] == "TOKEN_EXPIRED"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_refused_write_stores_nothing(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {EXPIRED}")
    api_client.post("/api/tasks", {"title": "sneaky"}, format="json")
    assert not Task.objects.exists()


@pytest.mark.parametrize("kind", list(bad_tokens()))
def test_bad_token_is_401_invalid_token(api_client, kind):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {bad_tokens()[kind]}")
    response = api_client.get("/api/tasks")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error_code"] == "INVALID_TOKEN"
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc"],
    ids=["basic", "bare-bearer", "bearer-space", "other-scheme"],
)
def test_non_bearer_credentials_are_401_authentication_required(api_client, authorization):
    response = api_client.get("/api/tasks", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTHENTICATION_REQUIRED"


def test_token_with_nul_and_control_bytes_is_401_not_500(api_client):
    response = api_client.get("/api/tasks", HTTP_AUTHORIZATION="Bearer a\x00b.\x01c.\xffd")
    assert response.status_code == 401
    assert response.json()["error_code"] == "INVALID_TOKEN"


def test_wrong_issuer_is_401_invalid_token(api_client, settings):
    settings.BETTER_AUTH_ISSUER = "https://auth.example.com"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {encode_token('alice', iss='https://evil.example')}")
    response = api_client.get("/api/tasks")
    assert response.status_code == 401
    assert response.json()["error_code"] == "INVALID_TOKEN"


def test_wrong_audience_is_401_invalid_token(api_client, settings):
    settings.BETTER_AUTH_AUDIENCE = "https://api.example.com"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {encode_token('alice', aud='https://other.example')}")
    response = api_client.get("/api/tasks")
    assert response.status_code == 401
    assert response.json()["error_code"] == "INVALID_TOKEN"


def test_valid_token_gives_access_to_own_tasks(alice, make_task):
    make_task("alice", "mine")
    response = alice.get("/api/tasks")
    assert response.status_code == 200
    assert [task["title"] for task in response.json()] == ["mine"]
