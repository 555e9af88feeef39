"""Request body parsing: JSON only, and strict about what counts as JSON."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json

from todo_backend.text import unstorable_text


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers reading {"title": "a", "title": "b"} can disagree on which value wins;
    # refusing the body removes the ambiguity.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ParseError("JSON parse error - duplicate key in object.")
    return obj


def _unstorable_member(value: Any) -> str | None:
    """Why some string in ``value`` (a key or a value, at any depth) could not be stored. A loop,
    not recursion: the parser accepts nesting as deep as Python's recursion limit."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and (problem := unstorable_text(item)):
            return problem
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return None


def _field_of(data: Any) -> str:
    """The top-level field that holds the unstorable text, where it can be named."""
    if isinstance(data, dict):
        for key, item in data.items():
            if _unstorable_member(item) and not unstorable_text(key):
                return key
    return api_settings.NON_FIELD_ERRORS_KEY


class StrictJSONParser(JSONParser):
    """``application/json`` bodies: UTF-8, no duplicate keys, no NaN/Infinity, and no lone
    surrogate anywhere (even in a field the API ignores: the body is not text, and would not even
    hash for an ``Idempotency-Key``).

    Django reads the body through ``request.body`` first, which enforces
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (answered 413 by the exception handler).
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        raw = stream.read()
        try:
            text = raw.decode("utf-8")
            # DRF's loads refuses NaN and Infinity, as its STRICT_JSON does.
            data = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        except UnicodeDecodeError:
            raise ParseError("The request body is not valid UTF-8.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        # Only a \u escape can make a lone surrogate (UTF-8 cannot encode one), so most bodies
        # skip the walk.
        if "\\u" in text and (problem := _unstorable_member(data)):
            raise ValidationError({_field_of(data): [problem]})
        return data

