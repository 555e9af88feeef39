"""Request body parsing: JSON only, and strict about what counts as JSON."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers reading {"title": "a", "title": "b"} can disagree on which value wins;
    # refusing the body removes the ambiguity.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ParseError("JSON parse error - duplicate key in object.")
    return obj


def _reject_constant(name: str) -> None:
    raise ParseError(f"JSON parse error - {name} is not valid JSON.")


class StrictJSONParser(JSONParser):
    """``application/json`` bodies: UTF-8, no duplicate keys, no NaN/Infinity.

    Django reads the body through ``request.body`` first, which enforces
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (answered 413 by the exception handler).
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        raw = stream.read()
        try:
            text = raw.decode("utf-8")
            return json.loads(
                text,
                object_pairs_hook=_reject_duplicate_keys,
                parse_constant=_reject_constant,
            )
        except UnicodeDecodeError:
            raise ParseError("The request body is not valid UTF-8.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None

