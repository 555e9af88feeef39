"""Fixtures shared by every test package: tokens, authenticated clients and the two route families."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import jwt
import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient


def encode_token(
    sub: Any = "alice",
    *,
    key: str | bytes | None = None,
    algorithm: str = "HS256",
    expires_in: int = 3600,
    headers: dict[str, Any] | None = None,
    omit: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A signed JWT with sane defaults (``sub``, ``iat``, ``exp``); ``omit`` drops claims."""
    now = int(time.time())
    payload = {"sub": sub, "iat": now, "exp": now + expires_in, **claims}
    for name in omit:
        payload.pop(name, None)
    return jwt.encode(
        payload,
        key if key is not None else django_settings.BETTER_AUTH_SECRET,
        algorithm=algorithm,
        headers=headers,
    )


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with no request counted against any user or client."""
    from django.core.cache import cache

    from todo_backend.throttling import unverified_clients

    cache.clear()
    unverified_clients.forget()


@pytest.fixture
def make_token() -> Callable[..., str]:
    return encode_token


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[[str], APIClient]:
    def make(user_id: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {encode_token(user_id)}")
        return client

    return make


@pytest.fixture
def alice(client_for) -> APIClient:
    return client_for("alice")


@pytest.fixture
def bob(client_for) -> APIClient:
    return client_for("bob")


@dataclass(frozen=True)
class Routes:
    """URLs of one route family (``/api/tasks`` or ``/api/{user_id}/tasks``), with or without slash."""

    prefix: str
    slash: str

    def list(self) -> str:
        return f"{self.prefix}/tasks{self.slash}"

    def detail(self, task_id: object) -> str:
        return f"{self.prefix}/tasks/{task_id}{self.slash}"

    def complete(self, task_id: object) -> str:
        return f"{self.prefix}/tasks/{task_id}/complete{self.slash}"


ROUTE_STYLES = {
    "token-noslash": ("token", ""),
    "token-slash": ("token", "/"),
    "path-noslash": ("path", ""),
    "path-slash": ("path", "/"),
}


def routes_of(style: str, user_id: str) -> Routes:
    family, slash = ROUTE_STYLES[style]
    return Routes(prefix="/api" if family == "token" else f"/api/{user_id}", slash=slash)


@pytest.fixture(params=list(ROUTE_STYLES))
def route_style(request) -> str:
    return request.param


@pytest.fixture
def routes_for(route_style) -> Callable[[str], Routes]:
    """Every test that uses it runs once per route family and slash form."""
    return lambda user_id: routes_of(route_style, user_id)


@pytest.fixture
def routes(routes_for) -> Routes:
    return routes_for("alice")


@pytest.fixture
def make_task(db) -> Callable[..., Any]:
    from tasks.models import Task

    def make(user_id: str = "alice", title: str = "A task", **fields: Any) -> Task:
        return Task.objects.create(user_id=user_id, title=title, **fields)

    return make
