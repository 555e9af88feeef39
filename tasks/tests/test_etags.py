"""ETags of tasks and lists, and the conditional headers compared with them (no HTTP here)."""

from __future__ import annotations

import pytest

from tasks.etags import IfMatch, list_etag, none_match, parse_if_match, task_etag


def test_a_tasks_etag_is_its_id_and_version_quoted():
    assert task_etag({"id": 7, "version": 3}) == '"7.3"'


def test_a_lists_etag_changes_with_any_version_and_with_the_order():
    tasks = [{"id": 1, "version": 1}, {"id": 2, "version": 1}]
    etag = list_etag(tasks)
    assert etag.startswith('"l') and etag.endswith('"')
    assert list_etag([{"id": 1, "version": 1}, {"id": 2, "version": 1}]) == etag
    assert list_etag([{"id": 1, "version": 1}, {"id": 2, "version": 2}]) != etag
    assert list_etag(list(reversed(tasks))) != etag
    assert list_etag([]) != etag


@pytest.mark.parametrize("header", ['"7.3"', 'W/"7.3"', '"1.1", "7.3"', "*", ' "7.3" '])
def test_if_none_match_matches_weakly_or_with_a_star(header):
    assert none_match(header, '"7.3"')


@pytest.mark.parametrize("header", [None, "", '"7.4"', '"7.30"', "7.3", '"' + "7" * 5000 + '"'])
def test_if_none_match_does_not_match_other_or_oversized_values(header):
    assert not none_match(header, '"7.3"')


def test_no_if_match_means_an_unconditional_write():
    assert parse_if_match(None, 7) is None


def test_if_match_star_allows_any_current_version():
    assert parse_if_match(" * ", 7) == IfMatch(any_version=True, versions=())


def test_if_match_keeps_only_strong_etags_of_this_task():
    header = '"7.3", W/"7.4", "8.5", "7.6", "x", "7.99999999999999999999"'
    assert parse_if_match(header, 7) == IfMatch(any_version=False, versions=(3, 6))


def test_if_match_naming_nothing_usable_matches_no_version():
    assert parse_if_match('"8.1"', 7) == IfMatch(any_version=False, versions=())
    assert parse_if_match('"7.1"' * 2000, 7) == IfMatch(any_version=False, versions=())
