from __future__ import annotations

import re

from django.db.models import Case, QuerySet, Value, When
from django.urls import reverse
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from tasks.filters import (
    BOOLEAN_VALUES,
    MAX_LIMIT,
    MAX_SEARCH_LENGTH,
    ORDERING_FIELDS,
    SORT_ALIASES,
    STATUS_VALUES,
    ListParams,
    filter_tasks,
    parse_list_params,
)
from tasks.models import Task
from tasks import queries
from tasks.pagination import next_link, paginate
from tasks.permissions import PathUserIsCaller
from tasks.serializers import CompleteSerializer, TaskSerializer
from todo_backend.lifecycle import FreeResponseOnClose

# Canonical positive decimal within bigint range: "007", "-1", "1e3" and "٣" are not task ids.
_TASK_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_TASK_ID = 2**63 - 1


def parse_task_id(raw: str) -> int | None:
    if not _TASK_ID.fullmatch(raw):
        return None
    task_id = int(raw)
    return task_id if task_id <= MAX_TASK_ID else None


_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The task id (a positive integer).")
_LIST_PARAMETERS = [
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
        description="Alias of `ordering`: `created` (newest first), `updated` (latest change first), `title`. `ordering` wins when both are given.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"Page size, 1 to {MAX_LIMIT}. Without it, every task is returned.",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "minLength": 1},
        description=(
            "The position to continue from, taken from the `Link` header of the previous page "
            "(opaque; made for one `ordering`). Without `limit`, every task after it is returned."
        ),
    ),
]


@extend_schema_view(
    list=extend_schema(summary="List your tasks", parameters=_LIST_PARAMETERS),
    create=extend_schema(summary="Create a task"),
    retrieve=extend_schema(summary="Get a task", parameters=[_ID]),
    update=extend_schema(summary="Replace a task (omitted optional fields keep their values)", parameters=[_ID]),
    partial_update=extend_schema(summary="Update some fields of a task", parameters=[_ID]),
    destroy=extend_schema(summary="Delete a task", parameters=[_ID]),
    complete=extend_schema(
        summary="Set or toggle completion",
        description='`{"completed": true|false}` sets the flag; an empty body or `{}` toggles it.',
        parameters=[_ID],
        request=CompleteSerializer,
    ),
)
class TaskViewSet(FreeResponseOnClose, viewsets.GenericViewSet):
    """The task API, mounted twice: ``/api/tasks`` and ``/api/{user_id}/tasks``.

    ``get_queryset`` is the only place that decides which rows the caller may touch; every action
    reads or writes through it, so another user's task is indistinguishable from a missing one (404).
    Each action is one SQL statement (``tasks.queries``); the serializer only validates bodies.
    """

    serializer_class = TaskSerializer
    permission_classes = [IsAuthenticated, PathUserIsCaller]
    # OPTIONS is not part of the API (CORS preflights are answered by the CORS middleware before
    # any view): 405, rather than DRF's description of the serializer.
    metadata_class = None
    # Any path segment reaches the view, so "abc" or an out-of-range id is a 404 from task_queryset
    # after authentication, like every other id that is not the caller's.
    lookup_value_regex = r"[^/]+"

    def get_queryset(self) -> QuerySet[Task]:
        return Task.objects.filter(user_id=self.request.user_id)

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # One user's tasks: no browser or shared cache may keep a copy.
        response["Cache-Control"] = "no-store"
        return response

    def task_id(self) -> int:
        """The task id in the URL; anything that cannot be one is answered 404."""
        task_id = parse_task_id(self.kwargs[self.lookup_field])
        if task_id is None:
            raise NotFound()
        return task_id

    def task_queryset(self) -> QuerySet[Task]:
        """The caller's task named in the URL, as a queryset (empty when it is not theirs)."""
        return self.get_queryset().filter(pk=self.task_id())

    def get_object(self) -> Task:
        """For DRF's own machinery (the browsable API's forms): the caller's task, or 404."""
        task = self.task_queryset().first()
        if task is None:
            raise NotFound()
        return task

    def list(self, request: Request, *args, **kwargs) -> Response:
        params = parse_list_params(request.query_params)
        if params == DEFAULT_LIST:
            return Response(NEWEST_FIRST.fetch(self))
        tasks, cursor = paginate(filter_tasks(self.get_queryset(), params), params)
        headers = {"Link": next_link(request, cursor)} if cursor else None
        return Response(tasks, headers=headers)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        task_id = self.task_id()
        return Response(found(next(iter(ONE_TASK.fetch(self, task_id)), None)))

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = Task.objects.create(user_id=request.user_id, **body.validated_data)
        return Response(
            queries.task_dict(task),
            status=status.HTTP_201_CREATED,
            headers={"Location": self._task_url(task.pk)},
        )

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        """PUT needs a title; with both PUT and PATCH an omitted field keeps its value."""
        tasks = self.task_queryset()
        body = self.get_serializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        return Response(found(queries.update_returning(tasks, **body.validated_data)))

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        if not queries.delete(self.task_queryset()):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["patch"])
    def complete(self, request: Request, *args, **kwargs) -> Response:
        """``{"completed": bool}`` sets the flag; an empty body or ``{}`` toggles it.

        The flip happens inside the UPDATE, so concurrent toggles never read a stale value.
        """
        tasks = self.task_queryset()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "completed" in body.validated_data:
            new_value = Value(body.validated_data["completed"])
        else:
            new_value = Case(When(completed=True, then=Value(False)), default=Value(True))
        return Response(found(queries.update_returning(tasks, completed=new_value)))

    def _task_url(self, task_id: int) -> str:
        namespace = self.request.resolver_match.namespace
        kwargs = {**self.kwargs, self.lookup_field: task_id}
        return self.request.build_absolute_uri(reverse(f"{namespace}:task-detail", kwargs=kwargs))


# The two hottest reads, compiled once per process (tasks.queries.CompiledRead).
DEFAULT_LIST = ListParams()
NEWEST_FIRST = queries.CompiledRead(lambda tasks, _task_id: filter_tasks(tasks, DEFAULT_LIST))
ONE_TASK = queries.CompiledRead(lambda tasks, task_id: tasks.filter(pk=task_id)[:1])


def found(task: dict | None) -> dict:
    if task is None:
        raise NotFound()
    return task
