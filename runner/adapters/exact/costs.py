"""Cost centres and cost units (kostenplaatsen, kostendragers): the codes a line carries
(`mapping.cost_center`, `mapping.cost_unit`), checked before posting against the
administration's `hrm/Costcenters` and `hrm/Costunits` (paths case-sensitive: `hrm/CostCenters`
answers 404) and against the GL account's `UseCostcenter`/`UseCostunit`: 1 demands one,
2 refuses one [I: 0 optional, 1 mandatory, 2 not allowed, as Exact's GL account screen offers].
The codes are read only once a line carries one: a spec without cost centres costs no call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COST_CENTERS, COST_UNITS = "hrm/Costcenters", "hrm/Costunits"
MANDATORY, NOT_ALLOWED = 1, 2


class Codes:
    """The codes of one of the two lists, read from Exact on the first question."""

    def __init__(self, read: Callable[[], frozenset[str]]) -> None:
        self._read, self._codes = read, None

    def __contains__(self, code: object) -> bool:
        if self._codes is None:
            self._codes = self._read()
        return code in self._codes


def reader(api: Any, endpoint: str) -> Callable[[], frozenset[str]]:
    return lambda: frozenset((row.get("Code") or "").strip() for row in api.get(endpoint, "Code"))


def uses(gl: dict) -> list[int]:
    """A GL account row's (UseCostcenter, UseCostunit)."""
    return [int(gl.get("UseCostcenter") or 0), int(gl.get("UseCostunit") or 0)]


def cost_problems(line: Any, use: tuple[int, int], centers: Any, units: Any) -> list[str]:
    """What Exact would refuse about a line's cost centre and cost unit; `use` is its GL
    account's (UseCostcenter, UseCostunit), `centers` and `units` the codes that exist
    (None: not known, not checked)."""
    problems = []
    for word, code, demand, known, key in (
        ("cost centre", line.cost_center, use[0], centers, "mapping.cost_center"),
        ("cost unit", line.cost_unit, use[1], units, "mapping.cost_unit"),
    ):
        if code and known is not None and code not in known:
            problems.append(f"{word} '{code}' ({line.kind} line) does not exist in this administration")
        elif not code and demand == MANDATORY:
            problems.append(
                f"GL account '{line.gl_account}' demands a {word} in this administration, but the {line.kind} line "
                f"'{line.description}' has none: give it one in {key}"
            )
        elif code and demand == NOT_ALLOWED:
            problems.append(f"GL account '{line.gl_account}' takes no {word}, but the {line.kind} line '{line.description}' has '{code}'")
    return problems
