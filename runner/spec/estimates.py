"""What a filter, a str method or a `%` format will build, estimated from its arguments as they
will be written (a width, a separator per item, a replacement per match), so that the budget
(limits.py) refuses it before it is computed."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any

from runner.spec.limits import MAX_BUILT, LimitExceeded, size_of, weight


def _width(value: Any) -> int:
    return value if isinstance(value, int) else 0


PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def printf_size(text: Any, *args: Any, **kwargs: Any) -> int:
    """What a `%` format makes: its text, the widths and precisions it asks for (`'%-9999999s'
    % x`), and each conversion at most the longest argument (`'%(a)s%(a)s' % {'a': ...}`)."""
    if not isinstance(text, str):
        return 0
    matches = list(PRINTF.finditer(text))
    sizes = [part for match in matches for part in match.groups() if part]
    if "*" in sizes:
        raise LimitExceeded("the template takes a width from its arguments (%*s)", "write the width in the format itself")
    values = [*args, *kwargs.values()]
    longest = max((weight(value, MAX_BUILT + 1) for value in values), default=0)
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
    between = weight(separator, MAX_BUILT + 1)
    if isinstance(items, str):
        return len(items) * (1 + between)
    if not isinstance(items, Iterable) or not isinstance(items, Sized):
        return 0
    return len(items) * between + sum(weight(item, MAX_BUILT + 1) for item in items)


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
    return size_of(start) + sum(size_of(item) for item in items) if isinstance(items, list | tuple) else size_of(start)


# What a filter or a str method will build, before it builds it: the ones whose arguments
# multiply (a width, a separator per item, a replacement per match)
FILTERS: dict[str, Callable[..., int]] = {
    "center": lambda text, width=80, *a: max(len(str(text)), _width(width)),
    "indent": _indented,
    "wordwrap": _wrapped,
    "join": _joined,
    "replace": _replaced,
    "format": printf_size,
    "slice": lambda items, slices, *a: _width(slices),
    "tojson": lambda value, indent=None, *a: weight(value, MAX_BUILT + 1) * (1 + _width(indent)),
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
        len(text) * (1 + max((weight(v, MAX_BUILT + 1) for v in table.values()), default=0)) if isinstance(table, Mapping) else len(text)
    ),
}


def estimate(table: dict[str, Callable[..., int]], name: str, value: Any, args: tuple, kwargs: dict) -> int:
    try:
        return table[name](value, *args, **kwargs) if name in table else 0
    except (TypeError, ValueError):  # arguments the operation itself refuses: it says why
        return 0
