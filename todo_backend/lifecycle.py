"""Letting reference counting free each API response as soon as it has been sent."""

from __future__ import annotations

from typing import Any


class FreeResponseOnClose:
    """View mixin: break DRF's reference cycles when the server closes the response.

    DRF links a view, its request and its response in cycles (``view.response``, and the
    response's ``renderer_context``, which holds the view and the response itself). Cyclic garbage
    waits for Python's full garbage collection, which runs rarely, so every response and the rows it
    rendered stay in memory until then: a worker serving 2,000-task lists grew to 380 MB. Without
    the cycles, reference counting frees them when the server is done with the response.
    """

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response._resource_closers.append(lambda: _break_cycles(self, response))
        return response


def _break_cycles(view: Any, response: Any) -> None:
    response.renderer_context = None
    view.response = None
