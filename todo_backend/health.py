"""``GET /api/health``: is this process up, and can it reach its database?"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from todo_backend.exception_handler import DATABASE_RETRY_AFTER, error_body
from todo_backend.exceptions import ErrorCode

logger = logging.getLogger(__name__)


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.ChoiceField(choices=["ok", "unreachable"])
    detail = serializers.CharField(required=False)
    error_code = serializers.CharField(required=False)


class HealthView(APIView):
    """Unauthenticated, so load balancers and uptime checks can call it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Health check",
        responses={200: HealthSerializer, 503: HealthSerializer},
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            logger.warning("Health check: the database is unreachable", exc_info=True)
            return Response(
                {
                    "status": "unavailable",
                    "database": "unreachable",
                    **error_body("The database is unreachable.", ErrorCode.SERVICE_UNAVAILABLE),
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
            )
        return Response({"status": "ok", "database": "ok"})
