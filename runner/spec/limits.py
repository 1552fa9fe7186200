"""What rendering one template may cost, so that no spec can hang a command or fill the memory:
loop rounds and calls are counted, every text, list or range a template builds or writes counts
by its length, numbers are kept to a sane size, and a rendering has a deadline. An operation
that would cross a bound is refused before it is computed, with a LimitExceeded (a
TemplateFailure) that names it.

What an operation will build is known before it runs, from its arguments as they will be
written (`_weight`: a list of a long text written 400,000 times is 400,000 times that text,
not 400,000 items), and what grows piece by piece is counted as it grows: `str.format` field
by field (a field repeated 100,000 times), `join` and `sum` over a generator item by item
(`select|join`). So one rendering holds at most a small multiple of MAX_BUILT characters:
that is its memory bound, and no single operation runs long enough to outlast the deadline.
`worst_case` renders a template on a context of long texts and many lines, so that
`runner validate` refuses a template that crosses a bound on it.

Jinja folds constant expressions while it compiles (`{{ 9 ** 999999999 }}` would be computed
by `runner validate`): the bounded operators are intercepted and the filters take the context,
and Jinja folds neither, so compiling computes nothing a bound could refuse."""

from __future__ import annotations

import math
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from decimal import Decimal
from functools import update_wrapper
from typing import Any

from jinja2 import Undefined, nodes, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

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
            self.afford(sum(_weight(value, self.left + 1) for value in values), what)

    def build(self, value: Any, what: str) -> Any:
        self.afford(_size(value), what)
        self.built += _size(value)
        self.in_time()
        return value

    def counted(self, items: Iterable, what: str) -> list:
        """A generator's items as a list, each a round of the budget (and its text counted as it grows)."""
        kept, size = [], 0
        for item in items:
            self.step()
            size += _weight(item, self.left + 1)
            self.afford(size, what)
            kept.append(item)
        return kept


CURRENT: ContextVar[Budget | None] = ContextVar("CURRENT", default=None)  # the rendering under way


def _weight(value: Any, cap: int) -> int:
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


def _size(value: Any) -> int:
    return len(value) if isinstance(value, Sized) and not isinstance(value, Undefined) else 0


def _bits(bits: float, what: str) -> None:
    if bits > MAX_BITS:
        raise LimitExceeded(f"the template computes a number of more than {MAX_BITS:,} bits ({what})", HINT)


def _width(value: Any) -> int:
    return value if isinstance(value, int) else 0


PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _printf(text: Any, *args: Any, **kwargs: Any) -> int:
    """What a `%` format makes: its text, the widths and precisions it asks for (`'%-9999999s'
    % x`), and each conversion at most the longest argument (`'%(a)s%(a)s' % {'a': ...}`)."""
    if not isinstance(text, str):
        return 0
    matches = list(PRINTF.finditer(text))
    sizes = [part for match in matches for part in match.groups() if part]
    if "*" in sizes:
        raise LimitExceeded("the template takes a width from its arguments (%*s)", "write the width in the format itself")
    values = [*args, *kwargs.values()]
    longest = max((_weight(value, MAX_BUILT + 1) for value in values), default=0)
    return len(text) + sum(int(size) for size in sizes) + len(matches) * longest


def _format(text: str, *_args: Any, **_kwargs: Any) -> int:
    """The widths and precisions a `str.format` asks for (`'{:>9999999}'`)."""
    size = len(text)
    for _literal, _field, spec, _conversion in string.Formatter().parse(text):
        if spec and "{" in spec:
            raise LimitExceeded("the template takes a width from its arguments ({:{}})", "write the width in the format itself")
        size += sum(int(number) for number in re.findall(r"\d+", spec or ""))
    return size


def _joined(items: Any, separator: Any = "", *_args: Any) -> int:
    """A join's text: each item's and a separator per item (a text joins its characters)."""
    between = _weight(separator, MAX_BUILT + 1)
    if isinstance(items, str):
        return len(items) * (1 + between)
    if not isinstance(items, Iterable) or not isinstance(items, Sized):
        return 0
    return len(items) * between + sum(_weight(item, MAX_BUILT + 1) for item in items)


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
    "tojson": lambda value, indent=None, *a: _weight(value, MAX_BUILT + 1) * (1 + _width(indent)),
    "sum": _summed,
    "batch": lambda items, count, fill_with=None, *a: _width(count) if fill_with is not None else 0,
    "urlize": lambda text, *a, **k: 3 * len(str(text)) + (str(text).count(" ") + 1) * sum(len(str(v)) + 60 for v in (*a, *k.values())),
}
# the filters that write their value (and arguments) as text: what that text would be is
# refused before it is made (`[x] * 400000 | string`)
TEXTUAL = frozenset(
    "capitalize center e escape forceescape format indent lower pprint replace safe string striptags title tojson trim "
    "truncate upper urlencode urlize wordcount wordwrap xmlattr".split()
)
GATHERED = frozenset({"join", "sum"})  # filters that put a generator's items together
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
    "translate": lambda text, table=None, *a: (
        len(text) * (1 + max((_weight(v, MAX_BUILT + 1) for v in table.values()), default=0)) if isinstance(table, Mapping) else len(text)
    ),
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
        if name in GATHERED and isinstance(value, Iterator):  # `select | join`: counted item by item
            value = budget.counted(value, what)
        if name in TEXTUAL:
            budget.written(value, *args, *kwargs.values(), what=what)
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
    budget = Budget.of(context)
    budget.written(value, what="what it writes")
    return budget.build(str(value), "what it writes")


class _Counting:
    """str.format, field by field: each field's text is refused before it is made when it
    would not fit, so a field repeated 100,000 times stops at the first that does not."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        budget = CURRENT.get() or Budget()
        widths = sum(int(number) for number in re.findall(r"\d+", format_spec or ""))
        self.made = getattr(self, "made", 0)
        budget.afford(self.made + _weight(value, budget.left + 1) + widths, "str.format")
        text = super().format_field(value, format_spec)  # type: ignore[misc]
        self.made += len(text)
        return text


class _CountingFormatter(_Counting, SandboxedFormatter):
    pass


class _CountingEscapeFormatter(_Counting, SandboxedEscapeFormatter):
    pass


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no Python internals, no changing lists and dicts in place) with every
    loop round, call, operator and filter counted against the rendering's budget."""

    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum")  # paragraphs of filler text, any number of them: no use in the books
        self.filters = {name: _bounded_filter(name, func) for name, func in self.filters.items()}
        self.filters.update({ROUNDS: _rounds, WRITE: _write})

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja's sandboxed str.format and format_map, with every field counted as it is made."""
        if super().wrap_str_format(value) is None:
            return None
        text, is_map = value.__self__, value.__name__ == "format_map"

        def counted(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            escape = text.escape if isinstance(text, Markup) else None
            formatter = _CountingEscapeFormatter(self, escape=escape) if escape else _CountingFormatter(self)
            return type(text)(formatter.vformat(text, args, kwargs))

        return update_wrapper(counted, value)

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
            budget.afford(_printf(left, *(right if isinstance(right, tuple) else (right,))), what)
        return budget.build(super().call_binop(context, operator, left, right), what)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (names no keyword argument can take)
        budget = Budget.of(__context)
        budget.step()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        if isinstance(getattr(method, "__self__", None), str):
            if method.__name__ == "join" and args and isinstance(args[0], Iterator):  # ''.join(a generator): item by item
                args = (budget.counted(args[0], "str.join"), *args[1:])
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
