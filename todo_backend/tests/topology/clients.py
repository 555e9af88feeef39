"""HTTP clients for the topology tests: a plain one that can speak from another loopback address,
raw bytes for requests no library would send, and slow clients."""

from __future__ import annotations

import http.client
import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def request_id(self) -> str:
        return self.headers["X-Request-ID"]


def fetch(
    url: str,
    *,
    method: str = "GET",
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = 10.0,
) -> Answer:
    """One request on a new connection from the loopback address ``source`` (any of 127.0.0.0/8:
    a distinct client to the server)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout, source_address=(source, 0))
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=data, headers=all_headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> bytes:
    """Send ``raw`` to 127.0.0.1:``port`` as it is, and return everything the server sends
    back until it closes the connection (or ``timeout`` passes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def parse(cls, data: bytes) -> RawAnswer:
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return cls(int(status_line.split()[1]), headers, body)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SlowClient:
    """A client that sends its request a byte at a time, ``interval`` seconds apart, as a
    slowloris attack does: the headers (``slow_part="headers"``), or, after whole headers, the
    body (``slow_part="body"``; a long ``interval`` is a body that stalls). It stops when told,
    when the request is sent, or when the server closes the connection, and records when that
    happened and what the server sent."""

    port: int
    slow_part: str = "headers"
    interval: float = 0.25
    token: str = ""  # a valid one makes the app read the body, not refuse the request first
    started: float = 0.0
    closed_by_server_at: float | None = None
    answer: bytes = b""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def request_parts(self) -> tuple[bytes, bytes]:
        """(sent at once, sent a byte at a time)."""
        if self.slow_part == "headers":
            return b"", b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200 + b"\r\n\r\n"
        body = b'{"title": "' + b"s" * 200 + b'"}'
        headers = (
            f"POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return headers.encode(), body

    def start(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._dribble, daemon=True)
        self._thread.start()

    def _dribble(self) -> None:
        at_once, slowly = self.request_parts()
        try:
            self.sock.sendall(at_once)
            for byte in slowly:
                if not self._wait():
                    return
                self.sock.sendall(bytes([byte]))
        except OSError:
            self._note_closed()

    def _wait(self) -> bool:
        """Wait ``interval``; False if told to stop or the server closed the connection meanwhile."""
        deadline = time.monotonic() + self.interval
        while (remaining := deadline - time.monotonic()) > 0:
            if self._stop.is_set():
                return False
            readable, _, _ = select.select([self.sock], [], [], min(remaining, 0.1))
            if readable and self._server_closed():
                return False
        return not self._stop.is_set()

    def _server_closed(self) -> bool:
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        self.answer += data
        if data:
            return False
        self._note_closed()
        return True

    def _note_closed(self) -> None:
        if self.closed_by_server_at is None:
            self.closed_by_server_at = time.monotonic()

    @property
    def held_for(self) -> float:
        """Seconds the connection has stayed open (until the server closed it)."""
        return (self.closed_by_server_at or time.monotonic()) - self.started

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sock.close()
