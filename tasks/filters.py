"""The list endpoint's query parameters: parsed strictly, so a typo is a 422 and not ignored.

``completed=true|false``, ``status=all|pending|completed``, ``search=<text>``,
``ordering=[-]created_at|updated_at|title|id`` (or the alias ``sort=created|updated|title``),
``limit=<1..100>`` and ``cursor=<opaque>`` (see ``tasks.pagination``), ``updated_since=<ISO-8601
or X-Sync-Token>`` (see ``tasks.sync``). When both ``ordering`` and
``sort`` are given, ``ordering`` wins. Parameters not listed here are ignored, so cache-busting
parameters that some HTTP clients add do no harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from tasks.models import TITLE_MAX_LENGTH, Task
from tasks.sync import InvalidSyncPoint, parse_sync_point
from todo_backend.text import unstorable_text

ORDERING_FIELDS = ("created_at", "updated_at", "title", "id")
DEFAULT_ORDERING = "-created_at"
SORT_ALIASES = {"created": "-created_at", "updated": "-updated_at", "title": "title"}
STATUS_VALUES = {"all": None, "pending": False, "completed": True}
BOOLEAN_VALUES = {"true": True, "false": False}
MAX_LIMIT = 100
MAX_SEARCH_LENGTH = TITLE_MAX_LENGTH

LIST_PARAMETERS = ("completed", "status", "search", "ordering", "sort", "limit", "cursor", "updated_since")


@dataclass(frozen=True)
class ListParams:
    completed: bool | None = None
    status: bool | None = None
    search: str = ""
    ordering: str = DEFAULT_ORDERING
    limit: int | None = None
    cursor: str | None = None
    updated_since: datetime | None = None

    @property
    def order_by(self) -> tuple[str, str]:
        """The ordering with ``id`` as tie-breaker in the same direction: a total order for cursors."""
        if self.ordering.lstrip("-") == "id":
            return (self.ordering,)
        return (self.ordering, "-id" if self.ordering.startswith("-") else "id")


class InvalidParameter(ValueError):
    pass


def query_value(query: QueryDict, name: str) -> str | None:
    """The value of query parameter ``name``, or None when it is absent.

    Raises ``InvalidParameter`` when it was given more than once (which one would count?) or holds
    a NUL (which no value we compare with can hold, and PostgreSQL cannot take).
    """
    given = query.getlist(name)
    if len(given) > 1:
        raise InvalidParameter("Give this parameter at most once.")
    if given and (problem := unstorable_text(given[0])):
        raise InvalidParameter(problem)
    return given[0] if given else None


def parse_list_params(query: QueryDict) -> ListParams:
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in LIST_PARAMETERS:
        try:
            value = query_value(query, name)
        except InvalidParameter as exc:
            errors[name] = [str(exc)]
            continue
        if value is not None:
            values[name] = value

    params: dict[str, object] = {}
    if "completed" in values:
        params["completed"] = _choice(values["completed"], BOOLEAN_VALUES, "completed", errors)
    if "status" in values:
        params["status"] = _choice(values["status"], STATUS_VALUES, "status", errors)
    if "search" in values:
        search = values["search"].strip()
        if len(search) > MAX_SEARCH_LENGTH:
            errors["search"] = [f"Ensure this value has at most {MAX_SEARCH_LENGTH} characters."]
        params["search"] = search
    if "sort" in values:
        params["ordering"] = _choice(values["sort"], SORT_ALIASES, "sort", errors)
    if "ordering" in values:  # the canonical parameter wins over its alias
        params["ordering"] = _ordering(values["ordering"], errors)
    if "limit" in values:
        params["limit"] = _limit(values["limit"], errors)
    if "cursor" in values:
        params["cursor"] = values["cursor"]
    if "updated_since" in values:
        try:
            params["updated_since"] = parse_sync_point(values["updated_since"])
        except InvalidSyncPoint as exc:
            errors["updated_since"] = [str(exc)]

    if errors:
        raise ValidationError(errors)
    return ListParams(**params)


def filter_tasks(queryset: QuerySet[Task], params: ListParams) -> QuerySet[Task]:
    """Apply the filters and the ordering (not the page)."""
    if params.completed is not None:
        queryset = queryset.filter(completed=params.completed)
    if params.status is not None:
        queryset = queryset.filter(completed=params.status)
    if params.search:
        queryset = queryset.filter(
            Q(title__icontains=params.search) | Q(description__icontains=params.search)
        )
    if params.updated_since is not None:
        # Inclusive: a client de-duplicates by id (tasks.sync).
        queryset = queryset.filter(updated_at__gte=params.updated_since)
    return queryset.order_by(*params.order_by)


def _choice(value: str, choices: dict, name: str, errors: dict[str, list[str]]):
    if value not in choices:
        allowed = ", ".join(choices)
        errors[name] = [f"{value!r} is not one of: {allowed}."]
        return None
    return choices[value]


def _ordering(value: str, errors: dict[str, list[str]]) -> str | None:
    if value.lstrip("-") not in ORDERING_FIELDS or value.startswith("--"):
        allowed = ", ".join(ORDERING_FIELDS)
        errors["ordering"] = [f"{value!r} is not one of: {allowed} (each optionally prefixed with -)."]
        return None
    return value


def _limit(value: str, errors: dict[str, list[str]]) -> int | None:
    # The length check comes first: int() of a 10,000-digit string raises instead of parsing.
    if not (len(value) <= 3 and value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LIMIT:
        errors["limit"] = [f"Must be an integer from 1 to {MAX_LIMIT}."]
        return None
    return int(value)
