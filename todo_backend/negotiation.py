"""Content negotiation: exactly the media types the API reads, and never a 406."""

from __future__ import annotations

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JSONFallbackNegotiation(DefaultContentNegotiation):
    """Honour ``Accept`` when a renderer matches it, otherwise answer with the first renderer (JSON).

    A client that sends ``Accept: text/plain`` is better served by JSON it can read than by a
    406 it has to handle; the API's contract is JSON on every ``/api/`` response. Likewise an
    unknown ``?format=`` (DRF would answer 404) is ignored like any other unknown parameter.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        if len(renderers) == 1:
            # Production has one renderer (JSON): nothing to choose, so no Accept header to parse.
            return renderers[0], renderers[0].media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotAcceptable, Http404):
            return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        """The parser of the body's media type itself: ``*/*`` or ``application/*`` are no JSON.

        DRF's own choice lets a wildcard in ``Content-Type`` match any parser; parameters such
        as ``charset`` are still allowed (the parser decides what it accepts of them).
        """
        media_type = (request.content_type or "").partition(";")[0].strip().lower()
        return next((parser for parser in parsers if parser.media_type == media_type), None)
