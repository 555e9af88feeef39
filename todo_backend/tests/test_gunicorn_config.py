"""gunicorn.conf.py's defaults: fit for several instances on one host, sized for this process."""

from __future__ import annotations

import runpy
from pathlib import Path

from django.conf import settings

from todo_backend import cpus

GUNICORN_CONF = str(Path(settings.BASE_DIR) / "gunicorn.conf.py")


def test_the_control_socket_is_off():
    # One path per user (~/.gunicorn/gunicorn.ctl): instances on one host would share it, and
    # stopping one would delete the other's.
    assert runpy.run_path(GUNICORN_CONF)["control_socket_disable"] is True


def test_default_workers_are_twice_the_usable_cpus_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(cpus, "usable_cpu_count", lambda: 3)
    assert runpy.run_path(GUNICORN_CONF)["workers"] == 7


def test_web_concurrency_overrides_the_default(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    assert runpy.run_path(GUNICORN_CONF)["workers"] == 4
