from django.urls import include, path, re_path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from todo_backend.health import HealthView

handler400 = "todo_backend.exceptions.handler400"
handler404 = "todo_backend.exceptions.handler404"
handler500 = "todo_backend.exceptions.handler500"

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@api_view(ALL_METHODS)
@authentication_classes([])
@permission_classes([AllowAny])
def api_route_not_found(request, *args, **kwargs):
    """Unknown ``/api/`` routes answer the API's JSON 404 (also with DEBUG on, whatever the method)."""
    raise NotFound("No API route matches this path.")


urlpatterns = [
    re_path(r"^api/health/?$", HealthView.as_view(), name="health"),
    # The owner comes from the token only.
    path("api/", include("tasks.urls", namespace="tasks")),
    # The path style many frontends use; the path user id must be the token's sub (else 403).
    path("api/<str:user_id>/", include("tasks.urls", namespace="user-tasks")),
    re_path(r"^api(?:/.*)?$", api_route_not_found),
]
