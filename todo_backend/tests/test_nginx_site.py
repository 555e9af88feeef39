"""The shipped nginx site (deploy/nginx/todo-api.conf) agrees with the app it fronts: its limits,
its timeouts, and an API error body for every error nginx answers itself."""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings

from todo_backend.exceptions import ErrorCode

BASE_DIR = Path(settings.BASE_DIR)
SITE = (BASE_DIR / "deploy/nginx/todo-api.conf").read_text()
# The errors nginx itself can answer with: a malformed request (400), the error pages' own URLs
# (404), TRACE (405), limits (413, 414, 494: headers too large), itself (500), an unknown
# transfer coding (501), no instance answering (502, 504), and 503 for a limit an operator adds.
NGINX_STATUSES = {400, 404, 405, 413, 414, 494, 500, 501, 502, 503, 504}
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}


def directive(name: str, text: str = SITE) -> str:
    [value] = re.findall(rf"^\s*{name}\s+([^;]+);", text, re.MULTILINE)
    return value


def seconds(value: str) -> int:
    return int(re.fullmatch(r"(\d+)s?", value).group(1))


def gunicorn_defaults() -> dict:
    return runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))


def error_pages() -> dict[int, tuple[int, str]]:
    """status nginx gives -> (status answered, URI of the page)."""
    pages = {}
    for statuses, replaced, uri in re.findall(r"^\s*error_page\s+([\d ]+?)\s+(?:=(\d+)\s+)?(\S+);", SITE, re.MULTILINE):
        for status in statuses.split():
            pages[int(status)] = (int(replaced or status), uri)
    return pages


def page_answer(uri: str) -> tuple[int, dict]:
    [(status, body)] = re.findall(rf"location = {re.escape(uri)} \{{[^}}]*?return (\d+) '([^']*)';", SITE)
    return int(status), json.loads(body.replace("\\n", "\n"))


def test_the_body_limit_is_the_apps_request_limit():
    number, unit = re.fullmatch(r"(\d+)([km]?)", directive("client_max_body_size")).groups()
    assert int(number) * SIZE_UNITS[unit] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_nginx_waits_longer_for_an_answer_than_gunicorn_lets_a_request_run():
    # Else a slow request would be nginx's 504 while the app still runs it.
    assert seconds(directive("proxy_read_timeout")) > gunicorn_defaults()["timeout"]


def test_nginx_drops_an_idle_instance_connection_before_gunicorn_does():
    upstream = re.search(r"upstream todo_api \{(.*?)\}", SITE, re.DOTALL).group(1)
    assert seconds(directive("keepalive_timeout", upstream)) < gunicorn_defaults()["keepalive"]


def test_every_error_nginx_answers_itself_has_a_page():
    assert NGINX_STATUSES <= set(error_pages())


@pytest.mark.parametrize("status", sorted(NGINX_STATUSES))
def test_each_error_page_is_the_apis_json_error_with_a_documented_code(status):
    answered, uri = error_pages()[status]
    page_status, body = page_answer(uri)
    assert page_status == answered == (431 if status == 494 else status)
    assert set(body) == {"detail", "error_code"}
    assert body["error_code"] in set(ErrorCode)
    assert body["detail"].endswith(".")
