"""What rendering one template may cost, so that no spec can hang a command or fill the memory:
loop rounds and calls are counted, every text, list or range a template builds or writes counts
by its length, numbers are kept to a sane size, and a rendering has a deadline. An operation
that would cross a bound is refused before it is computed, with a TemplateFailure that names it.

Jinja folds constant expressions while it compiles (`{{ 9 ** 999999999 }}` would be computed
by `runner validate`): the bounded operators are intercepted and the filters take the context,
and Jinja folds neither, so compiling computes nothing a bound could refuse."""

from __future__ import annotations

import math
import re
import string
import time
from collections.abc import Callable, Sized
from typing import Any

from jinja2 import Undefined, nodes, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

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
        return budget

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateFailure(f"the template takes more than {MAX_STEPS:,} loop rounds and calls", HINT)
        if self.clock() > self.deadline:
            raise TemplateFailure(f"the template takes longer than {MAX_SECONDS:g} s to render", HINT)

    def afford(self, size: int, what: str) -> None:
        """Refuse, before it is computed, what would build more than is left."""
        if self.built + size > MAX_BUILT:
            raise TemplateFailure(f"the template builds more than {MAX_BUILT:,} characters ({what})", HINT)

    def build(self, value: Any, what: str) -> Any:
        self.afford(_size(value), what)
        self.built += _size(value)
        return value


def _size(value: Any) -> int:
    return len(value) if isinstance(value, Sized) and not isinstance(value, Undefined) else 0


def _bits(bits: float, what: str) -> None:
    if bits > MAX_BITS:
        raise TemplateFailure(f"the template computes a number of more than {MAX_BITS:,} bits ({what})", HINT)


def _width(value: Any) -> int:
    return value if isinstance(value, int) else 0


PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _printf(text: Any, *_args: Any, **_kwargs: Any) -> int:
    """The widths and precisions a `%` format asks for (`'%-9999999s' % x`)."""
    if not isinstance(text, str):
        return 0
    sizes = [part for match in PRINTF.finditer(text) for part in match.groups() if part]
    if "*" in sizes:
        raise TemplateFailure("the template takes a width from its arguments (%*s)", "write the width in the format itself")
    return len(text) + sum(int(size) for size in sizes)


def _format(text: str, *_args: Any, **_kwargs: Any) -> int:
    """The widths and precisions a `str.format` asks for (`'{:>9999999}'`)."""
    size = len(text)
    for _literal, _field, spec, _conversion in string.Formatter().parse(text):
        if spec and "{" in spec:
            raise TemplateFailure("the template takes a width from its arguments ({:{}})", "write the width in the format itself")
        size += sum(int(number) for number in re.findall(r"\d+", spec or ""))
    return size


def _joined(items: Any, separator: Any = "", *_args: Any) -> int:
    if not isinstance(items, list | tuple):
        return 0
    return len(items) * len(str(separator)) + sum(len(item) for item in items if isinstance(item, str))


def _replaced(text: Any, old: Any, new: Any, count: Any = None, *_args: Any) -> int:
    text, old, new = str(text), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    return len(text) + (found if not isinstance(count, int) or count < 0 else min(found, count)) * len(new)


def _indented(text: Any, width: Any = 4, *_args: Any, **_kwargs: Any) -> int:
    text = str(text)
    return len(text) + (text.count("\n") + 1) * (width if isinstance(width, int) else len(str(width)))


def _wrapped(text: Any, width: Any = 79, _long: Any = True, wrapstring: Any = None, *_args: Any, **_kwargs: Any) -> int:
    text = str(text)
    lines = len(text) // max(_width(width), 1) + text.count("\n") + 1
    return len(text) + lines * len(str(wrapstring or "\n"))


def _summed(items: Any, _attribute: Any = None, start: Any = 0) -> int:
    return _size(start) + sum(_size(item) for item in items) if isinstance(items, list | tuple) else _size(start)


