"""Typed readers for environment variables, used by ``settings.py`` and ``gunicorn.conf.py``.

Every reader names the variable in its error, so a misconfigured deployment stops at
start-up with a message that says exactly what to fix.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_env_file(path: Path | None) -> None:
    """Load ``KEY=value`` lines from an optional ``.env`` file; real environment variables win."""
    if path is None or not path.is_file():
        return
    from dotenv import load_dotenv

    load_dotenv(path, override=False)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off (got {raw!r}).")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer (got {raw!r}).") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum} (got {value}).")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum} (got {value}).")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped so ``a,b,`` is ``["a", "b"]``."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, schemes: tuple[str, ...], default: str = "") -> str:
    """A URL whose scheme is one of ``schemes`` (with a host, for web and Redis URLs), or "" when
    unset. The error names the scheme only: URLs carry passwords."""
    value = env_str(name, default)
    if not value:
        return ""
    parts = urlsplit(value)
    needs_host = parts.scheme.lower() in ("http", "https", "redis", "rediss")
    if parts.scheme.lower() not in schemes or (needs_host and not parts.hostname):
        given = f"a {parts.scheme}:// URL" if parts.scheme else "no URL"
        raise ImproperlyConfigured(f"{name} must be a {', '.join(f'{s}://' for s in schemes)} URL (got {given}).")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, matched without regard to case."""
    value = env_str(name, default)
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name} must be {', '.join(choices[:-1])} or {choices[-1]} (got {value!r}).")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level() -> str:
    """``LOG_LEVEL``: Django's loggers and gunicorn's own log at the same level."""
    return env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)
