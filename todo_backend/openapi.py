"""How the API describes itself in OpenAPI 3 (drf-spectacular): the parts every view shares.

The schema is generated from the real views and serializers. Each view declares its own
statuses and headers beside it (``tasks/schema.py``); this module holds what is the same for all
of them: the error bodies, the errors any authenticated request or any request body can meet
(``api_responses``), the headers every response carries, and one canonical path per route.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from todo_backend.exceptions import ErrorCode


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="A human-readable message.")
    error_code = serializers.ChoiceField(choices=[code.value for code in ErrorCode])
    request_id = serializers.CharField(
        required=False, help_text="On 500 only: the id under which the error was logged."
    )


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field or query parameter; `non_field_errors` for the body as a whole.",
    )


def error_response(description: str, serializer: type[serializers.Serializer] = ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


# What any authenticated request can be answered, whatever the view.
AUTHENTICATED_ERRORS = {
    401: error_response("`AUTHENTICATION_REQUIRED`, `INVALID_TOKEN` or `TOKEN_EXPIRED`."),
    429: error_response("`RATE_LIMITED`: too many requests; retry after `Retry-After` seconds."),
    500: error_response("`INTERNAL_ERROR`: logged under `request_id`."),
    503: error_response(
        "`SERVICE_UNAVAILABLE`: a dependency is unreachable, or a statement took too long; retry after "
        "`Retry-After` seconds. For a write, the detail says whether it may have been applied."
    ),
}
# What any request with a JSON body can be answered, before the view sees it.
BODY_ERRORS = {
    400: error_response("`MALFORMED_REQUEST`: the body is not valid JSON."),
    411: error_response("`LENGTH_REQUIRED`: a chunked body, to a server that cannot read one."),
    413: error_response(f"`PAYLOAD_TOO_LARGE`: the body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."),
    415: error_response("`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json` (wildcards are not)."),
}
VALIDATION_ERROR = error_response("`VALIDATION_ERROR`: see `errors`.", ValidationErrorSerializer)


def api_responses(responses: dict[int, Any], *, takes_body: bool = False) -> dict[int, Any]:
    """An authenticated operation's responses: its own, and the errors it shares with every other."""
    shared = {**AUTHENTICATED_ERRORS, **(BODY_ERRORS if takes_body else {})}
    return dict(sorted({**shared, **responses}.items()))


def response_header(name: str, description: str, *statuses: int) -> OpenApiParameter:
    """A header the operation's answers with these statuses carry (with none given: every answer)."""
    return OpenApiParameter(name, str, OpenApiParameter.HEADER, description=description, response=list(statuses) or True)


# Set on every response by the middleware and the exception handler.
SHARED_RESPONSE_HEADERS = [
    response_header("X-Request-ID", "The id of this request in the server's logs (the client's own, when it sent a valid one)."),
    response_header(
        "WWW-Authenticate", 'RFC 6750: `Bearer realm="api"`, with `error="invalid_token"` when a token was sent.', 401
    ),
    response_header("Retry-After", "Seconds to wait before retrying.", 429, 503),
]


class TodoAutoSchema(AutoSchema):
    """Every operation documents the headers all responses share."""

    def get_description(self) -> str:
        # Docstrings are written for maintainers; public descriptions come from extend_schema.
        return ""

    def get_override_parameters(self) -> list:
        return [*SHARED_RESPONSE_HEADERS, *super().get_override_parameters()]


def canonical_paths(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """One path per route, written without the trailing slash it may also be called with."""
    return [
        (path.rstrip("/") or "/", path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
    ]
