from __future__ import annotations

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/health", "/api/health/"])
def test_health_is_ok_without_a_token(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "rate_limits": "ok"}


def test_health_ignores_a_bad_token(api_client):
    response = api_client.get("/api/health", HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 200


def test_health_is_503_when_the_database_is_unreachable(api_client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = api_client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "unreachable"
    assert body["error_code"] == "SERVICE_UNAVAILABLE"
    assert response["Retry-After"]


def test_health_accepts_only_reads(api_client):
    response = api_client.post("/api/health")
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"


def test_health_reports_rate_limits_that_cannot_be_counted_and_still_answers_200(api_client, settings):
    settings.RATE_LIMIT_COUNTERS, settings.REDIS_URL = "redis", "redis://127.0.0.1:1/0"  # nothing listens
    response = api_client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "rate_limits": "unavailable"}
