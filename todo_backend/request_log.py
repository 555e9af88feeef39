"""Request ids and the one-line-per-request log.

Every request gets an id: the client's ``X-Request-ID`` when it is a sane token, otherwise a new
UUID. The id is returned in ``X-Request-ID``, attached to every log record made while the request
runs (``RequestIdFilter``), and put in 500 bodies, so a user's bug report leads to the traceback.
``RequestIdScope`` sets it around Django's whole handler, so the lines Django logs itself (a 500's
``django.request`` line) carry it too.

Log lines cannot be forged: the plain format escapes every control character a client could put
in a logged value (a ``%0a`` in a path would otherwise start a line of its own, an ESC sequence
would reach the terminal); the JSON format escapes them as JSON does.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any, Callable

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
ENVIRON_KEY = "todo_backend.request_id"

current_request_id: ContextVar[str] = ContextVar("request_id", default="-")

logger = logging.getLogger("todo_backend.requests")


def incoming_request_id(environ: dict[str, Any]) -> str:
    """The client's request id if it is safe to echo and log, else a fresh one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if _VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class RequestIdScope:
    """WSGI wrapper (``todo_backend.wsgi``): the request's id is the current one for as long as
    Django handles the request, its own error logging included."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        environ[ENVIRON_KEY] = request_id = incoming_request_id(environ)
        token = current_request_id.set(request_id)
        try:
            return self.app(environ, start_response)
        finally:
            current_request_id.reset(token)


class RequestLogMiddleware:
    """Outermost middleware: assigns the request id and logs the request once it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.META.get(ENVIRON_KEY) or incoming_request_id(request.META)
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            current_request_id.reset(token)

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        user = getattr(request, "user", None)
        fields = {
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": getattr(user, "id", None),
        }
        level = logging.ERROR if status >= 500 else logging.INFO
        message = " ".join(f"{name}={value}" for name, value in fields.items())
        logger.log(level, message, extra={"fields": fields})


# Every C0 and C1 control character, DEL included, and the Unicode line separators, as escapes.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))} | {
    0x2028: "\\u2028",
    0x2029: "\\u2029",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}
_ESCAPES_BUT_NEWLINE = {code: escape for code, escape in _ESCAPES.items() if code != ord("\n")}


def escape_controls(text: str) -> str:
    return text.translate(_ESCAPES)


class PlainFormatter(logging.Formatter):
    """``LOG_FORMAT=plain``: one line per record; a traceback keeps its own line breaks only."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return super().formatException(ei).translate(_ESCAPES_BUT_NEWLINE)

    def formatStack(self, stack_info: str) -> str:
        return stack_info.translate(_ESCAPES_BUT_NEWLINE)


class RequestIdFilter(logging.Filter):
    """Tag every record with the id of the request being served (``-`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JSONFormatter(logging.Formatter):
    """``LOG_FORMAT=json``: one JSON object per line, for log pipelines."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
