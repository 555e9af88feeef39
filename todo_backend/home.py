"""``GET /``: what this server is and where to go next, for a person or a program."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from todo_backend import __version__


class HomeView(APIView):
    """HTML for browsers (they ask for ``text/html``), JSON for everything else."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, TemplateHTMLRenderer]
    template_name = "home.html"

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        links = {
            "docs": request.build_absolute_uri(reverse("docs")),
            "redoc": request.build_absolute_uri(reverse("redoc")),
            "schema": request.build_absolute_uri(reverse("schema")),
            "health": request.build_absolute_uri(reverse("health")),
            "tasks": request.build_absolute_uri(reverse("tasks:task-list")),
        }
        return Response({"name": "Todo API", "version": __version__, "links": links})
