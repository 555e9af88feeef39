"""The rate-limit counters in the database table (no REDIS_URL): exact counts, one row per caller."""

from __future__ import annotations

import time

import pytest

from todo_backend.counters import DatabaseCounters
from todo_backend.models import RateCounter

pytestmark = pytest.mark.django_db


def this_minute() -> int:
    return int(time.time() // 60)


def test_each_request_is_counted_and_a_new_window_starts_again_at_one():
    counters, now = DatabaseCounters(), this_minute()
    assert [counters.increment("user:a", now, 60) for _ in range(3)] == [1, 2, 3]
    assert counters.increment("user:a", now + 1, 60) == 1


def test_callers_are_counted_apart_on_one_row_each(django_assert_num_queries):
    counters, now = DatabaseCounters(), this_minute()
    counters.increment("user:a", now, 60)
    with django_assert_num_queries(1):
        assert counters.increment("user:b", now, 60) == 1
    counters.increment("user:a", now + 1, 60)
    assert sorted(RateCounter.objects.values_list("ident", "window", "hits")) == [("user:a", now + 1, 1), ("user:b", now, 1)]


def test_rows_of_callers_gone_quiet_are_removed():
    counters, now = DatabaseCounters(), this_minute()
    counters.increment("user:busy", now, 60)
    counters.increment("user:quiet", now - 2, 60)  # a window that ended two minutes ago
    counters._purged_at = float("-inf")  # as if the last purge was long ago
    counters.increment("user:busy", now, 60)
    assert list(RateCounter.objects.values_list("ident", flat=True)) == ["user:busy"]
