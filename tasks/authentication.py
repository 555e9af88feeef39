"""DRF authentication for Better Auth bearer tokens.

The class only authenticates: it turns a verified token into a caller. What that caller may see
is decided by permissions and by ``TaskViewSet.get_queryset``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from tasks.tokens import verify_token

AUTH_SCHEME = "bearer"
REALM = "api"


@dataclass(frozen=True)
class TokenUser:
    """The caller, as the verified token describes them: no database row behind it."""

    id: str
    claims: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    is_authenticated: bool = True
    is_anonymous: bool = False

    @property
    def pk(self) -> str:
        return self.id

    def __str__(self) -> str:
        return self.id


def get_bearer_token(request: Request) -> str | None:
    """The token from ``Authorization: Bearer <token>``, or None when no bearer credentials came.

    Another scheme (``Basic ...``) or a bare ``Bearer`` counts as no credentials (RFC 6750 §3).
    A header with more than one value after ``Bearer`` is returned whole, so it fails verification.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != AUTH_SCHEME:
        return None
    token = token.strip()
    return token or None


class BetterAuthJWTAuthentication(BaseAuthentication):
    """``Authorization: Bearer <jwt>``, verified by ``tasks.tokens.verify_token``.

    On success ``request.user`` is a ``TokenUser`` and ``request.user_id`` its id (the token's
    ``sub``); no database query is made.
    """

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        token = get_bearer_token(request)
        if token is None:
            return None
        claims = verify_token(token)
        user = TokenUser(id=claims["sub"], claims=claims)
        request.user_id = user.id
        return user, claims

    def authenticate_header(self, request: Request) -> str:
        # A 401 for a request that carried a bearer token can only mean that token was refused.
        if get_bearer_token(request) is not None:
            return f'Bearer realm="{REALM}", error="invalid_token"'
        return f'Bearer realm="{REALM}"'
