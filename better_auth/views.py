"""The browsable API's login: paste a JWT (or, in development, mint one) and keep it in the session.

Mounted under DRF's ``rest_framework`` namespace, so the browsable API shows its own "Log in" /
"Log out" links; the URLconf has them only when ``API_BROWSABLE`` is on. The token is verified
before it is kept; the session is a signed, HTTP-only cookie, and the authentication class enforces
CSRF when it uses it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import APIException

from better_auth.authentication import SESSION_TOKEN_KEY
from better_auth.tokens import mint_token, verify_token
from better_auth.users import user_id_error

TEMPLATE = "better_auth/token_login.html"
DEFAULT_NEXT = "/api/tasks"
MINTED_TOKEN_MINUTES = 24 * 60


def can_mint() -> bool:
    """Minting lets anyone act as any user: development only, and only with a shared secret."""
    return settings.DEBUG and bool(settings.BETTER_AUTH_SECRET)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or DEFAULT_NEXT
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return DEFAULT_NEXT


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    context = {"next": _next_url(request), "can_mint": can_mint(), "error": None, "user_id": "demo-user"}
    if request.method == "GET":
        return render(request, TEMPLATE, context)

    if "mint" in request.POST:
        user_id = request.POST.get("user_id", "").strip()
        context["user_id"] = user_id
        if not can_mint():
            context["error"] = "Minting tokens is only possible in development (DJANGO_DEBUG=1)."
            return render(request, TEMPLATE, context, status=403)
        if problem := user_id_error(user_id):
            context["error"] = problem
            return render(request, TEMPLATE, context, status=400)
        token = mint_token(user_id, minutes=MINTED_TOKEN_MINUTES)
    else:
        token = request.POST.get("token", "").strip().removeprefix("Bearer ").strip()

    try:
        verify_token(token)
    except APIException as exc:
        context["error"] = f"That token was refused: {exc.detail}"
        return render(request, TEMPLATE, context, status=400)

    request.session.flush()
    request.session[SESSION_TOKEN_KEY] = token
    return HttpResponseRedirect(context["next"])


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponseRedirect(_next_url(request))

