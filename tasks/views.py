from __future__ import annotations

import re
from datetime import datetime
from typing import NoReturn

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tasks import idempotency, queries
from tasks.etags import list_etag, none_match, parse_if_match, task_etag
from tasks.filters import InvalidParameter, filter_tasks, parse_list_params, query_value
from tasks.models import Task, is_task_id
from tasks.pagination import next_link, paginate
from tasks.permissions import PathUserIsCaller
from tasks.schema import task_api_schema
from tasks.serializers import CompleteSerializer, TaskSerializer
from tasks.sync import InvalidSyncPoint, parse_sync_point, sync_token, tombstones_kept_since
from todo_backend.exceptions import PreconditionFailed, SyncExpired, TaskLimitReached
from todo_backend.lifecycle import FreeResponseOnClose
from todo_backend.throttling import ThrottleRefusedCredentials

# Canonical positive decimal: "007", "-1", "1e3" and "٣" are not task ids.
_TASK_ID = re.compile(r"[1-9][0-9]{0,18}")


def parse_task_id(raw: str) -> int | None:
    task_id = int(raw) if _TASK_ID.fullmatch(raw) else None
    return task_id if is_task_id(task_id) else None


# The view's maintainer notes: ``get_queryset`` returns ``queries.owned_tasks``, the one scope of
# every read and write, so another user's task is indistinguishable from a missing one (404). Each
# action is one SQL statement (``tasks.queries``); the serializer only validates bodies.
@task_api_schema(path_family=False)
class TaskViewSet(ThrottleRefusedCredentials, FreeResponseOnClose, viewsets.GenericViewSet):
    """Your tasks: ``/api/tasks``."""

    serializer_class = TaskSerializer
    permission_classes = [IsAuthenticated]
    # OPTIONS is not part of the API (CORS preflights are answered by the CORS middleware before
    # any view): 405, rather than DRF's description of the serializer.
    metadata_class = None
    # Any path segment reaches the view, so "abc" or an out-of-range id is a 404 from task_queryset
    # after authentication, like every other id that is not the caller's.
    lookup_value_regex = r"[^/]+"

    @property
    def allowed_methods(self) -> list[str]:
        # What ``Allow`` lists: OPTIONS is answered 405 (above), so it is not one of them.
        return [method for method in super().allowed_methods if method != "OPTIONS"]

    def get_queryset(self) -> QuerySet[Task]:
        """The caller's tasks: the live ones, or, for ``tasks/deleted``, their tombstones."""
        return queries.owned_tasks(self.request.user.id, deleted=self.action == "deleted")

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

    # --- reads ------------------------------------------------------------------------------------

    def list(self, request: Request, *args, **kwargs) -> Response:
        params = parse_list_params(request.query_params)
        read_at = timezone.now()
        if params == queries.DEFAULT_LIST:
            rows, cursor = queries.NEWEST_FIRST.fetch(request.user.id), None
        else:
            rows, cursor = paginate(filter_tasks(self.get_queryset(), params), params)
        headers = {"ETag": list_etag(rows), "X-Sync-Token": sync_token(read_at)}
        if cursor:
            headers["Link"] = next_link(request, cursor)
        return self._conditional_get([queries.public(row) for row in rows], headers)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        rows = queries.ONE_TASK.fetch(request.user.id, self.task_id())
        if not rows:
            raise NotFound()
        return self._conditional_get(queries.public(rows[0]), {"ETag": task_etag(rows[0])})

    @action(detail=False, methods=["get"], url_path="deleted")
    def deleted(self, request: Request, *args, **kwargs) -> Response:
        """Tasks deleted at or after ``since`` (an ISO-8601 instant or an ``X-Sync-Token``)."""
        read_at = timezone.now()
        since = self._since(request.query_params)
        rows = queries.tombstones(self.get_queryset(), since)
        return Response(rows, headers={"X-Sync-Token": sync_token(read_at)})

    def _conditional_get(self, data, headers: dict[str, str]) -> Response:
        # META, not request.headers: building that mapping of every header costs more than the check.
        if none_match(self.request.META.get("HTTP_IF_NONE_MATCH"), headers["ETag"]):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)

    @staticmethod
    def _since(query) -> datetime | None:
        try:
            value = query_value(query, "since")
            since = None if value is None else parse_sync_point(value)
        except (InvalidParameter, InvalidSyncPoint) as exc:
            raise ValidationError({"since": [str(exc)]}) from None
        if since is not None and since < tombstones_kept_since():
            raise SyncExpired()
        return since

    # --- writes -----------------------------------------------------------------------------------

    def create(self, request: Request, *args, **kwargs) -> HttpResponse:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)

        def create_task() -> idempotency.Answer:
            row = queries.create_task(request.user.id, body.validated_data, limit=settings.MAX_TASKS_PER_USER)
            if row is None:
                raise TaskLimitReached()
            headers = {"Location": self._task_url(row["id"]), "ETag": task_etag(row)}
            return idempotency.Answer(status.HTTP_201_CREATED, queries.public(row), headers)

        key = idempotency.key_of(request)
        if key is None:
            answer = create_task()
            return Response(answer.body, status=answer.status, headers=answer.headers)
        # A replay is the stored answer, byte for byte (and so is the first answer).
        answer, replayed = idempotency.once(request.user.id, key, request.data, create_task)
        headers = {**answer.headers, **({idempotency.REPLAYED_HEADER: "true"} if replayed else {})}
        return HttpResponse(answer.body, status=answer.status, content_type="application/json", headers=headers)

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        """PUT needs a title; with both PUT and PATCH an omitted field keeps its value."""
        tasks = self._matching_if_match()
        body = self.get_serializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        return self._written(queries.update_returning(tasks, **body.validated_data))

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @action(detail=True, methods=["patch"])
    def complete(self, request: Request, *args, **kwargs) -> Response:
        """``{"completed": bool}`` sets the flag; an empty body or ``{}`` toggles it."""
        tasks = self._matching_if_match()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._written(queries.set_completed(tasks, body.validated_data.get("completed")))

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        if not queries.delete(self._matching_if_match()):
            self._refuse_write()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _matching_if_match(self) -> QuerySet[Task]:
        """The task named in the URL, narrowed to the versions ``If-Match`` allows: the write's own
        WHERE clause checks the precondition, so no other write can slip in between."""
        tasks = self.task_queryset()
        condition = parse_if_match(self.request.META.get("HTTP_IF_MATCH"), self.task_id())
        if condition is None or condition.any_version:
            return tasks
        return tasks.filter(version__in=condition.versions)

    def _written(self, row: dict | None) -> Response:
        if row is None:
            self._refuse_write()
        return Response(queries.public(row), headers={"ETag": task_etag(row)})

    def _refuse_write(self) -> NoReturn:
        """Nothing was written: 412 if the caller's task exists (its version did not match), else
        404. Another user's task is never "existing" here, so a 412 reveals nothing."""
        if "HTTP_IF_MATCH" in self.request.META and self.task_queryset().exists():
            raise PreconditionFailed()
        raise NotFound()

    def _task_url(self, task_id: int) -> str:
        namespace = self.request.resolver_match.namespace
        kwargs = {**self.kwargs, self.lookup_field: task_id}
        return self.request.build_absolute_uri(reverse(f"{namespace}:task-detail", kwargs=kwargs))


@task_api_schema(path_family=True)
class UserTaskViewSet(TaskViewSet):
    """Your tasks, in the path style many frontends use: ``/api/{user_id}/tasks``."""

    permission_classes = [IsAuthenticated, PathUserIsCaller]
