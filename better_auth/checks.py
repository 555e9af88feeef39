"""System checks of the authentication settings, run at start-up (``manage.py check``, and by
``todo_backend.wsgi`` before the server serves)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from better_auth.tokens import KEY_TYPES_BY_ALGORITHM


@register()
def asymmetric_algorithms_are_known(app_configs=None, **kwargs) -> list[Error]:
    unknown = [alg for alg in settings.JWT_ASYMMETRIC_ALGORITHMS if alg not in KEY_TYPES_BY_ALGORITHM]
    if not unknown:
        return []
    return [
        Error(
            f"JWT_ASYMMETRIC_ALGORITHMS names {', '.join(unknown)}, which this API cannot verify.",
            hint=f"Use only {', '.join(KEY_TYPES_BY_ALGORITHM)}.",
            id="better_auth.E001",
        )
    ]
