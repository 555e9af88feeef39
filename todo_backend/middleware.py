"""How a request's body reaches Django: never silently empty.

Django reads exactly ``Content-Length`` bytes of a body, and takes a missing length for none. So a
body sent without one (``Transfer-Encoding: chunked``, as browsers' streaming ``fetch`` and some
HTTP clients send it) would read as empty, and ``{"completed": false}`` sent to ``/complete``
would toggle. Likewise a body without ``Content-Type`` would be ignored rather than refused.
"""

from __future__ import annotations

import io
from typing import Any, Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from todo_backend.exception_handler import error_body
from todo_backend.exceptions import ErrorCode


def _is_chunked(environ: dict[str, Any]) -> bool:
    return not environ.get("CONTENT_LENGTH") and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


class ChunkedBodies:
    """WSGI wrapper (``todo_backend.wsgi``): a chunked body is read here, as the server decoded it,
    and handed to Django with its length. At most the size limit and one byte more is read, so a
    longer body is still answered 413 by Django's own check, and memory stays bounded.

    Only a server that ends ``wsgi.input`` at the body's end says so (``wsgi.input_terminated``,
    PEP 3333's extension that gunicorn sets); with any other, ``BodyMiddleware`` answers 411.
    """

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        if _is_chunked(environ) and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


class BodyMiddleware:
    """A body whose length is unknown (chunked, from a server that does not decode it) is refused
    with 411 ``LENGTH_REQUIRED``, and one whose ``Content-Length`` is no number with 400 (Django
    would read neither). One without ``Content-Type`` gets the type RFC 9110 §8.3 assumes for
    it, ``application/octet-stream``, so the API refuses it (415) when it reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if _is_chunked(meta):
            return JsonResponse(
                error_body("Send the body with a Content-Length header.", ErrorCode.LENGTH_REQUIRED), status=411
            )
        length = meta.get("CONTENT_LENGTH", "")
        if length and not (length.isascii() and length.isdigit()):
            return JsonResponse(
                error_body("The Content-Length header is not a number of bytes.", ErrorCode.MALFORMED_REQUEST), status=400
            )
        if not meta.get("CONTENT_TYPE") and length not in ("", "0"):
            meta["CONTENT_TYPE"] = "application/octet-stream"
        return self.get_response(request)
