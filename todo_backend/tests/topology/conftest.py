"""Fixtures for the topology tests: one deployment (``deployment.py``) for the whole package.

Every test here carries the ``topology`` marker (and, through the root conftest, ``slow``). The
deployment needs PostgreSQL (the suite's own server, so it runs on the PostgreSQL run of the
suite and is skipped on SQLite: CI runs it once), Redis at 127.0.0.1:6379, and Debian's ``nginx``
and ``pgbouncer``; the few tests that need nginx alone run on both. A missing tool or service is
a skip with the reason; with ``TOPOLOGY_TESTS_REQUIRED=1`` (CI) it is a failure.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from todo_backend.tests.topology.deployment import Deployment, deployment
from todo_backend.tests.topology.nginx import nginx_binary
from todo_backend.tests.topology.pgbouncer import pgbouncer_binary

TOPOLOGY_TESTS_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The whole session's items: mark this package's, before `-m` deselects (the root conftest
    # then adds `slow`).
    for item in items:
        if TOPOLOGY_TESTS_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.topology)


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail where the topology tests must run (CI sets TOPOLOGY_TESTS_REQUIRED=1)."""
    if os.environ.get("TOPOLOGY_TESTS_REQUIRED", "") not in ("", "0"):
        pytest.fail(f"{reason}, and TOPOLOGY_TESTS_REQUIRED is set", pytrace=False)
    pytest.skip(reason)


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="package")
def nginx_installed() -> None:
    if nginx_binary() is None:
        unavailable("no nginx (install Debian's: apt-get install -y nginx)")


@pytest.fixture(scope="package")
def deployed(nginx_installed: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    from django.db import connection

    if connection.vendor != "postgresql":
        # Not a missing tool: CI runs the suite on PostgreSQL too, and the topology once, there.
        pytest.skip("the topology runs on the PostgreSQL run of the suite (DATABASE_URL=postgres://...)")
    if pgbouncer_binary() is None:
        unavailable("no pgbouncer (install Debian's: apt-get install -y pgbouncer)")
    if not redis_answers():
        unavailable("no Redis at 127.0.0.1:6379")
    with deployment(tmp_path_factory.mktemp("topology")) as started:
        yield started
