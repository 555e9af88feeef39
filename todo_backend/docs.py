"""The OpenAPI schema endpoint (the Swagger UI and ReDoc pages are drf-spectacular's own)."""

from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView

from todo_backend.lifecycle import FreeResponseOnClose


class SchemaView(FreeResponseOnClose, SpectacularAPIView):
    """``GET /api/schema``: JSON by default; YAML with ``?format=yaml`` or ``Accept: application/yaml``."""

    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer2, OpenApiYamlRenderer]
