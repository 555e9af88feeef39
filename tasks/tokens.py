"""Verifying (and, for development, minting) the JWTs that Better Auth frontends send.

Shared-secret mode: the token is signed with HMAC (HS256, HS384 or HS512) using
``BETTER_AUTH_SECRET``. The algorithm allow-list is fixed here, never taken from the token,
so ``alg: none`` and every asymmetric algorithm are refused before any key is used.
"""

from __future__ import annotations

import re
import time
from typing import Any

import jwt
from django.conf import settings

from todo_backend.errors import InvalidToken, TokenExpired

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
REQUIRED_CLAIMS = ("sub", "exp")

# Compact JWS: three base64url segments. Checking the shape first means nothing but ASCII
# of a sane length ever reaches the JWT library, whatever bytes a client sends.
MAX_TOKEN_LENGTH = 8192
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def verify_token(token: str) -> dict[str, Any]:
    """Return the verified claims of ``token``, or raise ``InvalidToken`` / ``TokenExpired``.

    ``TokenExpired`` is raised only for a token that is valid in every other respect, so a
    client is never told to refresh a token that would be refused anyway.
    """
    if len(token) > MAX_TOKEN_LENGTH or not _COMPACT_JWS.fullmatch(token):
        raise InvalidToken("The access token is malformed.")
    try:
        claims = _decode(token, verify_exp=True)
    except jwt.ExpiredSignatureError:
        try:
            _decode(token, verify_exp=False)
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from None
        raise TokenExpired() from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(_reason(exc)) from None

    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidToken("The access token has no subject (sub).")
    if len(subject) > 255 or "\x00" in subject:
        raise InvalidToken("The access token's subject (sub) is not a valid user id.")
    return claims


def _decode(token: str, *, verify_exp: bool) -> dict[str, Any]:
    issuer = settings.BETTER_AUTH_ISSUER or None
    audience = settings.BETTER_AUTH_AUDIENCE or None
    return jwt.decode(
        token,
        key=settings.BETTER_AUTH_SECRET,
        algorithms=list(HMAC_ALGORITHMS),
        issuer=issuer,
        audience=audience,
        leeway=settings.JWT_LEEWAY_SECONDS,
        options={
            "require": list(REQUIRED_CLAIMS),
            "verify_exp": verify_exp,
            "verify_iss": issuer is not None,
            # Better Auth tokens carry "aud"; it is only checked when an audience is configured.
            "verify_aud": audience is not None,
        },
    )


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.InvalidSignatureError):
        return "The access token's signature is invalid."
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "The access token's algorithm is not allowed."
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"The access token has no {exc.claim} claim."
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "The access token is not valid yet."
    if isinstance(exc, jwt.InvalidIssuerError):
        return "The access token's issuer is not accepted."
    if isinstance(exc, jwt.InvalidAudienceError):
        return "The access token's audience is not accepted."
    return "The access token is invalid."


def mint_token(user_id: str, *, minutes: int = 60, algorithm: str = "HS256") -> str:
    """An HS256 token for ``user_id`` signed with the configured secret (development and curl)."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + minutes * 60}
    if settings.BETTER_AUTH_ISSUER:
        claims["iss"] = settings.BETTER_AUTH_ISSUER
    if settings.BETTER_AUTH_AUDIENCE:
        claims["aud"] = settings.BETTER_AUTH_AUDIENCE
    return jwt.encode(claims, settings.BETTER_AUTH_SECRET, algorithm=algorithm)
