"""Durations as people write them in a spec or on the command line: 90s, 15m, 2h, 1d."""

from __future__ import annotations

import re
from datetime import timedelta

FORM = re.compile(r"\s*([1-9][0-9]*)\s*([smhd])\s*")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str, units: str = "smhd") -> timedelta | None:
    """The duration `text` writes, in one of `units`; None when it is not one."""
    match = FORM.fullmatch(str(text or ""))
    if not match or match[2] not in units:
        return None
    return timedelta(**{UNITS[match[2]]: int(match[1])})
