"""OData v2 `$filter`: tokenizer, recursive-descent parser and a compiler to Python predicates.

As strict as WCF Data Services behind Exact Online (reference 4.4): unknown fields, arithmetic,
navigation paths, field-vs-field comparisons and mismatched operand types are refused, so a
client cannot come to depend on a query the real service would answer with a 400."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

Node = tuple  # ("lit", type, value) | ("field", name) | ("call", fn, args) | ("cmp", op, l, r) | (bool op)
Predicate = Callable[[dict], bool]

# Field kinds (see odata.Field) mapped to the type categories the checker compares.
KIND_TYPES = {"g": "guid", "s": "str", "i": "num", "l": "num", "n": "num", "b": "bool", "d": "date", "t": "date"}
EDM = {"guid": "Edm.Guid", "str": "Edm.String", "num": "Edm.Double", "bool": "Edm.Boolean", "date": "Edm.DateTime", "null": "null"}
COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
# name: (argument types, result type, implementation); None in, None out (SQL NULL semantics).
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
KEYWORDS = {"and", "or", "not", "true", "false", "null", *COMPARE, "add", "sub", "mul", "div", "mod"}

_TOKEN = re.compile(
    r"\s*(?:(?P<guid>guid'[^']*')|(?P<dt>datetime'[^']*')|(?P<str>'(?:[^']|'')*')"
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDlLfF]?)|(?P<name>[A-Za-z_]\w*)|(?P<punct>[(),/]))"
)
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?))?(Z|[+-]\d{2}:\d{2})?")


class FilterError(ValueError):
    """A `$filter` the real service would refuse with 400; the text is the error message."""


def parse_datetime_literal(text: str) -> datetime:
    """`2026-01-29T00:00:00` (time optional) to a naive UTC datetime, as stored in the sandbox."""
    m = _DATETIME.fullmatch(text)
    if not m:
        raise FilterError(f"Unrecognized 'Edm.DateTime' literal 'datetime'{text}''.")
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise FilterError(f"Syntax error at position {pos} in '{text}'.")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return tokens


class _Parser:
    """Precedence: or < and < not < comparison; operands are literals, fields, calls, groups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def fail(self, what: str = "Syntax error") -> FilterError:
        pos = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return FilterError(f"{what} at position {pos} in '{self.text}'.")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        if tok and tok[0] == kind and (value is None or tok[1] == value):
            self.i += 1
            return True
        return False

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            raise self.fail()
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.take("name", "or"):
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.take("name", "and"):
            node = ("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.take("name", "not"):
            return ("not", self.not_())
        left = self.operand()
        tok = self.peek()
        if tok and tok[0] == "name" and tok[1] in COMPARE:
            self.i += 1
            return ("cmp", tok[1], left, self.operand())
        if tok and tok[0] == "name" and tok[1] in ("add", "sub", "mul", "div", "mod"):
            raise self.fail("Arithmetic operators are not supported")
        return left

    def operand(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail("Expression expected")
        kind, value, _ = tok
        self.i += 1
        if kind == "punct" and value == "(":
            node = self.or_()
            if not self.take("punct", ")"):
                raise self.fail("')' expected")
            return node
        if kind == "str":
            return ("lit", "str", value[1:-1].replace("''", "'"))
        if kind == "guid":
            try:
                return ("lit", "guid", str(uuid.UUID(value[5:-1])))
            except ValueError:
                raise FilterError(f"Unrecognized 'Edm.Guid' literal '{value}'.") from None
        if kind == "dt":
            return ("lit", "date", parse_datetime_literal(value[9:-1]))
        if kind == "num":
            return ("lit", "num", Decimal(value.rstrip("mMdDlLfF")))
        if kind == "name" and value in ("true", "false"):
            return ("lit", "bool", value == "true")
        if kind == "name" and value == "null":
            return ("lit", "null", None)
        if kind == "name" and value not in KEYWORDS:
            if self.take("punct", "("):
                args = [] if self.take("punct", ")") else self.arguments()
                return ("call", value, args)
            if self.take("punct", "/"):
                raise self.fail("Navigation properties cannot be filtered")
            return ("field", value)
        self.i -= 1
        raise self.fail()

    def arguments(self) -> list[Node]:
        args = [self.or_()]
        while self.take("punct", ","):
            args.append(self.or_())
        if not self.take("punct", ")"):
            raise self.fail("')' expected")
        return args


def _compared_fields(node: Node) -> set[str]:
    """Fields compared as they are with a constant (`Email eq '..'`, under and/or/not), not
    those only inside a function (`tolower(Email) eq '..'`)."""
    if node[0] == "cmp":
        return {side[1] for side in node[2:] if side[0] == "field"}
    if node[0] in ("and", "or", "not"):
        return set().union(*(_compared_fields(child) for child in node[1:]))
    return set()


def _fields_in(node: Node) -> set[str]:
    if node[0] == "field":
        return {node[1]}
    if node[0] == "lit":
        return set()
    children = node[2] if node[0] == "call" else node[2:] if node[0] == "cmp" else node[1:]
    return set().union(*(_fields_in(child) for child in children))


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
            if sum(1 for arg in node[2] if _fields_in(arg)) > 1:
                raise FilterError(f"Only comparisons between a field and a constant are supported ('{node[1]}').")
            for arg, wanted in zip(node[2], arg_types):
                if self.type_of(arg) not in (wanted, "null"):
                    raise no_signature
            return result
        if tag == "cmp":
            left, right = self.type_of(node[2]), self.type_of(node[3])
            if bool(_fields_in(node[2])) == bool(_fields_in(node[3])):
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


def single_comparison(text: str) -> tuple[str, str, Any] | None:
    """(field, operator, constant) when a filter is one comparison of a field with a constant
    (parentheses aside), else None: the only shape the sync endpoints take (`Timestamp gt N`)."""
    tree = _Parser(text).parse()
    if tree[0] == "cmp" and tree[2][0] == "field" and tree[3][0] == "lit":
        return tree[2][1], tree[1], tree[3][2]
    return None


def compile_filter(
    text: str, kinds: dict[str, str], type_name: str, *, ci_fields: Iterable[str] = (), substringof: bool = True, blank_padded: bool = False
) -> tuple[Predicate, set[str]]:
    """A predicate over stored rows plus the fields the filter names (for mandatory filtering).
    `blank_padded`: string comparisons ignore trailing blanks, as SQL Server's do."""
    tree = _Parser(text).parse()
    compiler = _Compiler(kinds, type_name, ci_fields, substringof, blank_padded)
    if compiler.type_of(tree) != "bool":
        raise FilterError(f"The $filter expression must evaluate to a single boolean value: '{text}'.")
    test = compiler.build(tree)
    return (lambda row: test(row) is True), _fields_in(tree)


def compared_fields(text: str) -> set[str]:
    """The fields a (valid) filter compares as they are with a constant; see _compared_fields."""
    return _compared_fields(_Parser(text).parse())
