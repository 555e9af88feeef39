"""Fixtures for JWKS mode: key pairs generated here, and a JWKS served by a local HTTP server."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, get_default_algorithms

from tasks.jwks import clear_jwks_caches

BETTER_AUTH_URL = "http://better-auth.test"


@dataclass
class SigningKey:
    """A key pair as Better Auth's jwt() plugin holds it: private key, kid, and public JWK."""

    kid: str
    algorithm: str
    private_key: Any
    publish_alg: bool = True

    @property
    def public_key(self) -> Any:
        return self.private_key.public_key()

    @property
    def jwk(self) -> dict[str, Any]:
        exporter = {"OKP": OKPAlgorithm, "EC": ECAlgorithm, "RSA": RSAAlgorithm}[self.key_type]
        jwk = exporter.to_jwk(self.public_key, as_dict=True)
        jwk["kid"] = self.kid
        if self.publish_alg:
            jwk["alg"] = self.algorithm
        return jwk

    @property
    def key_type(self) -> str:
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return "OKP"
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return "EC"
        return "RSA"

    def sign(self, sub: Any = "ba-user-1", *, expires_in: int = 900, headers: dict | None = None, **claims: Any) -> str:
        """A token shaped like Better Auth 1.7's: sub = id, email, name, iat, exp, iss, aud; kid, no typ."""
        now = int(time.time())
        payload = {
            "sub": sub,
            "id": sub,
            "email": "user@example.com",
            "name": "A User",
            "iat": now,
            "exp": now + expires_in,
            "iss": BETTER_AUTH_URL,
            "aud": BETTER_AUTH_URL,
            **claims,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(
            payload,
            self.private_key,
            algorithm=self.algorithm,
            headers={"kid": self.kid, "typ": None, **(headers or {})},
        )

    def sign_with_header(self, header: dict[str, Any], sub: Any = "ba-user-1") -> str:
        """Sign by hand, for headers PyJWT refuses to produce (no kid, a kid that is a list)."""
        now = int(time.time())
        payload = {"sub": sub, "iat": now, "exp": now + 900, "iss": BETTER_AUTH_URL, "aud": BETTER_AUTH_URL}
        signing_input = f"{_b64_json(header)}.{_b64_json(payload)}".encode()
        signature = get_default_algorithms()[self.algorithm].sign(signing_input, self.private_key)
        return f"{signing_input.decode()}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _b64_json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


_GENERATORS = {
    "EdDSA": lambda: ed25519.Ed25519PrivateKey.generate(),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ES512": lambda: ec.generate_private_key(ec.SECP521R1()),
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "PS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
}


@pytest.fixture(scope="session")
def make_signing_key():
    """Generate key pairs once per session (RSA generation is slow); kids stay unique per call."""
    pool: dict[str, Any] = {}
    counter = iter(range(1_000_000))

    def make(algorithm: str = "EdDSA", kid: str | None = None, *, fresh: bool = False, publish_alg: bool = True):
        if fresh or algorithm not in pool:
            private_key = _GENERATORS[algorithm]()
            if fresh:
                return SigningKey(kid or f"kid-{next(counter)}", algorithm, private_key, publish_alg)
            pool[algorithm] = private_key
        return SigningKey(kid or f"kid-{next(counter)}", algorithm, pool[algorithm], publish_alg)

    return make


@dataclass
class JWKSServer:
    """A JWKS endpoint on 127.0.0.1 that tests can rotate, break, slow down and count."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"  # ok | error | slow | drip | garbage | huge
    delay: float = 0.0
    requests: int = 0
    url: str = ""

    def publish(self, *signing_keys: SigningKey) -> None:
        self.keys = [key.jwk for key in signing_keys]

    def body(self) -> bytes:
        if self.mode == "garbage":
            return b"<html>not json</html>"
        if self.mode == "huge":
            return b'{"keys": [' + b'{"kid": "x"},' * 100_000 + b'{"kid": "y"}]}'
        return json.dumps({"keys": self.keys}).encode()


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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
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
