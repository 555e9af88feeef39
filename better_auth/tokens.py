"""Verifying (and, for development, minting) the JWTs that Better Auth frontends send.

Two modes work side by side; the token's header picks one, and each mode has its own fixed
algorithm allow-list and its own key source, so a token can never choose a key of another family:

- shared secret: ``HS256``/``HS384``/``HS512`` verified with ``BETTER_AUTH_SECRET``;
- JWKS: Better Auth's ``jwt()`` plugin tokens (``EdDSA``, ``ES256``, ``RS256``, ``PS256``,
  ``ES512`` by default) verified with the public key its JWKS endpoint publishes under the
  token's ``kid``. The key's type (and curve) must fit the algorithm, so an HS256 token can never
  be checked against a public key, nor an EdDSA header against an RSA key.

``alg: none`` and every algorithm outside both allow-lists are refused before any key is used.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings

from better_auth.jwks import MAX_KID_LENGTH, JWKSUnavailable, get_jwks_cache
from better_auth.users import user_id_error
from todo_backend.exceptions import InvalidToken, ServiceUnavailable, TokenExpired

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
REQUIRED_CLAIMS = ("sub", "exp")

# The JWK key type (and curves) each asymmetric algorithm may be verified with (RFC 7518, 8037).
KEY_TYPES_BY_ALGORITHM: dict[str, tuple[str, frozenset[str] | None]] = {
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
}
ASYMMETRIC_ALGORITHMS = tuple(KEY_TYPES_BY_ALGORITHM)

# Compact JWS: three base64url segments. Checking the shape first means nothing but ASCII
# of a sane length ever reaches the JWT library, whatever bytes a client sends.
MAX_TOKEN_LENGTH = 8192
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class VerificationKey:
    """What one token is checked against: a key, the algorithms it may be used with, and the
    issuer and audience its claims must name (None: not checked)."""

    key: Any
    algorithms: tuple[str, ...]
    issuer: str | None
    audience: str | None


def verify_token(token: str) -> dict[str, Any]:
    """Return the verified claims of ``token``, or raise ``InvalidToken`` / ``TokenExpired``
    (or ``ServiceUnavailable`` when its key set has never been reachable).

    ``TokenExpired`` is raised only for a token that is valid in every other respect, so a
    client is never told to refresh a token that would be refused anyway.
    """
    if len(token) > MAX_TOKEN_LENGTH or not _COMPACT_JWS.fullmatch(token):
        raise InvalidToken("The access token is malformed.")
    key = _verification_key(_unverified_header(token))
    try:
        claims = _decode(token, key, verify_exp=True)
    except jwt.ExpiredSignatureError:
        try:
            _decode(token, key, verify_exp=False)
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from None
        raise TokenExpired() from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(_reason(exc)) from None

    if user_id_error(claims["sub"]):
        raise InvalidToken("The access token's subject (sub) is not a valid user id.")
    return claims


def _unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, read only to choose the key: ``jwt.decode`` then checks all of it again.

    Reading it here rather than with ``jwt.get_unverified_header`` spares decoding (and checking)
    the whole token twice per request.
    """
    segment = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error, RecursionError):  # RecursionError: JSON nested too deeply
        raise InvalidToken("The access token is malformed.") from None
    if not isinstance(header, dict):
        raise InvalidToken("The access token is malformed.")
    return header


def _verification_key(header: dict[str, Any]) -> VerificationKey:
    algorithm = header.get("alg")
    if algorithm in HMAC_ALGORITHMS and settings.BETTER_AUTH_SECRET:
        return VerificationKey(
            key=settings.BETTER_AUTH_SECRET,
            algorithms=HMAC_ALGORITHMS,
            issuer=settings.BETTER_AUTH_ISSUER or None,
            audience=settings.BETTER_AUTH_AUDIENCE or None,
        )
    if algorithm in settings.JWT_ASYMMETRIC_ALGORITHMS and (cache := get_jwks_cache()):
        return VerificationKey(
            key=_public_key(cache, algorithm, header.get("kid")),
            algorithms=(algorithm,),
            issuer=settings.BETTER_AUTH_JWKS_ISSUER or None,
            audience=settings.BETTER_AUTH_JWKS_AUDIENCE or None,
        )
    raise InvalidToken("The access token's algorithm is not allowed.")


def _public_key(cache, algorithm: str, kid: Any) -> Any:
    if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
        raise InvalidToken("The access token names no signing key (kid).")
    try:
        published = cache.get(kid)
    except JWKSUnavailable as exc:
        raise ServiceUnavailable(
            "The signing keys of the authentication server cannot be fetched right now.",
            wait=exc.retry_after,
        ) from None
    if published is None:
        raise InvalidToken("The access token's signing key (kid) is not known.")
    jwk = published.jwk
    key_type, curves = KEY_TYPES_BY_ALGORITHM[algorithm]
    if jwk.get("kty") != key_type or (curves is not None and jwk.get("crv") not in curves):
        raise InvalidToken("The access token's algorithm does not match its signing key.")
    if "alg" in jwk and jwk["alg"] != algorithm:
        raise InvalidToken("The access token's algorithm does not match its signing key.")
    if published.key is None:
        raise InvalidToken("The access token's signing key is unusable.")
    return published.key


def _decode(token: str, key: VerificationKey, *, verify_exp: bool) -> dict[str, Any]:
    return jwt.decode(
        token,
        key=key.key,
        algorithms=list(key.algorithms),
        issuer=key.issuer,
        audience=key.audience,
        leeway=settings.JWT_LEEWAY_SECONDS,
        options={
            "require": list(REQUIRED_CLAIMS),
            "verify_exp": verify_exp,
            "verify_iss": key.issuer is not None,
            # Better Auth tokens carry "aud"; it is only checked when an audience is configured.
            "verify_aud": key.audience is not None,
        },
    )


_REASONS = [
    (jwt.InvalidSignatureError, "The access token's signature is invalid."),
    (jwt.InvalidAlgorithmError, "The access token's algorithm is not allowed."),
    (jwt.ImmatureSignatureError, "The access token is not valid yet."),
    (jwt.InvalidIssuerError, "The access token's issuer is not accepted."),
    (jwt.InvalidAudienceError, "The access token's audience is not accepted."),
]


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"The access token has no {exc.claim} claim."
    return next((reason for kind, reason in _REASONS if isinstance(exc, kind)), "The access token is invalid.")


def mint_token(user_id: str, *, minutes: int = 60, algorithm: str = "HS256") -> str:
    """An HS256 token for ``user_id`` signed with the configured secret (development and curl)."""
    if not settings.BETTER_AUTH_SECRET:
        raise ValueError("BETTER_AUTH_SECRET is not set: tokens can only come from Better Auth.")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + minutes * 60}
    if settings.BETTER_AUTH_ISSUER:
        claims["iss"] = settings.BETTER_AUTH_ISSUER
    if settings.BETTER_AUTH_AUDIENCE:
        claims["aud"] = settings.BETTER_AUTH_AUDIENCE
    return jwt.encode(claims, settings.BETTER_AUTH_SECRET, algorithm=algorithm)
