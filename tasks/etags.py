"""ETags of tasks and task lists, and the conditional request headers that compare against them.

- A task's ETag is ``"<id>.<version>"``: the version counts the row's changes, so the ETag a write
  returns is the one the next read returns, and any change gives a new one.
- A list's ETag is a digest of the ``(id, version)`` of the tasks it holds, in order: computed from
  the rows the list already read (no second query), it changes with any create, update, toggle or
  delete of a task the list shows.

``If-None-Match`` compares weakly and ``If-Match`` strongly (RFC 9110 §13.1).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Iterable

from django.utils.http import parse_etags, quote_etag

_TASK_ETAG = re.compile(r'"(?P<id>[0-9]+)\.(?P<version>[0-9]+)"')
MAX_CONDITION_LENGTH = 4096


def _state(task: dict[str, Any]) -> str:
    return f"{task['id']}.{task['version']}"


def task_etag(task: dict[str, Any]) -> str:
    return quote_etag(_state(task))


def list_etag(tasks: Iterable[dict[str, Any]]) -> str:
    state = ";".join([_state(task) for task in tasks])
    return quote_etag(f"l{hashlib.blake2b(state.encode(), digest_size=12).hexdigest()}")


def none_match(header: str | None, etag: str) -> bool:
    """True when ``If-None-Match`` lists ``etag`` (weak comparison) or is ``*``: answer 304."""
    if not header or len(header) > MAX_CONDITION_LENGTH:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == wanted for tag in parse_etags(header))


@dataclass(frozen=True)
class IfMatch:
    """What an ``If-Match`` header allows a write to change: any current version (``*``), or the
    listed versions of this task. Other ETags, weak ones included, can never match."""

    any_version: bool
    versions: tuple[int, ...]


def parse_if_match(header: str | None, task_id: int) -> IfMatch | None:
    """None when there is no ``If-Match``: the write is unconditional."""
    if header is None:
        return None
    if header.strip() == "*":
        return IfMatch(any_version=True, versions=())
    tags = parse_etags(header) if len(header) <= MAX_CONDITION_LENGTH else []
    versions = []
    for tag in tags:
        match = _TASK_ETAG.fullmatch(tag)  # parse_etags keeps W/"..." as is: it does not match
        if match and int(match["id"]) == task_id and len(match["version"]) <= 18:
            versions.append(int(match["version"]))
    return IfMatch(any_version=False, versions=tuple(versions))
