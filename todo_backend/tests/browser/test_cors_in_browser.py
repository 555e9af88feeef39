"""CORS as a Next.js frontend meets it: a page on another origin calls the API with ``fetch``.

The browser itself decides here: it sends the preflight (``Authorization`` and a JSON
``Content-Type`` make the request non-simple), and lets the page see the answer, or not.
"""

from __future__ import annotations

import pytest

from better_auth.tests.helpers import encode_token
from tasks.models import Task

# `next dev` serves on port 3000, and http://localhost:3000 is the default CORS_ALLOWED_ORIGINS.
FRONTEND_PORT = 3000

# What a page may read of a cross-origin response without CORS_EXPOSE_HEADERS (Fetch standard).
SAFELISTED_RESPONSE_HEADERS = {
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
}

# As a Next.js app calls the API (README, "From a Next.js frontend"). Never rejects: a failed
# fetch comes back as {ok: false, name, message}, the way the page's own code would see it.
API_FETCH = """
async ({url, method, token, body}) => {
  try {
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === null ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(8000),
    });
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch (_) {}
    return {
      ok: true,
      status: response.status,
      json,
      text,
      location: response.headers.get("Location"),
      readableHeaders: [...response.headers.keys()],
    };
  } catch (error) {
    return { ok: false, name: error.name, message: String(error.message) };
  }
}
"""


def api_fetch(page, url: str, *, token: str, method: str = "GET", body: object = None) -> dict:
    return page.evaluate(API_FETCH, {"url": url, "method": method, "token": token, "body": body})


@pytest.fixture
def frontend(static_site, settings):
    """The frontend's page, at http://localhost:3000 with the default CORS_ALLOWED_ORIGINS.

    When port 3000 is taken (a developer's `next dev`, another test run), the page is served from a
    free port and CORS_ALLOWED_ORIGINS names that origin instead: what is under test, the browser's
    preflight against django-cors-headers' allow-list, is the same. The default value itself is
    checked in test_cors.py.
    """
    site = static_site(FRONTEND_PORT) or static_site()
    if site.origin not in settings.CORS_ALLOWED_ORIGINS:
        settings.CORS_ALLOWED_ORIGINS = [site.origin]
    return site


def test_the_allowed_origin_creates_and_lists_tasks(page, frontend, api_origin, server_requests, settings):
    earlier = Task.objects.create(user_id="alice", title="Written by the test, read by the server")
    token = encode_token("alice")
    page.goto(f"{frontend.origin}/")

    created = api_fetch(
        page, f"{api_origin}/api/tasks", token=token, method="POST", body={"title": "Buy milk"}
    )

    assert created["ok"], created
    assert created["status"] == 201, created
    task = created["json"]
    assert task["title"] == "Buy milk"
    assert task["user_id"] == "alice"
    # Location and ETag are readable because CORS_EXPOSE_HEADERS lists them; only safelisted
    # headers otherwise.
    assert created["location"] == f"{api_origin}/api/tasks/{task['id']}"
    readable = set(created["readableHeaders"])
    assert {"location", "etag"} <= readable
    exposed = {name.lower() for name in settings.CORS_EXPOSE_HEADERS}
    assert readable <= SAFELISTED_RESPONSE_HEADERS | exposed, readable
    # The browser asked first, was granted, and only then sent the POST.
    assert [(r.method, r.path, r.origin, r.status) for r in server_requests[:2]] == [
        ("OPTIONS", "/api/tasks", frontend.origin, 200),
        ("POST", "/api/tasks", frontend.origin, 201),
    ]
    assert server_requests[0].response_headers["access-control-allow-origin"] == frontend.origin
    # The server's row is visible to the test (and the test's row to the server, below).
    assert Task.objects.get(pk=task["id"]).title == "Buy milk"

    listed = api_fetch(page, f"{api_origin}/api/tasks", token=token)

    assert listed["ok"], listed
    assert listed["status"] == 200, listed
    assert [t["id"] for t in listed["json"]] == [task["id"], earlier.id]


@pytest.fixture(params=["another-port", "another-host"])
def other_origin(request, frontend, static_site) -> str:
    """A page origin that is not allowed, though it looks close to the frontend's.

    another-port: http://localhost:<other port>. another-host: http://127.0.0.1:<frontend port>,
    the same server as the frontend's, but an origin is scheme, host *name* and port.
    """
    if request.param == "another-port":
        return static_site().origin
    return frontend.origin_on("127.0.0.1")


def test_another_origin_is_stopped_at_the_preflight(
    page, frontend, other_origin, api_origin, server_requests, browser_console
):
    assert other_origin != frontend.origin
    page.goto(f"{other_origin}/")

    result = api_fetch(
        page,
        f"{api_origin}/api/tasks",
        token=encode_token("alice"),
        method="POST",
        body={"title": "Must not exist"},
    )

    # The page sees what fetch gives any CORS failure: a TypeError, no status, no body.
    assert not result["ok"], result
    assert result["name"] == "TypeError", result
    # The server answered the preflight normally (200), granting nothing: it is the allow-list
    # that refused, not a redirect or an error.
    assert [(r.method, r.path, r.origin, r.status) for r in server_requests] == [
        ("OPTIONS", "/api/tasks", other_origin, 200)
    ], browser_console
    assert "access-control-allow-origin" not in server_requests[0].response_headers
    # And the browser never sent the POST, so nothing was created.
    assert not Task.objects.exists()
