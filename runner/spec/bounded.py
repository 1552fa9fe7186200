"""The Jinja environment templates render in: Jinja's sandbox, with every loop round, call,
operator, filter and write counted against the rendering's budget (limits.py).

Jinja folds constant expressions while it compiles (`{{ 9 ** 999999999 }}` would be computed
by `runner validate`): the bounded operators are intercepted and the filters take the context,
and Jinja folds neither, so compiling computes nothing a bound could refuse."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from functools import update_wrapper
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from runner.spec.estimates import FILTERS, GATHERED, METHODS, TEXTUAL, estimate, printf_size
from runner.spec.limits import CURRENT, ROUNDS, WRITE, Budget, check_bits, size_of, weight


def _bounded_filter(name: str, func: Callable) -> Callable:
    """A filter whose result counts, refused before it runs when its arguments ask too much."""
    passes = getattr(func, "jinja_pass_arg", None)  # what Jinja hands the filter first, if anything
    what = "~ or the filter join" if name == "join" else f"the filter {name}"

    @pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        budget = Budget.of(context)
        if name in GATHERED and isinstance(value, Iterator):  # `select | join`: counted item by item
            separator = (args[0] if args else kwargs.get("d", "")) if name == "join" else ""
            value = budget.counted(value, what, len(separator) if isinstance(separator, str) else 0)
        if name in TEXTUAL:
            budget.written(value, *args, *kwargs.values(), what=what)
        budget.afford(estimate(FILTERS, name, value, args, kwargs), what)
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
        budget.afford(self.made + weight(value, budget.left + 1) + widths, "str.format")
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
            check_bits(right * math.log2(abs(left)), what)
        if operator == "*" and isinstance(left, int) and isinstance(right, int):
            check_bits(left.bit_length() + right.bit_length(), what)
        elif operator == "*" and isinstance(left, int) != isinstance(right, int):
            times, items = (left, right) if isinstance(left, int) else (right, left)
            budget.afford(size_of(items) * max(times, 0), what)
        elif operator == "+":
            budget.afford(size_of(left) + size_of(right), what)
        elif operator == "%":
            budget.afford(printf_size(left, *(right if isinstance(right, tuple) else (right,))), what)
        return budget.build(super().call_binop(context, operator, left, right), what)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (names no keyword argument can take)
        budget = Budget.of(__context)
        budget.step()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        if isinstance(getattr(method, "__self__", None), str):
            if method.__name__ == "join" and args and isinstance(args[0], Iterator):  # ''.join(a generator): item by item
                args = (budget.counted(args[0], "str.join", len(method.__self__)), *args[1:])
            budget.afford(estimate(METHODS, method.__name__, method.__self__, args, kwargs), f"str.{method.__name__}")
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
    return f"a {type(value).__name__} of {size_of(value):,}" if size_of(value) else f"a {type(value).__name__}"
