"""The DRF browsable API for debugging: off in production, usable with a token in development."""

from __future__ import annotations

import re

import pytest

from better_auth.tests.helpers import encode_token
from todo_backend.tests.servers import SECRET, Browser, call, gunicorn


@pytest.mark.django_db
def test_browser_asking_for_html_gets_json_in_production(alice):
    response = alice.get("/api/tasks", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# --- in development, through a real server ----------------------------------------------------------


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("browsable"), DJANGO_DEBUG="1") as base:
        yield base


@pytest.mark.slow
def test_html_form_creates_a_task_for_the_logged_in_user(dev_server):
    browser = Browser(dev_server)
    browser.login_by_minting("form-user")
    status, _, html = browser.post_form("/api/tasks", {"title": "Made in the HTML form", "description": "", "completed": "on"})
    assert status == 201, html
    token = encode_token("form-user", key=SECRET)
    status, tasks = call(f"{dev_server}/api/tasks", token=token)
    assert [(task["title"], task["completed"]) for task in tasks] == [("Made in the HTML form", True)]


@pytest.mark.slow
def test_bearer_header_still_gets_json_in_development(dev_server):
    status, body = call(f"{dev_server}/api/tasks", token=encode_token("json-user", key=SECRET))
    assert (status, body) == (200, [])


@pytest.mark.slow
def test_the_browsable_page_lists_each_served_method_once_and_no_options(dev_server):
    browser = Browser(dev_server)
    browser.login_by_minting("allow-user")
    status, _, html = browser.open("/api/tasks")
    assert status == 200
    [allow] = re.findall(r"<b>Allow:</b> <span class=\"lit\">([^<]*)</span>", html)
    methods = [method.strip() for method in allow.split(",")]
    assert "OPTIONS" not in methods and len(methods) == len(set(methods)), allow
