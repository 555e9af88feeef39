"""Fixtures for JWKS mode: key pairs generated here, and a JWKS served by a local HTTP server."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from better_auth.jwks import clear_jwks_caches
from better_auth.tests.helpers import BETTER_AUTH_URL, GENERATORS, JWKSServer, SigningKey
from todo_backend.tests.servers import QuietHTTPServer


@pytest.fixture(scope="session")
def make_signing_key():
    """Generate key pairs once per session (RSA generation is slow); kids stay unique per call."""
    pool: dict[str, Any] = {}
    counter = iter(range(1_000_000))

    def make(algorithm: str = "EdDSA", kid: str | None = None, *, fresh: bool = False, publish_alg: bool = True):
        if fresh or algorithm not in pool:
            private_key = GENERATORS[algorithm]()
            if fresh:
                return SigningKey(kid or f"kid-{next(counter)}", algorithm, private_key, publish_alg)
            pool[algorithm] = private_key
        return SigningKey(kid or f"kid-{next(counter)}", algorithm, pool[algorithm], publish_alg)

    return make


@pytest.fixture
def jwks_server():
    state = JWKSServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state.requests += 1
            if state.mode == "slow":
                time.sleep(state.delay)
            if state.mode == "error":
                self.send_response(500)
                self.end_headers()
                return
            body = state.body()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.mode == "drip":
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(state.delay)
                return
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = QuietHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/auth/jwks"
    state.stop = lambda: (server.shutdown(), server.server_close())
    try:
        yield state
    finally:
        if thread.is_alive():
            server.shutdown()
            server.server_close()


@pytest.fixture
def jwks_mode(settings, jwks_server):
    """Settings as a deployment with BETTER_AUTH_URL set has them, pointed at the test JWKS."""
    settings.BETTER_AUTH_URL = BETTER_AUTH_URL
    settings.BETTER_AUTH_JWKS_URL = jwks_server.url
    settings.BETTER_AUTH_JWKS_ISSUER = BETTER_AUTH_URL
    settings.BETTER_AUTH_JWKS_AUDIENCE = BETTER_AUTH_URL
    settings.JWKS_CACHE_SECONDS = 300
    settings.JWKS_MIN_REFRESH_SECONDS = 10
    settings.JWKS_TIMEOUT_SECONDS = 1
    clear_jwks_caches()
    yield jwks_server
    clear_jwks_caches()
