"""How the authentication class appears in the OpenAPI schema: a bearer JWT scheme."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class BetterAuthJWTScheme(OpenApiAuthenticationExtension):
    target_class = "better_auth.authentication.BetterAuthJWTAuthentication"
    name = "BetterAuthJWT"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer", bearer_format="JWT"
        )
        scheme["description"] = (
            "A Better Auth JWT: from its jwt() plugin (verified through its JWKS) or an HS256 token "
            "signed with BETTER_AUTH_SECRET. For development: `python manage.py mint_token <user_id>`."
        )
        return scheme
