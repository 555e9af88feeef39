"""Security headers on every response, and nothing in a response that names our software."""

from __future__ import annotations

import re
import time
import urllib.request

import jwt
import pytest

from tasks.views import TaskViewSet
from todo_backend.tests.servers import SECRET, gunicorn

pytestmark = pytest.mark.django_db

RESPONSES = {
    "list": lambda c: c.get("/api/tasks"),
    "create": lambda c: c.post("/api/tasks", {"title": "x"}, format="json"),
    "not-found": lambda c: c.get("/api/tasks/999"),
    "validation": lambda c: c.post("/api/tasks", {"title": ""}, format="json"),
    "malformed": lambda c: c.post("/api/tasks", b"{", content_type="application/json"),
    "method": lambda c: c.delete("/api/tasks"),
    "unknown-route": lambda c: c.get("/api/nope"),
    "health": lambda c: c.get("/api/health"),
    "home": lambda c: c.get("/"),
}


@pytest.mark.parametrize("kind", list(RESPONSES))
def test_every_response_says_nosniff_and_a_referrer_policy(alice, kind):
    response = RESPONSES[kind](alice)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("kind", ["list", "create", "not-found", "validation"])
def test_task_responses_are_not_cached_anywhere(alice, kind):
    assert RESPONSES[kind](alice)["Cache-Control"] == "no-store"


def test_refused_token_responses_are_not_cached_either(api_client):
    assert api_client.get("/api/tasks", HTTP_AUTHORIZATION="Bearer a.b.c")["Cache-Control"] == "no-store"


def test_hsts_is_sent_over_https_in_production(alice):
    response = alice.get("/api/tasks", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


VERSION_LEAK = re.compile(r"django|python|gunicorn|rest.framework|psycopg|postgres|sqlite|traceback|\d+\.\d+\.\d+", re.IGNORECASE)


@pytest.mark.parametrize("kind", [k for k in RESPONSES if k not in ("list", "create", "health", "home")])
def test_error_bodies_name_no_software_or_version(alice, kind):
    assert not VERSION_LEAK.search(RESPONSES[kind](alice).content.decode())


def test_500_body_names_no_software_or_version(alice, monkeypatch):
    monkeypatch.setattr(TaskViewSet, "list", lambda *a, **k: 1 / 0)
    response = alice.get("/api/tasks")
    assert response.status_code == 500
    assert not VERSION_LEAK.search(response.json()["detail"])


@pytest.mark.slow
def test_production_server_header_names_no_version(tmp_path):
    token = jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    with gunicorn(tmp_path) as base:
        request = urllib.request.Request(f"{base}/api/tasks", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request) as response:
            server = response.headers.get("Server", "")
            powered = response.headers.get("X-Powered-By")
    assert not re.search(r"\d", server), server
    assert powered is None
