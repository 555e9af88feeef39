from django.conf import settings
from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from todo_backend.docs import SchemaView
from todo_backend.health import HealthView
from todo_backend.home import HomeView

handler400 = "todo_backend.exception_handler.handler400"
handler404 = "todo_backend.exception_handler.handler404"
handler500 = "todo_backend.exception_handler.handler500"

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@extend_schema(exclude=True)
@api_view(ALL_METHODS)
@authentication_classes([])
@permission_classes([AllowAny])
def api_route_not_found(request, *args, **kwargs):
    """Unknown ``/api/`` routes answer the API's JSON 404 (also with DEBUG on, whatever the method)."""
    raise NotFound("No API route matches this path.")


urlpatterns = [
    # The task routes come first: they take nearly every request, and Django tries patterns in
    # order. (Neither family matches /api/health, /api/schema, /api/docs or /api/redoc.)
    path("api/", include("tasks.urls")),
    path("", HomeView.as_view(), name="home"),
    re_path(r"^api/health/?$", HealthView.as_view(), name="health"),
    re_path(r"^api/schema/?$", SchemaView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^api/redoc/?$", SpectacularRedocView.as_view(url_name="schema", template_name="redoc_offline.html"), name="redoc"),
    re_path(r"^api(?:/.*)?$", api_route_not_found),
]
if settings.API_BROWSABLE:  # the browsable API's token login; without it, /api-auth/ is a 404
    urlpatterns.append(path("api-auth/", include("better_auth.urls")))
