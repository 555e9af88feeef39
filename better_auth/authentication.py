"""DRF authentication for Better Auth bearer tokens.

Like DRF's ``TokenAuthentication``, the class only authenticates: it reads the credentials,
verifies them and returns ``(user, claims)``, or None when none came, or raises
``AuthenticationFailed``. What the caller may see is decided by permissions and by the task
queryset; how often a client may fail to authenticate is a throttle's business
(``todo_backend.throttling``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from better_auth.tokens import verify_token
from better_auth.users import TokenUser

AUTH_SCHEME = "bearer"
REALM = "api"
# Where the browsable API's token login page keeps the pasted token (better_auth.views).
SESSION_TOKEN_KEY = "api_token"


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


def get_session_token(request: Request) -> str | None:
    """The token a developer pasted into the browsable API's login page, if that mode is on."""
    if not settings.API_BROWSABLE:
        return None
    session = getattr(request, "session", None)
    token = session.get(SESSION_TOKEN_KEY) if session is not None else None
    return token if isinstance(token, str) and token else None


def enforce_csrf(request: Request) -> None:
    """A token held in a cookie-backed session rides along with any cross-site form post,
    so unsafe methods must prove they come from our own pages (as DRF's SessionAuthentication does)."""
    check = CSRFCheck(lambda _request: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise PermissionDenied(f"CSRF Failed: {reason}")


class BetterAuthJWTAuthentication(BaseAuthentication):
    """``Authorization: Bearer <jwt>``, verified by ``better_auth.tokens.verify_token``.

    On success ``request.user`` is a ``TokenUser`` whose ``id`` is the token's ``sub``; no
    database query is made. Only with ``API_BROWSABLE`` on, and only when no ``Authorization``
    header came, a token held in the session is used instead, with CSRF enforced.
    """

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        token = get_bearer_token(request)
        from_session = token is None and (token := get_session_token(request)) is not None
        if token is None:
            return None
        claims = verify_token(token)
        if from_session:
            enforce_csrf(request)
        return TokenUser(id=claims["sub"], claims=claims), claims

    def authenticate_header(self, request: Request) -> str:
        # A 401 for a request that carried a bearer token can only mean that token was refused.
        if get_bearer_token(request) is not None:
            return f'Bearer realm="{REALM}", error="invalid_token"'
        return f'Bearer realm="{REALM}"'
