"""Fixtures for tests in a real browser: headless Chromium driven by Playwright, the app on a live server.

Every test in this package carries the ``browser`` marker and is skipped, with the reason, when
Chromium (``CHROMIUM_PATH``, default ``/usr/bin/chromium``) or the ``playwright`` package is missing;
with ``BROWSER_TESTS_REQUIRED=1`` (CI) that fails instead.

* ``browser``: one Chromium for the whole package; ``context`` and ``page``: fresh for each test.
* ``live_server``: pytest-django's threaded server with the app, for this package; tests using it
  get ``transactional_db``, so the test and the server see the same rows (on SQLite the server
  thread shares the test's in-memory connection; on PostgreSQL the rows are committed).
  ``api_origin`` is its address as ``http://127.0.0.1:<port>``.
* ``static_site``: serves a blank page from any port, so the page's own origin is another than
  the API's and the browser applies CORS to what the page fetches.
* ``server_requests``: the requests the live server answered (method, path, ``Origin``, status,
  response headers): what the browser really sent, e.g. a preflight ``OPTIONS`` that the page's
  JavaScript never sees, and what it got back.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, NoReturn

import pytest

from todo_backend.tests.servers import QuietHTTPServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright
    from pytest_django.live_server_helper import LiveServer

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium"
# Root needs --no-sandbox; without the background-networking flags Chromium's own connections
# are refused by a closed network (and slow it down); /dev/shm is 64 MB in many CI containers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Playwright waits up to 30 s by default; a browser test that hangs should fail sooner.
PAGE_TIMEOUT_MS = 10_000

_CONSOLE = pytest.StashKey[list]()


# --- Marker and failure reports ------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, not only this package's. tryfirst: the marker must
    # be there before `-m "not browser"` deselects.
    for item in items:
        if BROWSER_TESTS_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    report = yield
    console = item.stash.get(_CONSOLE, None)
    if report.failed and console:
        report.sections.append(("browser console", "\n".join(console)))
    return report


# --- The browser ---------------------------------------------------------------------------------


def _unavailable(reason: str) -> NoReturn:
    """Skip, or fail where browser tests must run (CI sets BROWSER_TESTS_REQUIRED=1)."""
    if os.environ.get("BROWSER_TESTS_REQUIRED", "") not in ("", "0"):
        pytest.fail(f"{reason}, and BROWSER_TESTS_REQUIRED is set", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def chromium_executable() -> str:
    configured = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM_PATH
    path = configured if os.sep in configured else shutil.which(configured) or configured
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _unavailable(
            f"no Chromium at {path} (install Debian's: apt-get install -y chromium; "
            "or point CHROMIUM_PATH at another)"
        )
    return path


@pytest.fixture(scope="package")
def playwright(chromium_executable: str) -> Iterator[Playwright]:
    """Playwright, running for this package's tests only (not the session), on purpose.

    Between two of its sync calls, Playwright leaves its event loop marked as running in the main
    thread. Django then refuses every ORM call there (SynchronousOnlyOperation), including
    transactional_db's flush, and asyncio.run()/async_to_sync refuse to start. So the ORM is
    allowed while Playwright runs (the loop is suspended, not running Django code), and Playwright
    stops once this package's tests are done, so no later test in the session inherits either.
    """
    try:
        from playwright import sync_api
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "playwright":
            raise  # playwright is there, but something it needs is not: say so
        _unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        manager = sync_api.sync_playwright().start()
        try:
            yield manager
        finally:
            manager.stop()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright, chromium_executable: str) -> Iterator[Browser]:
    """One headless Chromium for all tests of this package (launching takes about a second)."""
    browser = playwright.chromium.launch(
        executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def browser_console(request: pytest.FixtureRequest) -> list[str]:
    """What the page wrote to its console, and its uncaught errors; shown when the test fails."""
    lines: list[str] = []
    request.node.stash[_CONSOLE] = lines
    return lines


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context per test: no cookies, storage or cached CORS preflights carried over."""
    context = browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext, browser_console: list[str]) -> Page:
    page = context.new_page()
    page.on("console", lambda message: browser_console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: browser_console.append(f"pageerror: {error}"))
    return page


# --- The app and other origins -------------------------------------------------------------------


@pytest.fixture(scope="package")
def live_server(request: pytest.FixtureRequest, django_db_setup) -> Iterator[LiveServer]:
    """pytest-django's live server (same --liveserver option), here for this package only.

    * It starts after the test databases exist, so on SQLite the server thread gets the test's own
      in-memory connection (as Django's LiveServerTestCase does) rather than opening its own.
    * It starts also while settings have no STATIC_URL. Its WSGI handler parses STATIC_URL once,
      when it starts; Django's default, None, parses to bytes, and then every request fails with
      a TypeError (500).
    * It stops with this package's tests, and with it its threads' database connections.

    Tests that use it get ``transactional_db`` (pytest-django's ``_live_server_helper``): the
    server's writes are committed, so the test sees them, and the other way round.
    """
    from django.conf import settings
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(STATIC_URL=settings.STATIC_URL or "/static/"):
        server = LiveServer(addr)
    httpd = server.thread.httpd
    # The server looks its WSGI app up for every request: wrap it to see what went in and out.
    httpd.set_app(_RecordingApp(httpd.get_app()))
    connection_threads = _ConnectionThreads(httpd)
    try:
        yield server
    finally:
        # LiveServer.stop(), but waiting for the threads that still serve a connection (a browser's
        # keep-alive one ends when the browser closes it). Each closes its database connections as
        # it ends, and on SQLite that is the test's own: once it is no longer shared with threads,
        # a late one fails ("DatabaseWrapper objects created in a thread can only be used in that
        # same thread").
        server.thread.terminate()
        # A connection still open after 10 s (a page a test never closed): leave the connection
        # shared rather than have that thread fail whenever it ends.
        if connection_threads.wait_until_none(timeout=10):
            for connection in server.thread.connections_override.values():
                connection.dec_thread_sharing()


