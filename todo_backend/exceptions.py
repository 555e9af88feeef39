"""The machine-readable error codes of the API, and the exceptions that carry them.

Every error body on ``/api/`` is ``{"detail": ..., "error_code": ...}``; ``specs/api/errors.md``
documents each code (a test keeps the two in step).
"""

from __future__ import annotations

from enum import StrEnum

from rest_framework import exceptions, status


class ErrorCode(StrEnum):
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    AUTHENTICATION_REQUIRED = "AUTHENTICATION_REQUIRED"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    FORBIDDEN = "FORBIDDEN"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    LENGTH_REQUIRED = "LENGTH_REQUIRED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    # Answered by the HTTP server or the proxy in front, before the app reads the request.
    URI_TOO_LONG = "URI_TOO_LONG"
    HEADERS_TOO_LARGE = "HEADERS_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    TASK_LIMIT_REACHED = "TASK_LIMIT_REACHED"
    SYNC_EXPIRED = "SYNC_EXPIRED"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class InvalidToken(exceptions.AuthenticationFailed):
    """A bearer token was sent but cannot be trusted (garbled, forged, wrong issuer, ...)."""

    error_code = ErrorCode.INVALID_TOKEN
    default_detail = "The access token is invalid."


class TokenExpired(exceptions.AuthenticationFailed):
    """A bearer token that is valid in every respect except that its ``exp`` has passed."""

    error_code = ErrorCode.TOKEN_EXPIRED
    default_detail = "The access token has expired."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    error_code = ErrorCode.PAYLOAD_TOO_LARGE
    default_detail = "The request body is too large."


class ServiceUnavailable(exceptions.APIException):
    """A dependency (the database, Better Auth's key server) is unreachable; retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    error_code = ErrorCode.SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable."

    def __init__(self, detail: str | None = None, *, wait: float = 5) -> None:
        super().__init__(detail)
        self.wait = wait


class PreconditionFailed(exceptions.APIException):
    """``If-Match`` named a version of the task that is no longer its current one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    error_code = ErrorCode.PRECONDITION_FAILED
    default_detail = "The task has changed since the version given in If-Match."


class SyncExpired(exceptions.APIException):
    """A sync point older than the tombstones are kept: the client must sync from scratch."""

    status_code = status.HTTP_410_GONE
    error_code = ErrorCode.SYNC_EXPIRED
    default_detail = "This sync point is older than deleted tasks are remembered; fetch the whole list again."


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    error_code = ErrorCode.IDEMPOTENCY_KEY_REUSED
    default_detail = "This Idempotency-Key was used with a different request body."
    # Like every 422, the body names what was wrong under ``errors``.
    field = "Idempotency-Key"


class TaskLimitReached(exceptions.APIException):
    """The caller already has ``MAX_TASKS_PER_USER`` tasks: a guard against abuse."""

    status_code = status.HTTP_409_CONFLICT
    error_code = ErrorCode.TASK_LIMIT_REACHED
    default_detail = "You have reached the maximum number of tasks; delete some to create more."