# What a filter or a str method will build, before it builds it: the ones whose arguments
# multiply (a width, a separator per item, a replacement per match)
FILTERS: dict[str, Callable[..., int]] = {
    "center": lambda text, width=80, *a: max(len(str(text)), _width(width)),
    "indent": _indented,
    "wordwrap": _wrapped,
    "join": _joined,
    "replace": _replaced,
    "format": _printf,
    "slice": lambda items, slices, *a: _width(slices),
    "tojson": lambda value, indent=None, *a: len(str(value)) * (1 + _width(indent)),
    "sum": _summed,
}
METHODS: dict[str, Callable[..., int]] = {
    "center": lambda text, width=0, *a: max(len(text), _width(width)),
    "ljust": lambda text, width=0, *a: max(len(text), _width(width)),
    "rjust": lambda text, width=0, *a: max(len(text), _width(width)),
    "zfill": lambda text, width=0, *a: max(len(text), _width(width)),
    "expandtabs": lambda text, size=8, *a: len(text) + text.count("\t") * _width(size),
    "join": lambda separator, items=(), *a: _joined(items, separator),
    "replace": _replaced,
    "format": _format,
    "format_map": _format,
}


def _estimate(table: dict[str, Callable[..., int]], name: str, value: Any, args: tuple, kwargs: dict) -> int:
    try:
        return table[name](value, *args, **kwargs) if name in table else 0
    except (TypeError, ValueError):  # arguments the operation itself refuses: it says why
        return 0


def _bounded_filter(name: str, func: Callable) -> Callable:
    """A filter whose result counts, refused before it runs when its arguments ask too much."""
    passes = getattr(func, "jinja_pass_arg", None)  # what Jinja hands the filter first, if anything
    what = "~ or the filter join" if name == "join" else f"the filter {name}"

    @pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        budget = Budget.of(context)
        budget.afford(_estimate(FILTERS, name, value, args, kwargs), what)
        first = () if passes is None else ({"context": context, "eval_context": context.eval_ctx, "environment": context.environment}[passes.name],)
        return budget.build(func(*first, value, *args, **kwargs), what)

    return bounded


@pass_context
def _rounds(context: Context, iterable: Any) -> Any:
    budget = Budget.of(context)
    for item in iterable:
        budget.step()
        yield item


@pass_context
def _write(context: Context, value: Any) -> str:
    return Budget.of(context).build(str(value), "what it writes")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no Python internals, no changing lists and dicts in place) with every
    loop round, call, operator and filter counted against the rendering's budget."""

    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum")  # paragraphs of filler text, any number of them: no use in the books
        self.filters = {name: _bounded_filter(name, func) for name, func in self.filters.items()}
        self.filters.update({ROUNDS: _rounds, WRITE: _write})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        what = f"{_short(left)} {operator} {_short(right)}"
        budget = Budget.of(context)
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _bits(right * math.log2(abs(left)), what)
        if operator == "*" and isinstance(left, int) and isinstance(right, int):
            _bits(left.bit_length() + right.bit_length(), what)
        elif operator == "*" and isinstance(left, int) != isinstance(right, int):
            times, items = (left, right) if isinstance(left, int) else (right, left)
            budget.afford(_size(items) * max(times, 0), what)
        elif operator == "+":
            budget.afford(_size(left) + _size(right), what)
        elif operator == "%":
            budget.afford(_printf(left), what)
        return budget.build(super().call_binop(context, operator, left, right), what)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (names no keyword argument can take)
        budget = Budget.of(__context)
        budget.step()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        if isinstance(getattr(method, "__self__", None), str):
            budget.afford(_estimate(METHODS, method.__name__, method.__self__, args, kwargs), f"str.{method.__name__}")
        result = super().call(__context, __obj, *args, **kwargs)
        # new text counts (a macro's output, str.upper()); a value looked up (dict.get) was counted where it was made
        return budget.build(result, f"a call of {getattr(method, '__name__', 'a function')}") if isinstance(result, str) else result

    def bounded(self, tree: nodes.Template) -> nodes.Template:
        """The parsed template with its loops, writes and `~` joins going through the budget."""
        tree = _Counted().visit(tree)
        tree.set_environment(self)
        return tree


class _Counted(NodeTransformer):
    def visit_For(self, node: nodes.For) -> nodes.For:
        node = self.generic_visit(node)
        node.iter = _filter(node.iter, ROUNDS)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Output:
        node = self.generic_visit(node)
        node.nodes = [_filter(child, WRITE) for child in node.nodes]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        node = self.generic_visit(node)
        return _filter(nodes.List(node.nodes, lineno=node.lineno), "join")  # `a ~ b` is `[a, b] | join`, counted


def _filter(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def _short(value: Any) -> str:
    """An operand as the message shows it: short ones as written, others by their type."""
    if isinstance(value, int) and value.bit_length() < 100 or isinstance(value, str) and len(value) < 30:
        return repr(value)
    return f"a {type(value).__name__} of {_size(value):,}" if _size(value) else f"a {type(value).__name__}"
