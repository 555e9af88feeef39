"""Small request/response rules that apply to every request."""

from __future__ import annotations

from typing import Callable

from django.http import HttpRequest, HttpResponse


class UntypedBodyMiddleware:
    """Give a body that came without ``Content-Type`` the type RFC 9110 §8.3 assumes for it,
    ``application/octet-stream``, so the API refuses it (415) when it reads the body.

    Without this, DRF treats such a body as absent: ``{"completed": false}`` sent to
    ``/complete`` with no content type would silently become a toggle.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if not meta.get("CONTENT_TYPE") and meta.get("CONTENT_LENGTH", "0") not in ("", "0"):
            meta["CONTENT_TYPE"] = "application/octet-stream"
        return self.get_response(request)
