"""nginx running the shipped site, ``deploy/nginx/todo-api.conf``, on test ports.

The site is used as shipped. ``render_site`` replaces exactly two things, and fails if either is
not found as shipped (so the tests cannot drift from the file): the ``listen`` lines, with a
loopback test port, and the upstream's ``server`` lines, with the test instances. A test that
needs a quick 504 may also shorten ``proxy_read_timeout``.

Around it, ``main_config`` is the part Debian's ``/etc/nginx/nginx.conf`` plays: one worker
process (so round-robin alternates strictly between the instances), logs and temporary files in
the test's directory, and an access log naming the instance (``$upstream_addr``) that served
each request id.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from django.conf import settings

SITE = Path(settings.BASE_DIR) / "deploy/nginx/todo-api.conf"
NGINX_BINARY = "/usr/sbin/nginx"

SHIPPED_LISTEN = re.compile(r"^    listen 80;\n    listen \[::\]:80;\n", re.MULTILINE)
SHIPPED_UPSTREAMS = re.compile(r"^    server 127\.0\.0\.1:8001;\n    server 127\.0\.0\.1:8002;\n", re.MULTILINE)
SHIPPED_READ_TIMEOUT = re.compile(r"^        proxy_read_timeout 35s;\n", re.MULTILINE)


def nginx_binary() -> str | None:
    return NGINX_BINARY if os.access(NGINX_BINARY, os.X_OK) else shutil.which("nginx")


def _replace_once(pattern: re.Pattern, replacement: str, text: str) -> str:
    rendered, count = pattern.subn(replacement, text)
    if count != 1:
        raise AssertionError(f"{SITE.name} no longer has {pattern.pattern!r} as shipped: update the tests' rendering")
    return rendered


def render_site(port: int, upstreams: list[str], *, proxy_read_timeout: str | None = None) -> str:
    """The shipped site, listening on 127.0.0.1:``port``, balancing over ``upstreams``
    (``host:port`` each)."""
    text = _replace_once(SHIPPED_LISTEN, f"    listen 127.0.0.1:{port};\n", SITE.read_text())
    text = _replace_once(SHIPPED_UPSTREAMS, "".join(f"    server {upstream};\n" for upstream in upstreams), text)
    if proxy_read_timeout is not None:
        text = _replace_once(SHIPPED_READ_TIMEOUT, f"        proxy_read_timeout {proxy_read_timeout};\n", text)
    return text


def main_config(root: Path, site: Path) -> str:
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private directories.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp_paths = "".join(f"    {kind}_temp_path {root / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} info;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    log_format topology '$upstream_http_x_request_id $upstream_addr $status';\n"
        f"    access_log {root / 'access.log'} topology;\n"
        f"{temp_paths}"
        f"    include {site};\n"
        "}\n"
    )


class Nginx:
    """One nginx (master and worker) with its own configuration, pid file and logs under ``root``."""

    def __init__(self, root: Path, port: int, upstreams: list[str], **site_options: str) -> None:
        self.root, self.port = root, port
        root.mkdir(parents=True, exist_ok=True)
        site = root / "todo-api.conf"
        site.write_text(render_site(port, upstreams, **site_options))
        self.config = root / "nginx.conf"
        self.config.write_text(main_config(root, site))
        self.access_log = root / "access.log"
        self.error_log = root / "error.log"
        self._process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str) -> list[str]:
        # -e: not even the compiled-in /var/log/nginx/error.log is opened.
        return [nginx_binary() or NGINX_BINARY, "-c", str(self.config), "-p", str(self.root), "-e", str(self.error_log), *args]

    def check(self) -> subprocess.CompletedProcess:
        """``nginx -t``: the configuration is valid."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def start(self) -> None:
        self._process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start:\n{self.error_log.read_text() if self.error_log.exists() else ''}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)  # fast shutdown: the tests need no grace
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)

    def upstream_of(self, request_id: str, timeout: float = 2.0) -> str:
        """The instance (``host:port``) that answered the request with this ``X-Request-ID``;
        nginx writes the line as it finishes the request, so it may lag the answer a little."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.access_log.read_text().splitlines():
                fields = line.split()
                if fields and fields[0] == request_id:
                    return fields[1]
            if time.monotonic() > deadline:
                raise AssertionError(f"request {request_id} is not in nginx's access log")
            time.sleep(0.05)
