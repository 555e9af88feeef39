"""Responses are freed by reference counting as soon as the server closes them."""

from __future__ import annotations

import gc
import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from rest_framework.response import Response

from better_auth.tests.helpers import encode_token

# Outside a test transaction: a request through the bare WSGI handler runs Django's request
# signals, which close a connection left inside one.
pytestmark = pytest.mark.django_db(transaction=True)


def serve(path: str) -> int:
    """One request through the WSGI app, the way gunicorn runs it (the response closed at the end)."""
    statuses = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_AUTHORIZATION": f"Bearer {encode_token('alice')}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    body = WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(body)
    body.close()
    return int(statuses[0].split()[0])


def live_responses() -> int:
    # type(), not isinstance(): isinstance would evaluate lazy objects (django.contrib.admin.site).
    return sum(issubclass(type(obj), Response) for obj in gc.get_objects())


def test_api_response_and_its_rows_are_freed_without_the_cyclic_collector(make_task):
    """DRF's view/request/response cycles would otherwise keep every response (and the rows it
    rendered) until a full garbage collection: workers serving 2,000-task lists reached 380 MB."""
    make_task("alice", "listed")
    gc.collect()
    gc.disable()
    try:
        before = live_responses()
        for path in ("/api/tasks", "/api/tasks/999999"):
            assert serve(path) in (200, 404)
        assert live_responses() == before
    finally:
        gc.enable()
