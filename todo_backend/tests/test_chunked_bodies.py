"""Bodies sent with ``Transfer-Encoding: chunked`` (no ``Content-Length``) are read as sent, under
the same size limit, by the real server; a server that cannot decode them gets a 411."""

from __future__ import annotations

import http.client
import io
import json
import time
from urllib.parse import urlsplit

import jwt
import pytest
from django.conf import settings

from todo_backend.middleware import ChunkedBodies
from todo_backend.tests.servers import SECRET, call, gunicorn

TOKEN = jwt.encode({"sub": "chunky", "exp": int(time.time()) + 3600}, SECRET, algorithm="HS256")


def chunked(base: str, method: str, path: str, *pieces: bytes) -> tuple[int, dict]:
    """A request whose body goes out in chunks (http.client frames an iterable body so)."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    connection.request(method, path, body=iter(pieces), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    body = json.loads(response.read() or b"null")
    connection.close()
    return response.status, body


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("chunked")) as base:
        yield base


@pytest.fixture
def task(server):
    status, task = call(f"{server}/api/tasks", method="POST", token=TOKEN, body={"title": "as it was"})
    assert status == 201
    return task


@pytest.mark.slow
def test_a_chunked_completion_sets_what_it_says_and_does_not_toggle(server, task):
    status, body = chunked(server, "PATCH", f"/api/tasks/{task['id']}/complete", b'{"completed":', b" false}")
    assert (status, body["completed"]) == (200, False)
    status, body = chunked(server, "PATCH", f"/api/tasks/{task['id']}/complete", b'{"completed": true}')
    assert (status, body["completed"]) == (200, True)


@pytest.mark.slow
def test_a_chunked_update_changes_the_title(server, task):
    status, body = chunked(server, "PATCH", f"/api/tasks/{task['id']}", b'{"title": "chan', b'ged"}')
    assert (status, body["title"]) == (200, "changed")
    assert call(f"{server}/api/tasks/{task['id']}", token=TOKEN)[1]["title"] == "changed"


@pytest.mark.slow
def test_a_chunked_body_over_the_limit_is_413_and_changes_nothing(server, task):
    piece = b" " * (256 * 1024)  # four of them make the body just over the limit
    status, body = chunked(server, "PATCH", f"/api/tasks/{task['id']}", b'{"title": "too big"', *[piece] * 4, b"}")
    assert (status, body["error_code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert call(f"{server}/api/tasks/{task['id']}", token=TOKEN)[1]["title"] == "as it was"


def test_the_wrapper_hands_django_the_decoded_body_with_its_length():
    seen = {}

    def django(environ, start_response):
        seen.update(length=environ["CONTENT_LENGTH"], body=environ["wsgi.input"].read())
        return []

    environ = {
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
        "wsgi.input": io.BytesIO(b'{"completed": false}'),
    }
    ChunkedBodies(django)(environ, lambda *args: None)
    assert seen == {"length": "20", "body": b'{"completed": false}'}


def test_the_wrapper_reads_no_more_than_the_limit_and_one_byte():
    stream = io.BytesIO(b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 100))
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True, "wsgi.input": stream}
    ChunkedBodies(lambda environ, start_response: [])(environ, lambda *args: None)
    assert environ["CONTENT_LENGTH"] == str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


def test_a_server_that_does_not_decode_chunks_leaves_the_body_to_the_411():
    stream = io.BytesIO(b"5\r\nhello\r\n0\r\n\r\n")
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": stream}
    ChunkedBodies(lambda environ, start_response: [])(environ, lambda *args: None)
    assert "CONTENT_LENGTH" not in environ and stream.tell() == 0
