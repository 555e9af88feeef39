"""JSON rendering with orjson: the bytes DRF's JSONRenderer writes, several times faster.

Datetimes are written natively (UTC as ``...Z``, microseconds when non-zero, as DRF does), so rows
from the database render without a per-field conversion in Python.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.utils.encoding import force_str
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer

_LINE_SEPARATOR = "\u2028".encode()
_PARAGRAPH_SEPARATOR = "\u2029".encode()


def _default(value: Any) -> Any:
    """What orjson does not know natively: DRF's lazily translated messages."""
    if isinstance(value, Promise):
        return force_str(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


class ORJSONRenderer(JSONRenderer):
    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        if data is None:
            return b""
        options = orjson.OPT_UTC_Z
        if self.get_indent(accepted_media_type, renderer_context or {}):
            options |= orjson.OPT_INDENT_2  # the browsable API asks for indented JSON
        rendered = orjson.dumps(data, default=_default, option=options)
        # Like DRF: U+2028/U+2029 escaped, so the JSON is also a valid JavaScript literal.
        if _LINE_SEPARATOR in rendered or _PARAGRAPH_SEPARATOR in rendered:
            rendered = rendered.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
        return rendered
