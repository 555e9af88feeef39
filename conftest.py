"""Fixtures shared by every test package: tokens, authenticated clients and the two route families;
the slow marker on every browser, interop and topology test; Hypothesis's profiles."""

from __future__ import annotations

import os
from typing import Any, Callable

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from better_auth.tests.helpers import encode_token
from tasks.tests.helpers import DEFAULT_ROUTE_STYLE, Routes, routes_of


# Quick where a developer runs the full suite, thorough in CI (HYPOTHESIS_PROFILE=thorough).
hypothesis_settings.register_profile("quick", max_examples=15, stateful_step_count=15)
hypothesis_settings.register_profile("thorough", max_examples=100, stateful_step_count=30)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser, interop and topology tests start browsers, Node.js, nginx and PgBouncer: the fast
    # loop (-m "not slow") skips them. tryfirst, to mark them before -m deselects (the browser
    # and topology packages' own hooks, registered later, run before this one).
    for item in items:
        if any(item.get_closest_marker(marker) for marker in ("browser", "interop", "topology")):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with no request counted against any user or client."""
    from todo_backend.counters import shared_counters

    shared_counters().clear()


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


@pytest.fixture
def route_style() -> str:
    """The recommended family, /api/tasks (tasks/tests/test_route_families.py runs every action on
    every family and slash form; the isolation tests override this with both families)."""
    return DEFAULT_ROUTE_STYLE


@pytest.fixture
def routes_for(route_style) -> Callable[[str], Routes]:
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
