"""Swagger UI at /api/docs, as a frontend developer uses it: read, authorize, try it out."""

from __future__ import annotations

import json

from better_auth.tests.helpers import encode_token
from tasks.models import Task


def open_docs(page, api_origin: str) -> list[str]:
    """Open the docs; return every URL the page requested (all must be ours)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{api_origin}/api/docs")
    page.wait_for_selector(".opblock-summary-path", state="visible")
    return requested


def test_docs_render_every_operation_of_both_route_families(page, api_origin):
    open_docs(page, api_origin)
    operations = {
        (
            block.locator(".opblock-summary-method").inner_text().strip(),
            block.locator(".opblock-summary-path").inner_text().replace("\u200b", "").strip(),
        )
        for block in page.locator(".opblock").all()
    }
    for prefix in ("/api/tasks", "/api/{user_id}/tasks"):
        assert {("GET", prefix), ("POST", prefix)} <= operations
        assert {("GET", f"{prefix}/{{id}}"), ("PUT", f"{prefix}/{{id}}"), ("PATCH", f"{prefix}/{{id}}"),
                ("DELETE", f"{prefix}/{{id}}"), ("PATCH", f"{prefix}/{{id}}/complete")} <= operations
    assert ("GET", "/api/health") in operations


def test_docs_load_nothing_from_another_host(page, api_origin):
    requested = open_docs(page, api_origin)
    assert requested
    assert all(url.startswith(api_origin) for url in requested), [u for u in requested if not u.startswith(api_origin)]


def test_authorize_then_try_it_out_creates_a_task(page, api_origin):
    open_docs(page, api_origin)
    token = encode_token("swagger-user")

    page.click("button.authorize")
    dialog = page.locator(".modal-ux")
    dialog.locator("input").first.fill(token)
    dialog.locator("button.authorize").click()
    dialog.locator("button.btn-done").click()

    operation = page.locator("#operations-tasks-tasks_create")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("textarea.body-param__text").fill(json.dumps({"title": "Tried it out"}))
    operation.locator("button.execute").click()

    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
    task = Task.objects.get()
    assert (task.user_id, task.title) == ("swagger-user", "Tried it out")
    assert "Tried it out" in operation.locator(".live-responses-table .microlight").first.inner_text()


def test_try_it_out_without_authorizing_shows_the_401_body(page, api_origin):
    open_docs(page, api_origin)
    operation = page.locator("#operations-tasks-tasks_list")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "401"
    assert "AUTHENTICATION_REQUIRED" in operation.locator(".live-responses-table .microlight").first.inner_text()
