"""Rate strings in DRF's ``N/period`` form (``600/min``), for the settings and the throttles."""

from __future__ import annotations

import functools
import re

RATE_FORMAT = re.compile(r"(?P<count>[1-9][0-9]*)/(?P<period>s|sec|second|m|min|minute|h|hour|d|day)")
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.lru_cache(maxsize=16)
def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/min"`` -> ``(600, 60)``: requests allowed, and the period in seconds.

    Raises ValueError for anything else (DRF's own parser would accept ``600/mango``).
    """
    match = RATE_FORMAT.fullmatch(rate.strip())
    if match is None:
        raise ValueError(f"{rate!r} is not N/period, with period s, sec, m, min, h, hour, d or day (e.g. 600/min)")
    return int(match["count"]), PERIOD_SECONDS[match["period"][0]]
