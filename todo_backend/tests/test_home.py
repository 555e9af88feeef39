from __future__ import annotations

import pytest

from todo_backend import __version__

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_home_gives_programs_json_with_the_version_and_links(api_client):
    response = api_client.get("/", HTTP_ACCEPT="*/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["name"] == "Todo API"
    assert body["version"] == __version__
    assert body["links"] == {
        "docs": "http://testserver/api/docs",
        "redoc": "http://testserver/api/redoc",
        "schema": "http://testserver/api/schema",
        "health": "http://testserver/api/health",
        "tasks": "http://testserver/api/tasks",
    }


def test_home_gives_browsers_a_page_linking_docs_schema_and_health(api_client):
    response = api_client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f"Todo API <small>{__version__}</small>" in html
    for link in ("/api/docs", "/api/schema", "/api/health"):
        assert f'href="http://testserver{link}' in html


def test_home_needs_no_token(api_client):
    assert api_client.get("/", HTTP_AUTHORIZATION="Bearer garbage").status_code == 200
