"""The problems `validate --online` finds, one line per cause: a mistake in the mapping shows
in every recent order and every kind of line at that rate, and is still one mistake. Each
cause is told once, in the consultant's words, with how often it came up and one example."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "product line 'Stroopwafels' at 9% (NL-BTW 9%-1): " before a booking error: the example, not the cause
LINE_PREFIX = re.compile(r"^(?P<line>\w+ line '(?:[^'\\]|\\.)*' at [\d.]+% \([^)]*\)): ")
LINE_KIND = re.compile(r" \(\w+ line\)")  # "GL account '8888' (shipping line) does not exist"
LINE_NAME = re.compile(r"\b(\w+) line '(?:[^'\\]|\\.)*'")  # "but the product line 'X' is taxed at 21%"
# Jinja's words for a table lookup that finds nothing: {'21': '2', '0': '0'}[line.tax_rate | string]
NO_ENTRY = re.compile(r"(?P<key>[\w.]+: )?'dict object' has no attribute '(?P<entry>[^']*)'")


SPEC = "the spec"


@dataclass(frozen=True)
class Problem:
    """`where` is "order 5046", a line of the shop's tax table ("a fee line at 9% (NL)") or "the spec"."""

    where: str
    message: str

    @property
    def in_order(self) -> bool:
        return self.where.startswith("order ")


def plain(message: str) -> str:
    """Jinja's `'dict object' has no attribute '9'` as what it means for a template."""

    def entry(found: re.Match) -> str:
        key, value = found.group("key") or "", found.group("entry")
        return (
            f"{key}a table in the template has no entry '{value}' (a lookup such as {{'21': '2'}}[...]); "
            f"add '{value}' to the table, or use .get(..., default)"
        )

    return NO_ENTRY.sub(entry, message)


def cause(message: str) -> str:
    """The part of a problem that is the same wherever the mistake shows."""
    message = LINE_PREFIX.sub("", message)
    return plain(LINE_NAME.sub("line", LINE_KIND.sub("", message)))


def _count(problems: list[Problem]) -> str:
    orders = len({p.where for p in problems if p.in_order})
    lines = len({p.where for p in problems if p.where.startswith("a ")})
    parts = [f"{orders} order{'s' if orders != 1 else ''}"] if orders else []
    parts += [f"{lines} kind/rate combination{'s' if lines != 1 else ''} of the tax table"] if lines else []
    return " and ".join(parts) or SPEC


def grouped(problems: list[Problem]) -> list[str]:
    """One line per cause, the most frequent first: the cause, where it came up, one example
    (an order when one shows it, its line as the booking names it)."""
    causes: dict[str, list[Problem]] = {}
    for problem in problems:
        causes.setdefault(cause(problem.message), []).append(problem)
    lines = []
    for text, found in sorted(causes.items(), key=lambda item: -len({p.where for p in item[1]})):
        places = _count(found)
        shown = example(next((p for p in found if p.in_order), found[0]))
        lines.append(f"{text} ({places}; e.g. {shown})" if places != SPEC else text)
    return lines


def example(problem: Problem) -> str:
    """Where a problem showed: the order and its line (a line of the tax table names itself)."""
    if not problem.in_order:
        return problem.where
    if found := LINE_PREFIX.match(problem.message):
        return f"{problem.where}, {found.group('line')}"
    if found := LINE_NAME.search(problem.message):
        return f"{problem.where}, {found.group(0)}"
    if found := LINE_KIND.search(problem.message):
        return f"{problem.where}, its {found.group(0)[2:-1]}"
    return problem.where


def summary(problems: list[Problem]) -> str:
    """ "3 problems, found in 12 orders and 20 kind/rate combinations of the tax table"."""
    count = len({cause(p.message) for p in problems})
    places = _count(problems)
    return f"{count} problem{'s' if count != 1 else ''}" + (f", found in {places}" if places != SPEC else " in the spec's codes")
