"""Renderings that need no Jinja, with Jinja's result: what lets a preview of 100,000 orders
take seconds (issue 14 #5). A Jinja rendering costs some 30 µs; an order has about twenty.

- **Written**: a template that only writes text and fields, or the first of several fields
  that is not empty (`WooCommerce order {{ order.number }}`, `{{ customer.name or
  customer.email }}`), is written directly: each field looked up as Jinja's sandbox looks
  it up (`ENV.getattr`, `ENV.getitem`), written as Jinja writes it (`str`).
- **Remembered**: any other template is a function of the fields it reads. When every one
  it reads is a plain value (text, a number, yes/no, nothing, or absent), its result is
  remembered per those values, so `mapping.vat_code` runs Jinja once per rate, country and
  VAT number, not once per line. A template that draws on chance (`random`) or imports
  another is always rendered by Jinja, and so is one whose own names (`{% set eu = ... %}`)
  would hide a name of the context it is given.

Whatever does not fit, or goes wrong (a missing field, a bound of runner.spec.limits), is
rendered by Jinja itself, which says why as it always does; nothing that failed is kept.
tests/test_shortcuts.py checks both against Jinja on generated contexts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from runner.spec.limits import MAX_BUILT

PLAIN = (str, int, float, Decimal, type(None))  # bool is an int; the key keeps the type apart
KEEP = 4096  # results remembered per template: a shop's rates and countries, many times over
IMPURE_FILTERS = frozenset({"random"})
DICT_ATTRIBUTES = frozenset(dir(dict))  # `order.items` is the dict's method to Jinja's getattr, not a key
OPAQUE = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


class Miss(Exception):
    """A value the shortcut does not handle: Jinja renders it."""


@dataclass(frozen=True)
class Field:
    """`order.billing.city`: a name of the context and the attributes or keys read from it."""

    root: str
    steps: tuple[tuple[bool, Any], ...]  # (an attribute?, its name or the key)

    def __post_init__(self) -> None:  # (name, a key the sandbox reads from a dict as it is?, an attribute?)
        plain = tuple((name, not attribute or name not in DICT_ATTRIBUTES, attribute) for attribute, name in self.steps)
        object.__setattr__(self, "_plain", plain)

    def value(self, env: ImmutableSandboxedEnvironment, context: Mapping[str, Any]) -> Any:
        try:
            value = context[self.root]
        except KeyError:
            raise Miss from None
        for name, as_key, attribute in self._plain:
            if as_key and type(value) is dict and name in value:
                value = value[name]  # what the sandbox finds too (a dict's own methods come first)
            else:
                value = env.getattr(value, name) if attribute else env.getitem(value, name)
        return value


def field(node: nodes.Node) -> Field | None:
    """The field a node reads, when it is a name with constant attributes or keys."""
    steps: list[tuple[bool, Any]] = []
    while True:
        if isinstance(node, nodes.Getattr):
            steps.append((True, node.attr))
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
            steps.append((False, node.arg.value))
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            return Field(node.name, tuple(reversed(steps)))
        else:
            return None
        node = node.node


def fields(node: nodes.Node, found: set[Field]) -> set[Field]:
    """Every field the template reads, each as long as it is written."""
    if (read := field(node)) is not None:
        found.add(read)
        return found
    for child in node.iter_child_nodes():
        fields(child, found)
    return found


class Written:
    """Text, fields and `a or b` written one after the other."""

    TEXT, FIELD, EITHER = range(3)

    def __init__(self, parts: list[Any], env: ImmutableSandboxedEnvironment) -> None:
        kinds = {Field: self.FIELD, tuple: self.EITHER}
        self.parts = tuple((kinds.get(type(part), self.TEXT), part if isinstance(part, Field | tuple) else str(part)) for part in parts)
        self.env = env

    def render(self, context: Mapping[str, Any], jinja: Callable[..., str], *args: Any) -> str:
        """The text; `jinja(*args, context)` renders it when a value is not plain to write."""
        pieces, size = [], 0
        try:
            for kind, part in self.parts:
                if kind == self.TEXT:
                    value = part
                else:
                    value = part.value(self.env, context) if kind == self.FIELD else self._either(part, context)
                    if type(value) is not str:
                        if isinstance(value, Undefined):
                            raise Miss
                        value = str(value)
                pieces.append(value)
                size += len(value)
        except Exception:  # noqa: BLE001 (a missing field and the like: Jinja says it in its words)
            return jinja(*args, context)
        if size > MAX_BUILT:  # a bound: Jinja refuses it with the message
            return jinja(*args, context)
        return "".join(pieces).strip()

    def _either(self, options: tuple, context: Mapping[str, Any]) -> Any:
        """a or b or ...: the first that is not empty, as Python's `or` (and Jinja's)."""
        value = None
        for option in options:
            value = option.value(self.env, context) if type(option) is Field else option
            if isinstance(value, Undefined):
                raise Miss
            if value:
                return value
        return value


class Remembered:
    """Jinja's result kept per the plain values of the fields the template reads."""

    def __init__(self, reads: list[Field], assigned: frozenset[str], env: ImmutableSandboxedEnvironment) -> None:
        self.reads, self.env = reads, env
        self.assigned = assigned  # the template's own names (`{% set eu = [...] %}`): made of what it reads
        self.seen: dict[tuple, str] = {}

    def render(self, context: Mapping[str, Any], jinja: Callable[..., str], *args: Any) -> str:
        """The text; `jinja(*args, context)` renders it the first time (or when a value read is not plain)."""
        key = self._key(context)
        if key is None:
            return jinja(*args, context)
        if (known := self.seen.get(key)) is not None:
            return known
        text = jinja(*args, context)
        if len(self.seen) >= KEEP:  # a shop with more combinations than that: the recent ones count
            self.seen.clear()
        self.seen[key] = text
        return text

    def _key(self, context: Mapping[str, Any]) -> tuple | None:
        if self.assigned and not self.assigned.isdisjoint(context):  # an own name that hides one of the context's
            return None
        key: list[Any] = []
        for read in self.reads:
            try:
                value = read.value(self.env, context)
            except Miss:  # not in the context: a global (range, dict, namespace...) is the same every time
                if read.root in self.env.globals:
                    continue
                return None
            except Exception:  # noqa: BLE001 (Jinja says what is wrong)
                return None
            kind = type(value)
            if kind is str:
                key += (str, value)
            elif isinstance(value, PLAIN):
                key += (kind, repr(value))  # 21 and 21.0 write differently
            elif isinstance(value, Undefined):
                key += (Undefined, None)
            else:
                return None
        return tuple(key)


