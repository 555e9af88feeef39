from django.apps import AppConfig


class BetterAuthConfig(AppConfig):
    """Who is calling: Better Auth's JWTs, verified with the shared secret or its JWKS."""

    name = "better_auth"
    verbose_name = "Better Auth tokens"

    def ready(self) -> None:
        # Registered on import: the settings' system check and the OpenAPI bearer scheme.
        from better_auth import checks, openapi  # noqa: F401
