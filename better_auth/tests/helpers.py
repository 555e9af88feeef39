"""Helpers for tests that need tokens: shared-secret tokens, and Better Auth's key pairs and
JWKS as its ``jwt()`` plugin has them."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, get_default_algorithms


def encode_token(
    sub: Any = "alice",
    *,
    key: str | bytes | None = None,
    algorithm: str = "HS256",
    expires_in: int = 3600,
    headers: dict[str, Any] | None = None,
    omit: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A signed JWT with sane defaults (``sub``, ``iat``, ``exp``); ``omit`` drops claims."""
    now = int(time.time())
    payload = {"sub": sub, "iat": now, "exp": now + expires_in, **claims}
    for name in omit:
        payload.pop(name, None)
    return jwt.encode(
        payload,
        key if key is not None else settings.BETTER_AUTH_SECRET,
        algorithm=algorithm,
        headers=headers,
    )


def sign_raw(header: str, payload: str, key: str | None = None) -> str:
    """An HS256 token over exactly these JSON texts, for shapes no JSON encoder would write."""
    segment = lambda text: base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()  # noqa: E731
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = get_default_algorithms()["HS256"].sign(signing_input.encode(), (key or settings.BETTER_AUTH_SECRET).encode())
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


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


GENERATORS = {
    "EdDSA": lambda: ed25519.Ed25519PrivateKey.generate(),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ES512": lambda: ec.generate_private_key(ec.SECP521R1()),
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "PS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
}


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
