"""The DRF browsable API in development, used from a real browser: log in with a token, then use
its HTML form. The app runs under gunicorn with ``DJANGO_DEBUG=1``, as ``make run`` configures it."""

from __future__ import annotations

import time

import jwt
import pytest

from todo_backend.tests.servers import SECRET, call, gunicorn


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("browsable-browser"), DJANGO_DEBUG="1") as base:
        yield base


def token_for(user_id: str) -> str:
    return jwt.encode({"sub": user_id, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")


def log_in_by_minting(page, base: str, user_id: str) -> None:
    page.goto(f"{base}/api/tasks")
    assert "401" in page.locator(".response-info").inner_text()
    page.click("text=Log in")
    page.fill("#id_user_id", user_id)
    page.click("#mint-token-form button[type=submit]")
    page.wait_for_url(f"{base}/api/tasks")


def test_developer_logs_in_with_a_minted_token_and_sees_their_tasks(page, dev_server):
    log_in_by_minting(page, dev_server, "browser-dev")
    assert "HTTP 200 OK" in page.locator(".response-info").inner_text()
    assert "browser-dev" in page.locator(".navbar").inner_text()


def test_developer_logs_in_with_a_pasted_token(page, dev_server):
    page.goto(f"{dev_server}/api-auth/login/?next=/api/tasks")
    page.fill("#id_token", token_for("pasting-dev"))
    page.click("#paste-token-form button[type=submit]")
    page.wait_for_url(f"{dev_server}/api/tasks")
    assert "pasting-dev" in page.locator(".navbar").inner_text()


def test_html_form_creates_a_task(page, dev_server):
    log_in_by_minting(page, dev_server, "form-dev")
    page.click("a[href='#post-object-form']")
    form = page.locator("#post-object-form form")
    form.locator("input[name=title]").fill("Created from the HTML form")
    form.locator("button", has_text="POST").click()
    page.wait_for_selector(".response-info")
    assert "HTTP 201 Created" in page.locator(".response-info").inner_text()
    status, tasks = call(f"{dev_server}/api/tasks", token=token_for("form-dev"))
    assert status == 200
    assert [task["title"] for task in tasks] == ["Created from the HTML form"]


def test_log_out_ends_the_session(page, dev_server):
    log_in_by_minting(page, dev_server, "leaving-dev")
    page.click(".navbar .dropdown-toggle")
    page.click("text=Log out")
    page.wait_for_load_state()
    assert "401" in page.locator(".response-info").inner_text()
