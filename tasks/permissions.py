from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

PATH_USER_KWARG = "user_id"


class PathUserIsCaller(BasePermission):
    """On ``/api/{user_id}/tasks...`` the path's user id must be the token's ``sub`` (else 403).

    The path id never selects rows: ``TaskViewSet.get_queryset`` scopes by the token's user alone, so this
    check only makes a mismatched URL fail loudly instead of silently serving the caller's tasks.
    """

    message = "The user id in the path does not match the access token."

    def has_permission(self, request: Request, view: APIView) -> bool:
        path_user_id = view.kwargs.get(PATH_USER_KWARG)
        return path_user_id is None or path_user_id == getattr(request.user, "id", None)
