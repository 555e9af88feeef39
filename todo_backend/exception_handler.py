"""The one place where errors become responses.

``api_exception_handler`` is DRF's ``EXCEPTION_HANDLER``: it turns every exception raised in an
API view into ``{"detail", "error_code"}`` (plus ``errors`` for validation). The ``handler*``
functions cover what happens outside DRF (Django's own 400/404/500) so ``/api/`` never answers HTML.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import set_rollback

from todo_backend.exceptions import ErrorCode, PayloadTooLarge, ServiceUnavailable
from todo_backend.request_log import current_request_id

logger = logging.getLogger("todo_backend.errors")

API_PREFIX = "/api/"

# Checked in order, so subclasses come before their bases.
_ERROR_CODES: list[tuple[type[exceptions.APIException], ErrorCode]] = [
    (exceptions.ValidationError, ErrorCode.VALIDATION_ERROR),
    (exceptions.ParseError, ErrorCode.MALFORMED_REQUEST),
    (exceptions.NotAuthenticated, ErrorCode.AUTHENTICATION_REQUIRED),
    (exceptions.AuthenticationFailed, ErrorCode.INVALID_TOKEN),
    (exceptions.PermissionDenied, ErrorCode.FORBIDDEN),
    (exceptions.NotFound, ErrorCode.RESOURCE_NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ErrorCode.RATE_LIMITED),
]

DATABASE_RETRY_AFTER = 5
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by statement_timeout
WRITE_MAY_HAVE_APPLIED = (
    "The database connection was lost; this write may have been applied. Retry a create with the "
    "same Idempotency-Key, and a completion with an explicit {\"completed\": ...}, not a toggle."
)
INTERNAL_ERROR_DETAIL = "An unexpected error occurred. It has been logged under this request_id."


def error_body(detail: str, error_code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "error_code": str(error_code), **extra}


def internal_error_body() -> dict[str, Any]:
    """The 500 body: nothing internal, but the request id that finds the traceback in the logs."""
    return error_body(INTERNAL_ERROR_DETAIL, ErrorCode.INTERNAL_ERROR, request_id=current_request_id.get())


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    api_exc = _as_api_exception(exc, getattr(context.get("request"), "method", "GET"))
    if api_exc is None:
        request = context.get("request")
        logger.error(
            "Unhandled exception on %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=exc,
        )
        set_rollback()
        return Response(internal_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    headers = {}
    if auth_header := getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if (wait := getattr(api_exc, "wait", None)) is not None:
        headers["Retry-After"] = str(max(1, int(wait)))

    set_rollback()
    if isinstance(api_exc, exceptions.ValidationError):
        body = error_body(
            "The request has invalid values.",
            ErrorCode.VALIDATION_ERROR,
            errors=_field_errors(api_exc.detail),
        )
        return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY, headers=headers)

    extra = {}
    if field := getattr(api_exc, "field", None):
        extra["errors"] = {field: [str(api_exc.detail)]}
    return Response(
        error_body(str(api_exc.detail), _error_code(api_exc), **extra),
        status=api_exc.status_code,
        headers=headers,
    )


def _as_api_exception(exc: Exception, method: str) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
        # DB_STATEMENT_TIMEOUT_MS: PostgreSQL stopped the statement, and nothing of it was applied.
        logger.warning("Statement timeout on %s: %s", method, exc)
        return ServiceUnavailable("The request took too long and was stopped; retry shortly.", wait=DATABASE_RETRY_AFTER)
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is unreachable, restarting or dropped the connection. Django discards the
        # broken connection at the end of the request, and the next one reconnects. A connection
        # lost after the statement was sent but before its answer came (a pooler restart, a
        # suspended Neon compute) may have applied a write: the answer must not say otherwise.
        logger.warning("Database unavailable: %s", exc)
        if method in SAFE_METHODS:
            return ServiceUnavailable("The database is unavailable; retry shortly.", wait=DATABASE_RETRY_AFTER)
        return ServiceUnavailable(WRITE_MAY_HAVE_APPLIED, wait=DATABASE_RETRY_AFTER)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request is malformed.")
    return None


def _error_code(exc: exceptions.APIException) -> str:
    if code := getattr(exc, "error_code", None):
        return code
    for exc_class, code in _ERROR_CODES:
        if isinstance(exc, exc_class):
            return code
    # An APIException we did not map: keep its status and derive a stable code from it.
    return str(exc.default_code).upper()


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """Normalise DRF's error detail (a dict, a list or a string) to ``{field: [messages]}``."""
    if isinstance(detail, dict):
        return {str(field): _messages(value) for field, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [message for item in value for message in _messages(item)]
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _messages(item)]
    return [str(value)]


# --- Django's own error views, for what never reaches a DRF view -----------------------------------


def _api_or_page(request: HttpRequest, body: dict[str, Any], status: int, page: Callable[[], HttpResponse]) -> HttpResponse:
    return JsonResponse(body, status=status) if request.path.startswith(API_PREFIX) else page()


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = error_body("The request is malformed.", ErrorCode.MALFORMED_REQUEST)
    return _api_or_page(request, body, 400, lambda: defaults.bad_request(request, exception))


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = error_body("Not found.", ErrorCode.RESOURCE_NOT_FOUND)
    return _api_or_page(request, body, 404, lambda: defaults.page_not_found(request, exception))


def handler500(request: HttpRequest) -> HttpResponse:
    return _api_or_page(request, internal_error_body(), 500, lambda: defaults.server_error(request))
