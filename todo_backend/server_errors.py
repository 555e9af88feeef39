"""gunicorn's own answers to the requests it refuses, as the API's JSON errors.

gunicorn answers some requests itself, before Django sees them: a control character in a header
(400), a request line over 4094 bytes (414), more than 100 header fields or one over 8190 bytes
(431), and a few more. Its page for those is HTML. nginx in front refuses the oversized ones
first (deploy/nginx/), but passes others on (a control character in a header value, a 101st
header, a raw non-ASCII byte in the URL), and a platform's router may pass them all.

gunicorn has no setting for that page. Every worker class writes it with
``gunicorn.util.write_error(sock, status, reason, message)``; ``use_json_error_pages()``, which
gunicorn.conf.py runs as the server starts, replaces that function with ``write_json_error``.
A test sends such requests to a real gunicorn, so an upgrade that stops calling it fails there.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from todo_backend.exceptions import ErrorCode

_ERRORS = {
    400: (ErrorCode.MALFORMED_REQUEST, "The request is malformed"),
    403: (ErrorCode.FORBIDDEN, "The request is forbidden"),
    414: (ErrorCode.URI_TOO_LONG, "The request URL is too long"),
    431: (ErrorCode.HEADERS_TOO_LARGE, "The request headers are too large or too many"),
}
# gunicorn's message names what it refused (a header's name, the limit); enough to say which.
MAX_MESSAGE_LENGTH = 200


def json_error_response(status: int, reason: str, message: str) -> bytes:
    """The whole HTTP answer, as gunicorn's own page has it (the connection then closes)."""
    if status >= 500:
        body = {"detail": "An unexpected error occurred.", "error_code": ErrorCode.INTERNAL_ERROR}
    else:
        code, detail = _ERRORS.get(status, (ErrorCode.MALFORMED_REQUEST, "The request is malformed"))
        body = {"detail": f"{detail}: {message[:MAX_MESSAGE_LENGTH]}", "error_code": code}
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode("latin-1") + payload


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """``gunicorn.util.write_error``'s signature and delivery, with a JSON body."""
    util.write_nonblock(sock, json_error_response(status_int, reason, mesg))


def use_json_error_pages() -> None:
    util.write_error = write_json_error