class _ConnectionThreads:
    """Counts the live server's threads that serve a connection (one per connection)."""

    def __init__(self, httpd) -> None:
        self._running = 0
        self._changed = threading.Condition()
        start_thread = httpd.process_request
        serve_connection = httpd.process_request_thread

        def starting(request, client_address) -> None:
            # Counted before its thread starts, so that no thread can be missed.
            with self._changed:
                self._running += 1
            start_thread(request, client_address)

        def serving(request, client_address) -> None:
            try:
                serve_connection(request, client_address)
            finally:
                with self._changed:
                    self._running -= 1
                    self._changed.notify_all()

        # socketserver looks both up on the instance for every connection.
        httpd.process_request = starting
        httpd.process_request_thread = serving

    def wait_until_none(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._running == 0, timeout=timeout)


@pytest.fixture
def api_origin(live_server: LiveServer, settings) -> str:
    """The live server's origin, by IP: ``http://127.0.0.1:<port>``.

    pytest-django's server listens on IPv4 ("localhost" resolves to 127.0.0.1 for its socket);
    naming the IP spares the browser a try on ::1 and leaves ``localhost`` to the frontend pages.
    """
    host = live_server.thread.host
    if host == "localhost":
        host = "127.0.0.1"
    if host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
    return f"http://{host}:{live_server.thread.port}"


@dataclass(frozen=True)
class ServerRequest:
    """One request the live server answered, with the status and headers of its answer."""

    method: str
    path: str
    origin: str | None
    status: int
    response_headers: dict[str, str]  # names in lower case


class _RecordingApp:
    """WSGI middleware around the live server's app: tells each recorder about every answer."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.recorders: list[list[ServerRequest]] = []

    def __call__(self, environ: dict, start_response: Callable) -> object:
        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            response_headers: dict[str, str] = {}
            for name, value in headers:
                name = name.lower()
                response_headers[name] = f"{response_headers[name]}, {value}" if name in response_headers else value
            answered = ServerRequest(
                method=environ["REQUEST_METHOD"],
                path=environ.get("PATH_INFO", ""),
                origin=environ.get("HTTP_ORIGIN"),
                status=int(status.split()[0]),
                response_headers=response_headers,
            )
            # Before the answer leaves: once the browser has it, the test can rely on the record.
            for recorder in list(self.recorders):
                recorder.append(answered)
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)


@pytest.fixture
def server_requests(live_server: LiveServer) -> Iterator[list[ServerRequest]]:
    """The requests the live server answers during the test, in order, with their answers.

    The browser's own requests show here, e.g. a CORS preflight (OPTIONS), which the page's
    JavaScript never sees.
    """
    app = live_server.thread.httpd.get_app()
    received: list[ServerRequest] = []
    app.recorders.append(received)
    try:
        yield received
    finally:
        app.recorders.remove(received)


BLANK_PAGE = b"<!doctype html><html><head><meta charset='utf-8'><title>frontend</title></head><body></body></html>"


class _BlankPageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(BLANK_PAGE)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(BLANK_PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _LoopbackServer(QuietHTTPServer):
    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can hang on a closed network.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _LoopbackServer6(_LoopbackServer):
    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()


def _bind_loopback(port: int) -> list[_LoopbackServer] | None:
    """Servers on 127.0.0.1:port and, where the machine has IPv6, on [::1]:port; None if taken.

    Chromium may resolve ``localhost`` to ::1 first: a server there (say a developer's
    ``next dev``) would answer instead of ours, so the port must be free on both.
    """
    try:
        servers = [_LoopbackServer(("127.0.0.1", port), _BlankPageHandler)]
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return None
        raise
    port = servers[0].server_address[1]
    try:
        servers.append(_LoopbackServer6(("::1", port), _BlankPageHandler))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            servers[0].server_close()
            return None
        # No IPv6 on this machine (EADDRNOTAVAIL, EAFNOSUPPORT): then Chromium uses 127.0.0.1 only.
    return servers


@dataclass
class StaticSite:
    """A blank page, served at ``http://localhost:<port>/`` (and ``http://127.0.0.1:<port>/``)."""

    port: int
    servers: list[_LoopbackServer] = field(repr=False)

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    def origin_on(self, host: str) -> str:
        return f"http://{host}:{self.port}"


@pytest.fixture
def static_site() -> Iterator[Callable[..., StaticSite | None]]:
    """``static_site(port)`` serves a blank page on that port, or returns None if it is taken;
    ``static_site()`` picks a free port. Pages from it are of another origin than the API."""
    running: list[tuple[_LoopbackServer, threading.Thread]] = []

    def serve(port: int = 0) -> StaticSite | None:
        servers = None
        for _ in range(20 if port == 0 else 1):  # a free IPv4 port may be taken on ::1
            servers = _bind_loopback(port)
            if servers is not None:
                break
        if servers is None:
            if port == 0:
                raise RuntimeError("found no port free on both 127.0.0.1 and ::1")
            return None
        for server in servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            running.append((server, thread))
        return StaticSite(port=servers[0].server_address[1], servers=servers)

    try:
        yield serve
    finally:
        for server, thread in running:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
