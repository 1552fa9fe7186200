"""What rendering one template may cost, so that no spec can hang a command or fill the memory:
loop rounds and calls are counted, every text, list or range a template builds or writes counts
by its length, numbers are kept to a sane size, and a rendering has a deadline. An operation
that would cross a bound is refused before it is computed, with a LimitExceeded (a
TemplateFailure) that names it.

What an operation will build is known before it runs, from its arguments as they will be
written (`weight`: a list of a long text written 400,000 times is 400,000 times that text,
not 400,000 items), and what grows piece by piece is counted as it grows: `str.format` field
by field (a field repeated 100,000 times), `join` and `sum` over a generator item by item
(`select|join`). So one rendering holds at most a small multiple of MAX_BUILT characters:
that is its memory bound, and no single operation runs long enough to outlast the deadline.
`worst_case` renders a template on a context of long texts and many lines, so that
`runner validate` refuses a template that crosses a bound on it. The estimates are in
estimates.py, the environment that counts in bounded.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sized
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from jinja2 import Undefined
from jinja2.runtime import Context
from jinja2.utils import Namespace

from runner.errors import TemplateFailure

MAX_STEPS = 100_000  # loop rounds and calls
MAX_BUILT = 1_000_000  # characters (or items) built or written in all
MAX_BITS = 10_000  # a number's size: about 3,000 digits
MAX_SECONDS = 2.0
HINT = (
    f"make the template simpler: one rendering may take {MAX_STEPS:,} loop rounds and calls, "
    f"build or write {MAX_BUILT:,} characters, use numbers of {MAX_BITS:,} bits and last {MAX_SECONDS:g} s"
)
# Names no template can write (they hold a space): the render's budget in its context, and the
# filters the compiled template calls on every loop round and on everything it writes.
BUDGET, ROUNDS, WRITE = " budget", " rounds", " write"


class LimitExceeded(TemplateFailure):
    """A rendering crossed one of the bounds above (not a mistake of the data it was given)."""


class Budget:
    """What one rendering has spent so far."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock, self.steps, self.built = clock, 0, 0
        self.deadline = clock() + MAX_SECONDS

    @staticmethod
    def of(context: Context) -> Budget:
        budget = context.parent.get(BUDGET)
        if budget is None:  # rendered without Templates.render (Template.render): a budget of its own
            budget = context.parent[BUDGET] = Budget()
        CURRENT.set(budget)  # for what is called without the context (str.format)
        return budget

    @property
    def left(self) -> int:
        return MAX_BUILT - self.built

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise LimitExceeded(f"the template takes more than {MAX_STEPS:,} loop rounds and calls", HINT)
        self.in_time()

    def in_time(self) -> None:
        if self.clock() > self.deadline:
            raise LimitExceeded(f"the template takes longer than {MAX_SECONDS:g} s to render", HINT)

    def afford(self, size: int, what: str) -> None:
        """Refuse, before it is computed, what would build more than is left."""
        if self.built + size > MAX_BUILT:
            raise LimitExceeded(f"the template builds more than {MAX_BUILT:,} characters ({what})", HINT)

    def written(self, *values: Any, what: str) -> None:
        """Refuse, before they are written as text, values whose text would not fit."""
        if any(type(value) is not str for value in values):
            self.afford(sum(weight(value, self.left + 1) for value in values), what)

    def build(self, value: Any, what: str) -> Any:
        self.afford(size_of(value), what)
        self.built += size_of(value)
        self.in_time()
        return value

    def counted(self, items: Iterable, what: str, between: int = 0) -> list:
        """A generator's items as a list, each a round of the budget (and its text counted as it
        grows, with `between` characters per item: a join's separator), so a join that would
        outgrow the budget stops at the item that crosses it, not after the whole generator."""
        kept, size = [], 0
        for item in items:
            self.step()
            size += weight(item, self.left + 1) + (between if kept else 0)
            self.afford(size, what)
            kept.append(item)
        return kept


CURRENT: ContextVar[Budget | None] = ContextVar("CURRENT", default=None)  # the rendering under way


def weight(value: Any, cap: int) -> int:
    """How long `value` is when written as text (str()), deep: a list counts the text of its
    items, as repr() writes them. Counted up to `cap` (more is more than is left), so it costs
    at most that many steps whatever the value holds (a cycle through a namespace too)."""
    total, stack = 0, [(value, False)]
    while stack and total <= cap:
        item, inner = stack.pop()
        if isinstance(item, str):
            total += len(item) if not inner else len(item) + 2 if item.isprintable() else (4 if item.isascii() else 10) * len(item) + 2
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() * 3 // 10 + 2
        elif isinstance(item, Decimal):  # written as `f`, 1E+999 is a thousand digits
            total += len(item.as_tuple().digits) + abs(item.adjusted()) + 3 if item.is_finite() else 9
        elif isinstance(item, float):
            total += 24
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            stack.extend((part, True) for pair in item.items() for part in pair)
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            stack.extend((part, True) for part in item)
        elif isinstance(item, Namespace):  # <Namespace {...}>: what it holds
            total += 14
            stack.append((object.__getattribute__(item, "_Namespace__attrs"), True))
        elif isinstance(item, Undefined):
            continue
        else:  # a function, a macro, a cycler, range(...): a short name
            total += 100
    return total


def size_of(value: Any) -> int:
    return len(value) if isinstance(value, Sized) and not isinstance(value, Undefined) else 0


def check_bits(bits: float, what: str) -> None:
    if bits > MAX_BITS:
        raise LimitExceeded(f"the template computes a number of more than {MAX_BITS:,} bits ({what})", HINT)
