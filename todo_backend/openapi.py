"""How the API describes itself in OpenAPI 3 (drf-spectacular).

The schema is generated from the real views and serializers; this module adds what they cannot
say by themselves: the bearer scheme, the error bodies each operation can answer with (from the
contract in specs/api/errors.md), the response headers, one canonical path per route (no trailing
slash) and operation ids that tell the two route families apart.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from todo_backend.errors import ErrorCode

USER_PATH_PARAMETER = "{user_id}"


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


def _error(description: str, serializer: type[serializers.Serializer] = ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


ERRORS = {
    "304": OpenApiResponse(description="Not modified: the `If-None-Match` ETag is still current; no body."),
    "410": _error("`SYNC_EXPIRED`: older than deleted tasks are kept; fetch the whole list again."),
    "412": _error("`PRECONDITION_FAILED`: the task changed since the `If-Match` ETag; nothing was written."),
    "400": _error("`MALFORMED_REQUEST`: the body is not valid JSON."),
    "401": _error("`AUTHENTICATION_REQUIRED`, `INVALID_TOKEN` or `TOKEN_EXPIRED`."),
    "403": _error("`FORBIDDEN`: the path's user id is not the token's user."),
    "404": _error("`RESOURCE_NOT_FOUND`: no such task for this user (another user's task included)."),
    "413": _error("`PAYLOAD_TOO_LARGE`: the body is over 1 MiB."),
    "415": _error("`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`."),
    "422": _error(
        "`VALIDATION_ERROR` (see `errors`), or, on create, `IDEMPOTENCY_KEY_REUSED`: the key came with another body.",
        ValidationErrorSerializer,
    ),
    "429": _error("`RATE_LIMITED`: too many requests; retry after `Retry-After` seconds."),
    "500": _error("`INTERNAL_ERROR`: logged under `request_id`."),
    "503": _error("`SERVICE_UNAVAILABLE`: a dependency is unreachable; retry after `Retry-After` seconds."),
}
SUCCESS_STATUS = {"POST": "201"}


class BetterAuthJWTScheme(OpenApiAuthenticationExtension):
    target_class = "tasks.authentication.BetterAuthJWTAuthentication"
    name = "BetterAuthJWT"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer", bearer_format="JWT"
        )
        scheme["description"] = (
            "A Better Auth JWT: from its jwt() plugin (verified through its JWKS) or an HS256 token "
            "signed with BETTER_AUTH_SECRET. For development: `python manage.py mint_token <user_id>`."
        )
        return scheme


class TodoAutoSchema(AutoSchema):
    """Adds the contract's error responses to every authenticated operation."""

    def get_description(self) -> str:
        # Docstrings are written for maintainers; public descriptions come from extend_schema.
        return ""

    def get_operation_id(self) -> str:
        action = getattr(self.view, "action", None)
        if action is None:
            return super().get_operation_id()
        return f"user_tasks_{action}" if self.is_path_family else f"tasks_{action}"

    def get_tags(self) -> list[str]:
        if getattr(self.view, "action", None) is None:
            return super().get_tags()
        return ["tasks (path style)"] if self.is_path_family else ["tasks"]

    @property
    def is_path_family(self) -> bool:
        return USER_PATH_PARAMETER in self.path

    def get_response_serializers(self) -> Any:
        responses = super().get_response_serializers()
        if not self.get_auth():
            return responses
        if not isinstance(responses, dict):
            # A delete answers 204 with no body, whatever the view's serializer.
            responses = {"204": None} if self.method == "DELETE" else {SUCCESS_STATUS.get(self.method, "200"): responses}
        codes = ["401", "429", "500", "503"]
        if self.is_path_family:
            codes.append("403")
        if "{id}" in self.path:
            codes.append("404")
            codes.append("304" if self.method == "GET" else "412")
        elif self.method == "GET" and self.path.endswith("/tasks"):
            codes.append("304")
        if self.path.endswith("/deleted"):
            codes += ["410", "422"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "413", "415", "422"]
        if self.method == "GET" and self.path.endswith("/tasks"):
            codes.append("422")  # list query parameters
        return {**responses, **{code: ERRORS[code] for code in sorted(set(codes)) if code not in responses}}


def canonical_paths(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """One path per route, written without the trailing slash it may also be called with."""
    return [
        (path.rstrip("/") or "/", path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
    ]


_HEADERS = {
    "Location": "The absolute URL of the new task.",
    "Link": 'With `limit`, when more tasks follow: `<next page URL>; rel="next"`.',
    "WWW-Authenticate": 'RFC 6750: `Bearer realm="api"`, with `error="invalid_token"` when a token was sent.',
    "Retry-After": "Seconds to wait before retrying.",
    "X-Request-ID": "The id of this request in the server's logs (the client's own, when it sent a valid one).",
    "ETag": "The version of this task (or of this list of tasks): send it back in If-None-Match or If-Match.",
    "X-Sync-Token": "An opaque sync point: `updated_since=<token>` and `tasks/deleted?since=<token>` return what changed since this answer.",
    "Idempotent-Replayed": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
}


def document_response_headers(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: the headers the contract promises, on the responses that carry them."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                names = ["X-Request-ID"]
                if status == "201":
                    names += ["Location", "ETag", "Idempotent-Replayed"]
                if status in ("200", "304") and method == "get" and path.endswith("/tasks"):
                    names += ["Link", "X-Sync-Token"]
                if status == "200" and path.endswith("/deleted"):
                    names.append("X-Sync-Token")
                if status in ("200", "304") and "/tasks" in path and not path.endswith("/deleted"):
                    names.append("ETag")
                if status == "401":
                    names.append("WWW-Authenticate")
                if status in ("429", "503"):
                    names.append("Retry-After")
                headers = response.setdefault("headers", {})
                for name in names:
                    headers[name] = {"description": _HEADERS[name], "schema": {"type": "string"}}
    return result

