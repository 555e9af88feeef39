"""Interoperability with the REAL Better Auth (npm ``better-auth``), run in Node.

A Better Auth server with the in-memory adapter, email/password sign-up and the ``jwt()`` plugin
runs in a child process (``node/server.mjs``). Users sign up and get their JWT with Better
Auth's own client library (``createAuthClient`` + ``jwtClient()`` + ``authClient.token()``, in
``node/get-token.mjs``), then call our API, served by a real HTTP server, with ``fetch``
(``node/call-api.mjs``). Our API verifies the tokens through Better Auth's JWKS endpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from better_auth.jwks import clear_jwks_caches

HERE = Path(__file__).parent / "node"
NODE = shutil.which("node")
TIMEOUT = 60

pytestmark = pytest.mark.interop


@pytest.fixture(autouse=True)
def node_and_better_auth_installed() -> None:
    """Skip with the reason when Node.js or the npm packages are missing; CI sets
    INTEROP_TESTS_REQUIRED=1 so that a missing one fails instead of passing silently."""
    if NODE is None:
        reason = "Node.js is not installed: the real Better Auth cannot run"
    elif not (HERE / "node_modules" / "better-auth").is_dir():
        reason = "better-auth is not installed: run `npm ci` in better_auth/tests/node (make test does)"
    else:
        return
    if os.environ.get("INTEROP_TESTS_REQUIRED", "") not in ("", "0"):
        pytest.fail(f"{reason}, and INTEROP_TESTS_REQUIRED is set", pytrace=False)
    pytest.skip(reason)


def node(script: str, *args: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [NODE, str(HERE / script), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, f"{script} failed: {result.stderr}"
    return json.loads(result.stdout)


class BetterAuthServer:
    def __init__(self, algorithm: str, log_path: Path, **env: str) -> None:
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [NODE, str(HERE / "server.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={
                **os.environ,
                "PORT": "0",
                "BA_JWT_ALG": algorithm,
                "BETTER_AUTH_SECRET": "interop-better-auth-secret-" + "x" * 32,
                "BA_EXIT_ON_STDIN_EOF": "1",
                **env,
            },
        )
        ready = self.process.stdout.readline()
        if not ready:
            self.stop()
            raise RuntimeError(f"Better Auth did not start: {log_path.read_text()}")
        info = json.loads(ready)
        self.url: str = info["url"]
        self.jwks_url: str = info["jwks_url"]

    def sign_up(self, email: str) -> tuple[str, str]:
        """Sign a user up with Better Auth's client; return (user id, JWT)."""
        result = node("get-token.mjs", self.url, email)
        return result["user_id"], result["token"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()
        self.log.close()


@pytest.fixture
def better_auth(request, tmp_path, settings):
    """A running Better Auth server, and our settings pointed at it as a deployment would be."""
    algorithm, env = request.param if isinstance(request.param, tuple) else (request.param, {})
    server = BetterAuthServer(algorithm, tmp_path / "better-auth.log", **env)
    settings.BETTER_AUTH_URL = server.url
    settings.BETTER_AUTH_JWKS_URL = server.jwks_url
    settings.BETTER_AUTH_JWKS_ISSUER = server.url
    settings.BETTER_AUTH_JWKS_AUDIENCE = server.url
    clear_jwks_caches()
    try:
        yield server
    finally:
        clear_jwks_caches()
        server.stop()


def call_api(method: str, url: str, token: str, body: dict | None = None) -> dict:
    args = [method, url, token] + ([json.dumps(body)] if body is not None else [])
    return node("call-api.mjs", *args)


@pytest.mark.parametrize("better_auth", ["EdDSA", "ES256", "RS256", "PS256", "ES512"], indirect=True)
def test_token_from_real_better_auth_creates_a_task_owned_by_its_user(better_auth, live_server):
    alice_id, alice_token = better_auth.sign_up("alice@example.com")
    bob_id, bob_token = better_auth.sign_up("bob@example.com")
    assert alice_id != bob_id

    created = call_api("POST", f"{live_server.url}/api/tasks", alice_token, {"title": "From Better Auth"})
    assert created["status"] == 201, created
    task = created["body"]
    assert task["user_id"] == alice_id
    assert created["location"] == f"{live_server.url}/api/tasks/{task['id']}"

    assert call_api("GET", f"{live_server.url}/api/tasks/{task['id']}", alice_token)["status"] == 200
    assert call_api("GET", f"{live_server.url}/api/{alice_id}/tasks", alice_token)["body"] == [task]

    other = call_api("GET", f"{live_server.url}/api/tasks/{task['id']}", bob_token)
    assert other["status"] == 404
    assert other["body"]["error_code"] == "RESOURCE_NOT_FOUND"
    assert call_api("GET", f"{live_server.url}/api/tasks", bob_token)["body"] == []
    assert call_api("GET", f"{live_server.url}/api/{alice_id}/tasks", bob_token)["status"] == 403


@pytest.mark.parametrize("better_auth", [("EdDSA", {"BA_JWT_EXPIRATION": "1000"})], indirect=True)
def test_expired_token_from_real_better_auth_is_token_expired(better_auth, live_server):
    _, token = better_auth.sign_up("late@example.com")
    response = call_api("GET", f"{live_server.url}/api/tasks", token)
    assert response["status"] == 401
    assert response["body"]["error_code"] == "TOKEN_EXPIRED"


@pytest.mark.parametrize("better_auth", [("EdDSA", {"BA_JWT_AUDIENCE": "https://another-api.example"})], indirect=True)
def test_token_from_real_better_auth_for_another_audience_is_invalid(better_auth, live_server):
    _, token = better_auth.sign_up("elsewhere@example.com")
    response = call_api("GET", f"{live_server.url}/api/tasks", token)
    assert response["status"] == 401
    assert response["body"]["error_code"] == "INVALID_TOKEN"


@pytest.mark.parametrize("better_auth", ["EdDSA"], indirect=True)
def test_token_from_another_better_auth_instance_is_invalid(better_auth, live_server, tmp_path):
    stranger = BetterAuthServer("EdDSA", tmp_path / "stranger.log")
    try:
        _, foreign_token = stranger.sign_up("mallory@example.com")
    finally:
        stranger.stop()
    response = call_api("GET", f"{live_server.url}/api/tasks", foreign_token)
    assert response["status"] == 401
    assert response["body"]["error_code"] == "INVALID_TOKEN"
