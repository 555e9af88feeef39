"""Request body parsing: JSON only, and strict about what counts as JSON."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers reading {"title": "a", "title": "b"} can disagree on which value wins;
    # refusing the body removes the ambiguity.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ParseError("JSON parse error - duplicate key in object.")
    return obj


class StrictJSONParser(JSONParser):
    """``application/json`` bodies: UTF-8, no duplicate keys, no NaN/Infinity.

    Django reads the body through ``request.body`` first, which enforces
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (answered 413 by the exception handler).
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        raw = stream.read()
        try:
            text = raw.decode("utf-8")
            # DRF's loads refuses NaN and Infinity, as its STRICT_JSON does.
            return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        except UnicodeDecodeError:
            raise ParseError("The request body is not valid UTF-8.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None

