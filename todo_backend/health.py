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

from todo_backend.counters import shared_counters
from todo_backend.exception_handler import DATABASE_RETRY_AFTER, error_body
from todo_backend.exceptions import ErrorCode

logger = logging.getLogger(__name__)


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.ChoiceField(choices=["ok", "unreachable"])
    rate_limits = serializers.ChoiceField(
        choices=["ok", "unavailable"],
        help_text="Whether requests are being counted. `unavailable` (Redis down or silent) still answers 200: "
        "the API works, with its rate limits failing open.",
    )
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
        rate_limits = "ok" if shared_counters().available() else "unavailable"
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
                    "rate_limits": rate_limits,
                    **error_body("The database is unreachable.", ErrorCode.SERVICE_UNAVAILABLE),
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
            )
        if rate_limits != "ok":
            logger.warning("Health check: the rate-limit counters are unavailable; limits fail open")
        return Response({"status": "ok", "database": "ok", "rate_limits": rate_limits})
