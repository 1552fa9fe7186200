"""Plain-text tables, for every part that writes to a terminal (the CLI and the set-up wizard)."""

from __future__ import annotations

from collections.abc import Sequence


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = (), width: int | None = None, shrink: int | None = None) -> list[str]:
    """Rows padded into columns; the columns in `right` are right-aligned (amounts). Given a
    `width`, the column `shrink` (free text, never a code or an amount) is cut with an
    ellipsis, to no less than its heading, until the lines fit."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    if width is not None and shrink is not None:
        over = sum(widths) + 2 * (len(widths) - 1) - width
        floor = min(widths[shrink], max(len(str(rows[0][shrink])), 4))
        widths[shrink] = max(floor, widths[shrink] - max(over, 0))
        rows = [[*r[:shrink], cut(str(r[shrink]), widths[shrink]), *r[shrink + 1 :]] for r in rows]
    return ["  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"
