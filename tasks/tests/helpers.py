"""Helpers for the task API's tests: the URLs of each route family."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Routes:
    """URLs of one route family (``/api/tasks`` or ``/api/{user_id}/tasks``), with or without slash."""

    prefix: str
    slash: str

    def list(self) -> str:
        return f"{self.prefix}/tasks{self.slash}"

    def detail(self, task_id: object) -> str:
        return f"{self.prefix}/tasks/{task_id}{self.slash}"

    def complete(self, task_id: object) -> str:
        return f"{self.prefix}/tasks/{task_id}/complete{self.slash}"


# Every route answers in both families, with and without a trailing slash.
ROUTE_STYLES = {
    "token-noslash": ("token", ""),
    "token-slash": ("token", "/"),
    "path-noslash": ("path", ""),
    "path-slash": ("path", "/"),
}
DEFAULT_ROUTE_STYLE = "token-noslash"


def routes_of(style: str, user_id: str) -> Routes:
    family, slash = ROUTE_STYLES[style]
    return Routes(prefix="/api" if family == "token" else f"/api/{user_id}", slash=slash)
