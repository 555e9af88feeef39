"""DRF authentication for Better Auth bearer tokens.

The class only authenticates: it turns a verified token into a caller. What that caller may see
is decided by permissions and by ``TaskViewSet.get_queryset``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from tasks.tokens import verify_token
from todo_backend.throttling import unverified_clients

AUTH_SCHEME = "bearer"
REALM = "api"
# Where the browsable API's token login page keeps the pasted token (todo_backend/token_login.py).
SESSION_TOKEN_KEY = "api_token"


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


def get_session_token(request: Request) -> str | None:
    """The token a developer pasted into the browsable API's login page, if that mode is on."""
    if not settings.API_BROWSABLE:
        return None
    session = getattr(request._request, "session", None)
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
    """``Authorization: Bearer <jwt>``, verified by ``tasks.tokens.verify_token``.

    On success ``request.user`` is a ``TokenUser`` and ``request.user_id`` its id (the token's
    ``sub``); no database query is made. Only with ``API_BROWSABLE`` on, and only when no
    ``Authorization`` header came, a token held in the session is used instead, with CSRF enforced.
    """

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        token = get_bearer_token(request)
        from_session = token is None and (token := get_session_token(request)) is not None
        if token is None:
            unverified_clients.count(request)
            return None
        # A client over its limit of unauthenticated requests is refused before its token costs
        # a signature check (todo_backend.throttling).
        unverified_clients.refuse_if_over_limit(request)
        try:
            claims = verify_token(token)
        except AuthenticationFailed:
            unverified_clients.count(request)
            raise
        if from_session:
            enforce_csrf(request)
        user = TokenUser(id=claims["sub"], claims=claims)
        # Also on the Django request, which DRF's Request proxies: so user_id is there on the
        # clones DRF makes of a request, and for the request log middleware.
        request.user_id = request._request.user_id = user.id
        return user, claims

    def authenticate_header(self, request: Request) -> str:
        # A 401 for a request that carried a bearer token can only mean that token was refused.
        if get_bearer_token(request) is not None:
            return f'Bearer realm="{REALM}", error="invalid_token"'
        return f'Bearer realm="{REALM}"'
