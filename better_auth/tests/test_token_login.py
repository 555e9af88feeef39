"""The browsable API's token login: off in production; in development, a pasted or minted token
kept in a signed session cookie, with CSRF enforced on writes."""

from __future__ import annotations

import time

import jwt
import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from better_auth.authentication import SESSION_TOKEN_KEY, BetterAuthJWTAuthentication
from better_auth.tests.helpers import encode_token
from better_auth.views import can_mint
from todo_backend.tests.servers import SECRET, Browser, call, gunicorn

# --- off by default in production ------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("token-login"), DJANGO_DEBUG="1") as base:
        yield base


@pytest.mark.slow
def test_html_api_without_a_token_offers_the_login_page(dev_server):
    status, _, html = Browser(dev_server).open("/api/tasks")
    assert status == 401
    assert "<html" in html
    assert "/api-auth/login/?next=/api/tasks" in html


@pytest.mark.slow
def test_login_page_offers_pasting_and_minting_in_development(dev_server):
    status, _, html = Browser(dev_server).open("/api-auth/login/")
    assert status == 200
    assert 'id="paste-token-form"' in html and 'id="mint-token-form"' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.slow
def test_minted_token_logs_the_browser_in_and_lists_the_users_tasks(dev_server):
    browser = Browser(dev_server)
    status, url, html = browser.login_by_minting("browser-user")
    assert status == 200
    assert url.endswith("/api/tasks")
    assert "browser-user" in html
    assert "Log out" in html


@pytest.mark.slow
def test_pasted_token_logs_the_browser_in(dev_server):
    token = jwt.encode({"sub": "pasted-user", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    browser = Browser(dev_server)
    browser.open("/api-auth/login/")
    status, _, html = browser.post_form("/api-auth/login/", {"paste": "", "token": f"Bearer {token}"})
    assert status == 200
    assert "pasted-user" in html


@pytest.mark.slow
def test_pasted_garbage_is_refused_with_a_message(dev_server):
    browser = Browser(dev_server)
    browser.open("/api-auth/login/")
    status, _, html = browser.post_form("/api-auth/login/", {"paste": "", "token": "not-a-token"})
    assert status == 400
    assert "That token was refused" in html
    assert browser.open("/api/tasks")[0] == 401


@pytest.mark.slow
def test_form_post_without_the_csrf_token_is_refused(dev_server):
    browser = Browser(dev_server)
    browser.login_by_minting("csrf-user")
    status, _, body = browser.open("/api/tasks", {"title": "forged"}, accept="application/json")
    assert status == 403
    assert "CSRF" in body
    assert call(f"{dev_server}/api/tasks", token=encode_token("csrf-user", key=SECRET)) == (200, [])


@pytest.mark.slow
def test_logout_forgets_the_token(dev_server):
    browser = Browser(dev_server)
    browser.login_by_minting("leaving-user")
    status, _, _ = browser.post_form("/api-auth/logout/?next=/api/tasks", {})
    assert status == 401
    assert browser.open("/api/tasks")[0] == 401


@pytest.mark.slow
def test_login_redirect_refuses_other_hosts(dev_server):
    browser = Browser(dev_server)
    browser.open("/api-auth/login/")
    status, url, _ = browser.post_form("/api-auth/login/", {"mint": "", "user_id": "u", "next": "https://evil.example/"})
    assert status == 200
    assert url == f"{dev_server}/api/tasks"
