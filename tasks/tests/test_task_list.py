"""The list endpoint: order, filters, search, ordering, keyset pages, and strict parameters."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def dated_tasks(make_task):
    """Five tasks of alice, created a minute apart (t0 oldest), plus one of bob."""
    t0 = timezone.now() - timedelta(hours=1)
    rows = [
        ("banana", False, "yellow fruit"),
        ("Apple", True, None),
        ("cherry", False, "RED fruit"),
        ("date", True, "sweet"),
        ("elderberry", False, ""),
    ]
    tasks = []
    for minute, (title, completed, description) in enumerate(rows):
        created = t0 + timedelta(minutes=minute)
        tasks.append(
            make_task("alice", title, completed=completed, description=description, created_at=created)
        )
    make_task("bob", "bob's banana")
    return tasks


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [task["title"] for task in response.json()]


def test_list_is_newest_first(alice, routes, dated_tasks):
    assert titles(alice.get(routes.list())) == ["elderberry", "date", "cherry", "Apple", "banana"]


def test_list_breaks_created_at_ties_by_id_descending(alice, routes, make_task):
    same_time = timezone.now()
    first = make_task("alice", "first", created_at=same_time)
    second = make_task("alice", "second", created_at=same_time)
    assert [task["id"] for task in alice.get(routes.list()).json()] == [second.id, first.id]


def test_list_without_limit_returns_every_task(alice, routes, make_task):
    Task.objects.bulk_create(Task(user_id="alice", title=f"t{i}") for i in range(150))
    assert len(alice.get(routes.list()).json()) == 150


@pytest.mark.parametrize(
    "query, expected",
    [
        ("completed=true", ["date", "Apple"]),
        ("completed=false", ["elderberry", "cherry", "banana"]),
        ("status=all", ["elderberry", "date", "cherry", "Apple", "banana"]),
        ("status=pending", ["elderberry", "cherry", "banana"]),
        ("status=completed", ["date", "Apple"]),
    ],
)
def test_list_filters_by_completion(alice, routes, dated_tasks, query, expected):
    assert titles(alice.get(f"{routes.list()}?{query}")) == expected


@pytest.mark.parametrize(
    "search, expected",
    [
        ("an", ["banana"]),
        ("APPLE", ["Apple"]),
        ("fruit", ["cherry", "banana"]),
        ("red", ["cherry"]),
        ("nothing-matches", []),
    ],
)
def test_search_matches_title_and_description_case_insensitively(alice, routes, dated_tasks, search, expected):
    assert titles(alice.get(routes.list(), {"search": search})) == expected


def test_search_never_matches_other_users_tasks(alice, routes, dated_tasks):
    assert "bob's banana" not in titles(alice.get(routes.list(), {"search": "bob"}))


def test_search_treats_like_wildcards_literally(alice, routes, make_task):
    make_task("alice", "100% done")
    make_task("alice", "100 percent")
    assert titles(alice.get(routes.list(), {"search": "100%"})) == ["100% done"]


def test_empty_search_does_not_filter(alice, routes, dated_tasks):
    assert len(titles(alice.get(routes.list(), {"search": ""}))) == 5


def test_filters_combine(alice, routes, dated_tasks):
    assert titles(alice.get(routes.list(), {"search": "fruit", "completed": "false"})) == ["cherry", "banana"]


@pytest.mark.parametrize(
    "ordering, expected",
    [
        ("created_at", ["banana", "Apple", "cherry", "date", "elderberry"]),
        ("-created_at", ["elderberry", "date", "cherry", "Apple", "banana"]),
        ("id", ["banana", "Apple", "cherry", "date", "elderberry"]),
        ("-id", ["elderberry", "date", "cherry", "Apple", "banana"]),
    ],
)
def test_ordering_by_field(alice, routes, dated_tasks, ordering, expected):
    assert titles(alice.get(routes.list(), {"ordering": ordering})) == expected


def test_ordering_by_title_is_the_database_order_in_both_directions(alice, routes, dated_tasks):
    ascending = titles(alice.get(routes.list(), {"ordering": "title"}))
    descending = titles(alice.get(routes.list(), {"ordering": "-title"}))
    assert sorted(ascending, key=str.lower) == sorted(descending, key=str.lower)
    assert descending == list(reversed(ascending))
    assert ascending.index("banana") < ascending.index("cherry") < ascending.index("date")


def test_ordering_by_updated_at(alice, routes, dated_tasks):
    oldest = dated_tasks[0]
    alice.patch(routes.detail(oldest.id), {"title": "banana split"}, format="json")
    assert titles(alice.get(routes.list(), {"ordering": "-updated_at"}))[0] == "banana split"
    assert titles(alice.get(routes.list(), {"ordering": "updated_at"}))[-1] == "banana split"


@pytest.mark.parametrize(
    "sort, ordering", [("created", "-created_at"), ("updated", "-updated_at"), ("title", "title")]
)
def test_sort_alias_means_the_same_as_ordering(alice, routes, dated_tasks, sort, ordering):
    by_alias = titles(alice.get(routes.list(), {"sort": sort}))
    assert by_alias == titles(alice.get(routes.list(), {"ordering": ordering}))


@pytest.mark.parametrize(
    "query",
    [
        "completed=yes",
        "completed=1",
        "completed=",
        "completed=TRUE",
        "status=done",
        "status=",
        "ordering=priority",
        "ordering=--title",
        "ordering=-",
        "ordering=user_id",
        "sort=newest",
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=" + "9" * 5000,
        "cursor=abc",
        "limit=2&cursor=not-a-cursor",
        "status=all&status=pending",
        "search=" + "x" * 256,
        "search=nul%00byte",
        "completed=%00",
    ],
)
def test_unknown_parameter_values_are_422(alice, routes, dated_tasks, query):
    response = alice.get(f"{routes.list()}?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["errors"]


def test_ordering_wins_over_its_sort_alias(alice, routes, dated_tasks):
    assert titles(alice.get(routes.list(), {"sort": "title", "ordering": "-id"})) == titles(
        alice.get(routes.list(), {"ordering": "-id"})
    )


def test_unknown_parameters_are_ignored(alice, routes, dated_tasks):
    assert len(titles(alice.get(routes.list(), {"_": "1699999999", "page": "2"}))) == 5


# --- keyset pages --------------------------------------------------------------------------------

LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def walk_pages(client, url: str, params: dict) -> list[list[str]]:
    pages = []
    response = client.get(url, params)
    while True:
        pages.append(titles(response))
        if "Link" not in response:
            return pages
        match = LINK.match(response["Link"])
        assert match, response["Link"]
        next_url = match["url"]
        assert next_url.startswith("http://testserver/")
        response = client.get(next_url)


def test_limit_returns_the_first_page_and_a_next_link(alice, routes, dated_tasks):
    response = alice.get(routes.list(), {"limit": 2})
    assert titles(response) == ["elderberry", "date"]
    next_url = LINK.match(response["Link"])["url"]
    query = parse_qs(urlsplit(next_url).query)
    assert query["limit"] == ["2"]
    assert query["cursor"]


def test_following_next_links_walks_every_task_once(alice, routes, dated_tasks):
    pages = walk_pages(alice, routes.list(), {"limit": 2})
    assert pages == [["elderberry", "date"], ["cherry", "Apple"], ["banana"]]


def test_last_full_page_has_no_next_link(alice, routes, dated_tasks):
    response = alice.get(routes.list(), {"limit": 5})
    assert len(titles(response)) == 5
    assert "Link" not in response


@pytest.mark.parametrize("ordering", ["title", "-title", "updated_at", "-updated_at", "id", "-id", "created_at"])
def test_pages_follow_the_requested_ordering(alice, routes, dated_tasks, ordering):
    everything = titles(alice.get(routes.list(), {"ordering": ordering}))
    pages = walk_pages(alice, routes.list(), {"ordering": ordering, "limit": 2})
    assert [title for page in pages for title in page] == everything


def test_pages_keep_filters(alice, routes, dated_tasks):
    pages = walk_pages(alice, routes.list(), {"completed": "false", "limit": 1})
    assert pages == [["elderberry"], ["cherry"], ["banana"]]


def test_pages_survive_ties_in_the_ordered_field(alice, routes, make_task):
    same_time = timezone.now()
    for index in range(7):
        make_task("alice", f"tie {index}", created_at=same_time)
    pages = walk_pages(alice, routes.list(), {"limit": 3})
    flat = [title for page in pages for title in page]
    assert sorted(flat) == [f"tie {index}" for index in range(7)]
    assert len(set(flat)) == 7


def test_page_is_not_shifted_by_a_task_created_meanwhile(alice, routes, dated_tasks):
    first = alice.get(routes.list(), {"limit": 2})
    alice.post(routes.list(), {"title": "brand new"}, format="json")
    second = alice.get(LINK.match(first["Link"])["url"])
    assert titles(second) == ["cherry", "Apple"]


def test_cursor_without_limit_returns_every_task_after_it(alice, routes, dated_tasks):
    first = alice.get(routes.list(), {"limit": 2})
    cursor = parse_qs(urlsplit(LINK.match(first["Link"])["url"]).query)["cursor"][0]
    response = alice.get(routes.list(), {"cursor": cursor})
    assert titles(response) == ["cherry", "Apple", "banana"]
    assert "Link" not in response


def test_cursor_of_another_ordering_is_422(alice, routes, dated_tasks):
    first = alice.get(routes.list(), {"limit": 2, "ordering": "title"})
    cursor = parse_qs(urlsplit(LINK.match(first["Link"])["url"]).query)["cursor"][0]
    response = alice.get(routes.list(), {"limit": 2, "ordering": "-id", "cursor": cursor})
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]
