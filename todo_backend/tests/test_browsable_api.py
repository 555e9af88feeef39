"""The DRF browsable API for debugging: off in production, usable with a token in development."""

from __future__ import annotations

import http.cookiejar
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from conftest import encode_token
from tasks.authentication import SESSION_TOKEN_KEY, BetterAuthJWTAuthentication
from todo_backend.tests.servers import SECRET, call, gunicorn
from todo_backend.token_login import can_mint

# --- off by default in production ------------------------------------------------------------------


@pytest.mark.django_db
def test_browser_asking_for_html_gets_json_in_production(alice):
    response = alice.get("/api/tasks", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api-auth/login/", "/api-auth/logout/"])
def test_token_login_pages_do_not_exist_in_production(api_client, path):
    assert api_client.get(path).status_code == 404
    assert api_client.post(path, {"token": encode_token("x")}).status_code == 404


def session_request(method: str, token: str, *, browsable: bool, settings) -> Request:
    settings.API_BROWSABLE = browsable
    django_request = getattr(APIRequestFactory(enforce_csrf_checks=True), method)("/api/tasks")
    django_request.session = SessionStore()
    django_request.session[SESSION_TOKEN_KEY] = token
    return Request(django_request)


def test_session_held_token_is_ignored_when_the_browsable_api_is_off(settings):
    request = session_request("get", encode_token("alice"), browsable=False, settings=settings)
    assert BetterAuthJWTAuthentication().authenticate(request) is None


def test_session_held_token_authenticates_reads_when_the_browsable_api_is_on(settings):
    request = session_request("get", encode_token("alice"), browsable=True, settings=settings)
    user, _ = BetterAuthJWTAuthentication().authenticate(request)
    assert user.id == "alice"


def test_session_held_token_needs_csrf_for_writes(settings):
    request = session_request("post", encode_token("alice"), browsable=True, settings=settings)
    with pytest.raises(PermissionDenied, match="CSRF"):
        BetterAuthJWTAuthentication().authenticate(request)


def test_minting_is_only_offered_in_development(settings):
    settings.DEBUG, settings.API_BROWSABLE = False, True
    assert not can_mint()
    settings.DEBUG = True
    assert can_mint()
    settings.BETTER_AUTH_SECRET = ""
    assert not can_mint()


# --- in development, through a real server ----------------------------------------------------------


class Browser:
    """Just enough of a browser: cookies, forms with the CSRF token, redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, path: str, data: dict | None = None, accept: str = "text/html") -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept": accept})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.geturl(), error.read().decode()

    @property
    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def post_form(self, path: str, fields: dict) -> tuple[int, str, str]:
        return self.open(path, {"csrfmiddlewaretoken": self.csrf_token, **fields})

    def login_by_minting(self, user_id: str) -> tuple[int, str, str]:
        self.open("/api-auth/login/?next=/api/tasks")
        return self.post_form("/api-auth/login/", {"mint": "", "user_id": user_id, "next": "/api/tasks"})


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("browsable"), DJANGO_DEBUG="1") as base:
        yield base


def test_html_api_without_a_token_offers_the_login_page(dev_server):
    status, _, html = Browser(dev_server).open("/api/tasks")
    assert status == 401
    assert "<html" in html
    assert "/api-auth/login/?next=/api/tasks" in html


def test_login_page_offers_pasting_and_minting_in_development(dev_server):
    status, _, html = Browser(dev_server).open("/api-auth/login/")
    assert status == 200
    assert 'id="paste-token-form"' in html and 'id="mint-token-form"' in html
    assert "csrfmiddlewaretoken" in html


def test_minted_token_logs_the_browser_in_and_lists_the_users_tasks(dev_server):
    browser = Browser(dev_server)
    status, url, html = browser.login_by_minting("browser-user")
    assert status == 200
    assert url.endswith("/api/tasks")
    assert "browser-user" in html
    assert "Log out" in html


def test_pasted_token_logs_the_browser_in(dev_server):
    token = jwt.encode({"sub": "pasted-user", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    browser = Browser(dev_server)
    browser.open("/api-auth/login/")
    status, _, html = browser.post_form("/api-auth/login/", {"paste": "", "token": f"Bearer {token}"})
    assert status == 200
    assert "pasted-user" in html


def test_pasted_garbage_is_refused_with_a_message(dev_server):
    browser = Browser(dev_server)
    browser.open("/api-auth/login/")
    status, _, html = browser.post_form("/api-auth/login/", {"paste": "", "token": "not-a-token"})
    assert status == 400
    assert "That token was refused" in html
    assert browser.open("/api/tasks")[0] == 401


def test_html_form_creates_a_task_for_the_logged_in_user(dev_server):
    browser = Browser(dev_server)
    browser.login_by_minting("form-user")
    status, _, html = browser.post_form("/api/tasks", {"title": "Made in the HTML form", "description": "", "completed": "on"})
    assert status == 201, html
    token = encode_token("form-user", key=SECRET)
    status, tasks = call(f"{dev_server}/api/tasks", token=token)
    assert [(task["title"], task["completed"]) for task in tasks] == [("Made in the HTML form", True)]


def test_form_post_without_the_csrf_token_is_refused(dev_server):
    browser = Browser(dev_server)
    browser.login_by_minting("csrf-user")
    status, _, body = browser.open("/api/tasks", {"title": "forged"}, accept="application/json")
    assert status == 403
    assert "CSRF" in body
    assert call(f"{dev_server}/api/tasks", token=encode_token("csrf-user", key=SECRET)) == (200, [])


def test_logout_forgets_the_token(dev_server):
    browser = Browser(dev_server)
    browser.login_by_minting("leaving-user")
    status, _, _ = browser.post_form("/api-auth/logout/?next=/api/tasks", {})
    assert status == 401
    assert browser.open("/api/tasks")[0] == 401


def test_bearer_header_still_gets_json_in_development(dev_server):
    status, body = call(f"{dev_server}/api/tasks", token=encode_token("json-user", key=SECRET))
    assert (status, body) == (200, [])


def test_login_redirect_refuses_other_hosts(dev_server):
    browser = Browser(dev_server)
    browser.open("/api-auth/login/")
    status, url, _ = browser.post_form("/api-auth/login/", {"mint": "", "user_id": "u", "next": "https://evil.example/"})
    assert status == 200
    assert url == f"{dev_server}/api/tasks"
