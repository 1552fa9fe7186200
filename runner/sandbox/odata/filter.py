"""OData v2 `$filter` compiled to Python predicates, over the tree filter_syntax.py parses.

As strict as WCF Data Services behind Exact Online (reference 4.4): unknown fields, arithmetic,
navigation paths, field-vs-field comparisons and mismatched operand types are refused, so a
client cannot come to depend on a query the real service would answer with a 400."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from runner.sandbox.odata.filter_syntax import COMPARE, FilterError, Node, Parser, fields_in

Predicate = Callable[[dict], bool]

# Field kinds (see odata.Field) mapped to the type categories the checker compares.
KIND_TYPES = {"g": "guid", "s": "str", "i": "num", "l": "num", "n": "num", "b": "bool", "d": "date", "t": "date"}
EDM = {"guid": "Edm.Guid", "str": "Edm.String", "num": "Edm.Double", "bool": "Edm.Boolean", "date": "Edm.DateTime", "null": "null"}


FUNCTIONS: dict[str, tuple[tuple[str, ...], str, Callable[..., Any]]] = {
    "trim": (("str",), "str", lambda s: s.strip()),
    "tolower": (("str",), "str", lambda s: s.lower()),
    "toupper": (("str",), "str", lambda s: s.upper()),
    "length": (("str",), "num", len),
    "startswith": (("str", "str"), "bool", lambda s, p: s.startswith(p)),
    "endswith": (("str", "str"), "bool", lambda s, p: s.endswith(p)),
    "indexof": (("str", "str"), "num", lambda s, p: s.find(p)),
    "substringof": (("str", "str"), "bool", lambda p, s: p in s),
}


class _Compiler:
    """Type-checks the tree against an entity's field kinds and turns it into closures."""

    def __init__(self, kinds: dict[str, str], type_name: str, ci_fields: Iterable[str], substringof: bool, blank_padded: bool = False) -> None:
        self.kinds, self.type_name = kinds, type_name
        self.ci_fields, self.substringof, self.blank_padded = set(ci_fields), substringof, blank_padded

    def type_of(self, node: Node) -> str:
        tag = node[0]
        if tag == "lit":
            return node[1]
        if tag == "field":
            if node[1] not in self.kinds:
                raise FilterError(f"No property '{node[1]}' exists in type '{self.type_name}'.")
            return KIND_TYPES[self.kinds[node[1]]]
        if tag == "call":
            if node[1] not in FUNCTIONS:
                raise FilterError(f"Unknown function '{node[1]}'.")
            if node[1] == "substringof" and not self.substringof:
                raise FilterError("Not Implemented: substringof")
            arg_types, result, _ = FUNCTIONS[node[1]]
            no_signature = FilterError(f"No function signature for the function with name '{node[1]}' matches the specified arguments.")
            if len(node[2]) != len(arg_types):
                raise no_signature
            if sum(1 for arg in node[2] if fields_in(arg)) > 1:
                raise FilterError(f"Only comparisons between a field and a constant are supported ('{node[1]}').")
            for arg, wanted in zip(node[2], arg_types):
                if self.type_of(arg) not in (wanted, "null"):
                    raise no_signature
            return result
        if tag == "cmp":
            left, right = self.type_of(node[2]), self.type_of(node[3])
            if bool(fields_in(node[2])) == bool(fields_in(node[3])):
                raise FilterError(f"Only comparisons between a field and a constant are supported ('{node[1]}').")
            ordered = node[1] not in ("eq", "ne")
            if (left != right and "null" not in (left, right)) or (ordered and left in ("bool", "guid")):
                raise FilterError(f"Operator '{node[1]}' incompatible with operand types '{EDM[left]}' and '{EDM[right]}'.")
            return "bool"
        for child in node[1:]:  # and / or / not
            if self.type_of(child) != "bool":
                raise FilterError(f"Operator '{tag}' needs boolean operands.")
        return "bool"

    def build(self, node: Node) -> Callable[[dict], Any]:
        tag = node[0]
        if tag == "lit":
            value = node[2]
            return lambda row: value
        if tag == "field":
            name = node[1]
            return lambda row: row.get(name)
        if tag == "call":
            impl = FUNCTIONS[node[1]][2]
            args = [self.build(arg) for arg in node[2]]

            def call(row: dict) -> Any:
                values = [arg(row) for arg in args]
                return None if any(v is None for v in values) else impl(*values)

            return call
        if tag == "cmp":
            return self.comparison(node)
        parts = [self.build(child) for child in node[1:]]
        if tag == "not":  # three-valued, as SQL: not(unknown) stays unknown
            return lambda row: None if (v := parts[0](row)) is None else not v
        stop = tag == "or"  # the value that decides an or (True) / an and (False) at once

        def junction(row: dict) -> bool | None:
            a, b = parts[0](row), parts[1](row)
            if a is stop or b is stop:
                return stop
            return None if a is None or b is None else not stop

        return junction

    def comparison(self, node: Node) -> Callable[[dict], Any]:
        op, left, right = COMPARE[node[1]], self.build(node[2]), self.build(node[3])
        is_eq = node[1] in ("eq", "ne")
        plain = {n[1] for n in (node[2], node[3]) if n[0] == "field"}
        if self.blank_padded:  # SQL Server pads the shorter string with blanks: 'a' = 'a  '
            raw_left, raw_right = left, right
            left = lambda row: _unpad(raw_left(row))  # noqa: E731
            right = lambda row: _unpad(raw_right(row))  # noqa: E731
        if plain & self.ci_fields:  # a case-insensitive column compared as it is
            cased_left, cased_right = left, right
            left = lambda row: _fold(cased_left(row))  # noqa: E731
            right = lambda row: _fold(cased_right(row))  # noqa: E731

        def compare(row: dict) -> bool:
            a, b = left(row), right(row)
            if a is None or b is None:
                return op(a is None, b is None) if is_eq else False
            return op(a, b)

        return compare


def _unpad(value: Any) -> Any:
    return value.rstrip(" ") if isinstance(value, str) else value


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def compile_filter(
    text: str, kinds: dict[str, str], type_name: str, *, ci_fields: Iterable[str] = (), substringof: bool = True, blank_padded: bool = False
) -> tuple[Predicate, set[str]]:
    """A predicate over stored rows plus the fields the filter names (for mandatory filtering).
    `blank_padded`: string comparisons ignore trailing blanks, as SQL Server's do."""
    tree = Parser(text).parse()
    compiler = _Compiler(kinds, type_name, ci_fields, substringof, blank_padded)
    if compiler.type_of(tree) != "bool":
        raise FilterError(f"The $filter expression must evaluate to a single boolean value: '{text}'.")
    test = compiler.build(tree)
    return (lambda row: test(row) is True), fields_in(tree)
