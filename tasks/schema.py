"""How the task API describes itself in OpenAPI: what the views and serializers cannot say alone
(query parameters, conditional and idempotency headers, the tombstone list)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from tasks.filters import BOOLEAN_VALUES, MAX_LIMIT, MAX_SEARCH_LENGTH, ORDERING_FIELDS, SORT_ALIASES, STATUS_VALUES
from tasks.serializers import CompleteSerializer

SYNC_POINT = "An ISO-8601 timestamp with an offset (`2026-11-26T10:00:00Z`) or an `X-Sync-Token`."

ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The task id (a positive integer).")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="An `ETag` this client has: when it is still current, the answer is 304 with no body.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The task's `ETag` as this client last saw it: if the task changed since, nothing is "
    "written and the answer is 412 (checked inside the write itself). `*`: any version.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    OpenApiParameter.HEADER,
    description="A key unique to this create (e.g. a UUID): a retry with the same key and body gets the "
    "first answer again instead of a second task; the same key with another body is 422. Kept 24 hours.",
)

LIST_PARAMETERS = [
    OpenApiParameter("completed", str, enum=list(BOOLEAN_VALUES), description="Only completed (`true`) or pending (`false`) tasks."),
    OpenApiParameter("status", str, enum=list(STATUS_VALUES), description="`all`, `pending` or `completed`."),
    OpenApiParameter(
        "search",
        {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
        description="Case-insensitive text in the title or description.",
    ),
    OpenApiParameter(
        "ordering",
        str,
        enum=[prefix + field for field in ORDERING_FIELDS for prefix in ("", "-")],
        description="Sort order (`-` for descending); default `-created_at`. Ties are broken by id.",
    ),
    OpenApiParameter(
        "sort",
        str,
        enum=list(SORT_ALIASES),
        description="Alias of `ordering`: `created` (newest first), `updated` (latest change first), `title`. "
        "`ordering` wins when both are given.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"Page size, 1 to {MAX_LIMIT}. Without it, every task is returned.",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "minLength": 1},
        description="The position to continue from, taken from the `Link` header of the previous page "
        "(opaque; made for one `ordering`). Without `limit`, every task after it is returned.",
    ),
    OpenApiParameter(
        "updated_since",
        {"type": "string", "minLength": 1},
        description=f"Only tasks created or changed at or after this moment. {SYNC_POINT}",
    ),
    IF_NONE_MATCH,
]


class TombstoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The id the deleted task had.")
    deleted_at = serializers.DateTimeField()


task_api_schema = extend_schema_view(
    list=extend_schema(summary="List your tasks", parameters=LIST_PARAMETERS),
    create=extend_schema(summary="Create a task", parameters=[IDEMPOTENCY_KEY]),
    retrieve=extend_schema(summary="Get a task", parameters=[ID, IF_NONE_MATCH]),
    update=extend_schema(summary="Replace a task (omitted optional fields keep their values)", parameters=[ID, IF_MATCH]),
    partial_update=extend_schema(summary="Update some fields of a task", parameters=[ID, IF_MATCH]),
    destroy=extend_schema(summary="Delete a task", parameters=[ID, IF_MATCH]),
    complete=extend_schema(
        summary="Set or toggle completion",
        description='`{"completed": true|false}` sets the flag; an empty body or `{}` toggles it.',
        parameters=[ID, IF_MATCH],
        request=CompleteSerializer,
    ),
    deleted=extend_schema(
        summary="List the tasks you deleted",
        description="For incremental sync: the ids of tasks deleted at or after `since` (inclusive; "
        "de-duplicate by id). A `since` older than deleted tasks are kept is 410.",
        parameters=[OpenApiParameter("since", {"type": "string", "minLength": 1}, description=SYNC_POINT)],
    ),
)
