"""CORS as the Next.js frontend meets it (django-cors-headers)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

FRONTEND = "http://localhost:3000"


def preflight(client, origin: str, method: str = "POST", headers: str = "authorization, content-type"):
    return client.options(
        "/api/tasks",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_preflight_from_the_frontend_needs_no_token(api_client):
    response = preflight(api_client, FRONTEND)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert "PATCH" in response["Access-Control-Allow-Methods"]


def test_preflight_from_another_origin_gets_no_cors_grant(api_client):
    response = preflight(api_client, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in response


def test_actual_response_exposes_location_and_link_to_the_frontend(alice):
    response = alice.post("/api/tasks", {"title": "x"}, format="json", HTTP_ORIGIN=FRONTEND)
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "link"} <= exposed


def test_configured_origins_replace_the_default(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    assert preflight(api_client, "https://app.example.com")["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Origin" not in preflight(api_client, FRONTEND)


def test_error_responses_carry_cors_headers_so_the_frontend_can_read_them(api_client):
    response = api_client.get("/api/tasks", HTTP_ORIGIN=FRONTEND)
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == FRONTEND


def test_preflight_allows_the_conditional_and_retry_headers(api_client):
    response = preflight(api_client, FRONTEND, "PATCH", "authorization, if-match, if-none-match, idempotency-key, x-request-id")
    allowed_headers = {h.strip() for h in response["Access-Control-Allow-Headers"].lower().split(",")}
    assert {"if-match", "if-none-match", "idempotency-key", "x-request-id"} <= allowed_headers


def test_actual_response_exposes_the_sync_headers_to_the_frontend(alice):
    response = alice.get("/api/tasks", HTTP_ORIGIN=FRONTEND)
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "x-sync-token", "idempotent-replayed", "retry-after", "x-request-id"} <= exposed
