"""The list's query parameters, parsed strictly (no HTTP here)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from tasks.filters import InvalidParameter, ListParams, parse_list_params, query_value


def params(query: str) -> ListParams:
    return parse_list_params(QueryDict(query))


def refused(query: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        params(query)
    return caught.value.detail


def test_no_parameters_is_the_default_list():
    assert params("") == ListParams()


def test_every_parameter_is_read():
    assert params(
        "completed=true&status=pending&search=%20milk%20&ordering=-title&limit=5&cursor=abc&updated_since=2026-11-26T10:00:00Z"
    ) == ListParams(
        completed=True,
        status=False,
        search="milk",
        ordering="-title",
        limit=5,
        cursor="abc",
        updated_since=datetime(2026, 11, 26, 10, tzinfo=timezone.utc),
    )


def test_sort_is_an_alias_that_ordering_overrides():
    assert params("sort=updated").ordering == "-updated_at"
    assert params("sort=updated&ordering=id").ordering == "id"


def test_unknown_parameters_are_ignored():
    assert params("_=1700000000&page=2") == ListParams()


def test_every_bad_parameter_is_reported_at_once():
    errors = refused("completed=yes&limit=0&ordering=--id&status=done&search=" + "x" * 256)
    assert set(errors) == {"completed", "limit", "ordering", "status", "search"}


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1.5", "1e2", "٣", "9" * 10_000])
def test_limit_is_an_integer_from_1_to_100(limit):
    assert set(refused(f"limit={limit}")) == {"limit"}


def test_a_parameter_is_given_once_without_nul():
    assert query_value(QueryDict("since=a"), "since") == "a"
    assert query_value(QueryDict(""), "since") is None
    for query in ("since=a&since=b", "since=a%00"):
        with pytest.raises(InvalidParameter):
            query_value(QueryDict(query), "since")