@functools.lru_cache(maxsize=4096)
def plan(source: str, env: ImmutableSandboxedEnvironment) -> Written | Remembered | None:
    """How a template that needs Jinja may be rendered without it; None: always with Jinja."""
    tree = env.parse(source)
    if any(True for _ in tree.find_all(OPAQUE)) or any(f.name in IMPURE_FILTERS for f in tree.find_all(nodes.Filter)):
        return None
    assigned = frozenset(n.name for n in tree.find_all(nodes.Name) if n.ctx != "load") | ({"loop"} if any(tree.find_all(nodes.For)) else set())
    if len(tree.body) == 1 and isinstance(tree.body[0], nodes.Output):
        parts = [_part(node) for node in tree.body[0].nodes]
        if all(part is not None for part in parts):
            return Written(parts, env)
    reads = sorted((read for read in fields(tree, set()) if read.root not in assigned), key=repr)
    return Remembered(reads, assigned, env)


def _part(node: nodes.Node) -> Any:
    if isinstance(node, nodes.TemplateData):
        return node.data
    if isinstance(node, nodes.Const) and isinstance(node.value, str | int | float):
        return node.value
    if (read := field(node)) is not None:
        return read
    if isinstance(node, nodes.Or):
        left, right = _part(node.left), _part(node.right)
        if left is None or right is None:
            return None
        return (*(left if isinstance(left, tuple) else (left,)), *(right if isinstance(right, tuple) else (right,)))
    return None
