"""How the task API describes itself in OpenAPI: what the views and serializers cannot say alone
(query parameters, conditional and idempotency headers, each action's statuses and headers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from tasks import idempotency
from tasks.filters import BOOLEAN_VALUES, MAX_LIMIT, MAX_SEARCH_LENGTH, ORDERING_FIELDS, SORT_ALIASES, STATUS_VALUES
from tasks.serializers import CompleteSerializer, TaskSerializer
from todo_backend.openapi import VALIDATION_ERROR, ValidationErrorSerializer, api_responses, error_response, response_header

SYNC_POINT = "An ISO-8601 timestamp with an offset (`2026-11-26T10:00:00Z`) or an `X-Sync-Token`."

ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The task id (a positive integer).")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER,
    description="An `ETag` this client has: when it is still current, the answer is 304 with no body.",
)
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER,
    description="The task's `ETag` as this client last saw it: if the task changed since, nothing is "
    "written and the answer is 412 (checked inside the write itself). `*`: any version.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH, "pattern": f"^{idempotency.KEY_CHARACTERS}+$"},
    OpenApiParameter.HEADER,
    description="A key unique to this create (e.g. a UUID): a retry with the same key and body gets the "
    "first answer again instead of a second task; the same key with another body is 422. "
    f"Kept {settings.IDEMPOTENCY_KEY_TTL_HOURS} hours.",
)

LIST_PARAMETERS = [
    OpenApiParameter("completed", str, enum=list(BOOLEAN_VALUES), description="Only completed (`true`) or pending (`false`) tasks."),
    OpenApiParameter("status", str, enum=list(STATUS_VALUES), description="`all`, `pending` or `completed`."),
    OpenApiParameter(
        "search", {"type": "string", "maxLength": MAX_SEARCH_LENGTH}, description="Case-insensitive text in the title or description."
    ),
    OpenApiParameter(
        "ordering", str, enum=[prefix + field for field in ORDERING_FIELDS for prefix in ("", "-")],
        description="Sort order (`-` for descending); default `-created_at`. Ties are broken by id.",
    ),
    OpenApiParameter(
        "sort", str, enum=list(SORT_ALIASES),
        description="Alias of `ordering`: `created` (newest first), `updated` (latest change first), `title`. "
        "`ordering` wins when both are given.",
    ),
    OpenApiParameter(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"Page size, 1 to {MAX_LIMIT}. Without it, every task is returned.",
    ),
    OpenApiParameter(
        "cursor", {"type": "string", "minLength": 1},
        description="The position to continue from, taken from the `Link` header of the previous page "
        "(opaque; made for one `ordering`). Without `limit`, every task after it is returned.",
    ),
    OpenApiParameter(
        "updated_since", {"type": "string", "minLength": 1},
        description=f"Only tasks created or changed at or after this moment. {SYNC_POINT}",
    ),
    IF_NONE_MATCH,
]


class TombstoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The id the deleted task had.")
    deleted_at = serializers.DateTimeField()


# --- statuses and headers of each action ---------------------------------------------------------

NOT_MODIFIED = OpenApiResponse(description="Not modified: the `If-None-Match` ETag is still current; no body.")
NOT_FOUND = error_response("`RESOURCE_NOT_FOUND`: no such task for this user (another user's task included).")
PRECONDITION_FAILED = error_response("`PRECONDITION_FAILED`: the task changed since the `If-Match` ETag; nothing was written.")
SYNC_EXPIRED = error_response("`SYNC_EXPIRED`: older than deleted tasks are kept; fetch the whole list again.")
TASK_LIMIT = error_response("`TASK_LIMIT_REACHED`: the user already has `MAX_TASKS_PER_USER` tasks; nothing was stored.")
PATH_USER_IS_NOT_CALLER = error_response("`FORBIDDEN`: the path's user id is not the token's user.")
CREATE_REFUSED = error_response(
    "`VALIDATION_ERROR` (see `errors`), or `IDEMPOTENCY_KEY_REUSED`: the key came with another body.",
    ValidationErrorSerializer,
)

ETAG = "The version of this task (or of this list of tasks): send it back in If-None-Match or If-Match."
SYNC_TOKEN = "An opaque sync point: `updated_since=<token>` and `tasks/deleted?since=<token>` return what changed since this answer."


def _action_schemas(path_family: bool) -> dict[str, dict[str, Any]]:
    """Each action's summary, parameters and responses, for one route family."""
    family = {403: PATH_USER_IS_NOT_CALLER} if path_family else {}

    def responses(own: dict[int, Any], *, takes_body: bool = False) -> dict[int, Any]:
        return api_responses({**own, **family}, takes_body=takes_body)

    def written(summary: str, **extra: Any) -> dict[str, Any]:
        return {
            "summary": summary,
            "parameters": [ID, IF_MATCH, response_header("ETag", ETAG, 200)],
            "responses": responses(
                {200: TaskSerializer, 404: NOT_FOUND, 412: PRECONDITION_FAILED, 422: VALIDATION_ERROR}, takes_body=True
            ),
            **extra,
        }

    return {
        "list": {
            "summary": "List your tasks",
            "parameters": [
                *LIST_PARAMETERS,
                response_header("ETag", ETAG, 200, 304),
                response_header("Link", 'With `limit`, when more tasks follow: `<next page URL>; rel="next"`.', 200, 304),
                response_header("X-Sync-Token", SYNC_TOKEN, 200, 304),
            ],
            "responses": responses({200: TaskSerializer(many=True), 304: NOT_MODIFIED, 422: VALIDATION_ERROR}),
        },
        "create": {
            "summary": "Create a task",
            "parameters": [
                IDEMPOTENCY_KEY,
                response_header("Location", "The absolute URL of the new task.", 201),
                response_header("ETag", ETAG, 201),
                response_header(idempotency.REPLAYED_HEADER, "`true` when this is the stored answer to an earlier "
                                "request with the same Idempotency-Key.", 201),
            ],
            "responses": responses({201: TaskSerializer, 409: TASK_LIMIT, 422: CREATE_REFUSED}, takes_body=True),
        },
        "retrieve": {
            "summary": "Get a task",
            "parameters": [ID, IF_NONE_MATCH, response_header("ETag", ETAG, 200, 304)],
            "responses": responses({200: TaskSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND}),
        },
        "update": written("Replace a task (omitted optional fields keep their values)"),
        "partial_update": written("Update some fields of a task"),
        "destroy": {
            "summary": "Delete a task",
            "parameters": [ID, IF_MATCH],
            "responses": responses({204: None, 404: NOT_FOUND, 412: PRECONDITION_FAILED}),
        },
        "complete": written(
            "Set or toggle completion",
            description='`{"completed": true|false}` sets the flag; an empty body or `{}` toggles it.',
            request=CompleteSerializer,
        ),
        "deleted": {
            "summary": "List the tasks you deleted",
            "description": "For incremental sync: the ids of tasks deleted at or after `since` (inclusive; "
            "de-duplicate by id). A `since` older than deleted tasks are kept is 410.",
            "parameters": [
                OpenApiParameter("since", {"type": "string", "minLength": 1}, description=SYNC_POINT),
                response_header("X-Sync-Token", SYNC_TOKEN, 200),
            ],
            "responses": responses({200: TombstoneSerializer(many=True), 410: SYNC_EXPIRED, 422: VALIDATION_ERROR}),
        },
    }


def task_api_schema(*, path_family: bool):
    """The OpenAPI description of a task viewset: ``/api/tasks...`` or the path style."""
    prefix, tag = ("user_tasks", "tasks (path style)") if path_family else ("tasks", "tasks")
    return extend_schema_view(
        **{
            action: extend_schema(operation_id=f"{prefix}_{action}", tags=[tag], **schema)
            for action, schema in _action_schemas(path_family).items()
        }
    )
