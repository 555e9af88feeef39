from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.utils import html

from tasks.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: DRF's CharField would turn ``123`` into ``"123"``.

    NUL and lone surrogates are refused by CharField's own validators (PostgreSQL cannot store them).
    """

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true``/``false`` and nothing else: DRF's BooleanField accepts ``"yes"`` and ``1``.

    HTML forms (the browsable API's, with ``API_BROWSABLE`` on) can only send text, so their
    checkbox values are read as booleans before the strict check; JSON bodies never take that path.
    """

    default_error_messages = {"invalid": "Must be a boolean (true or false)."}
    HTML_VALUES = {"true": True, "on": True, "false": False, "off": False}

    def get_value(self, dictionary: Any) -> Any:
        value = super().get_value(dictionary)
        if html.is_html_input(dictionary) and isinstance(value, str):
            return self.HTML_VALUES.get(value.lower(), value)
        return value

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


# The docstring below is public: it describes the Task schema in /api/docs. For maintainers: this
# serializer validates bodies and describes the schema; responses are built from the database row
# (tasks.queries), which already has exactly these fields, so it never runs on the read path.
class TaskSerializer(serializers.Serializer):
    """A to-do item. The server sets `id`, `user_id` (the token's user), `created_at` and
    `updated_at`; values for them in a request body are ignored."""

    id = serializers.IntegerField(read_only=True)
    user_id = serializers.CharField(read_only=True, help_text="The owner: the token's sub.")
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, trim_whitespace=True)
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        allow_null=True,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
    )
    completed = StrictBooleanField(required=False)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CompleteSerializer(serializers.Serializer):
    """Body of ``PATCH tasks/{id}/complete``: ``{"completed": bool}`` sets it; ``{}`` toggles."""

    completed = StrictBooleanField(required=False)
