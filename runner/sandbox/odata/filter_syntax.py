"""The grammar of OData v2 `$filter`: tokenizer, recursive-descent parser and the questions
asked of the tree alone (which fields it names or compares), kept apart from its typing and
evaluation (filter.py) because the sync endpoints only ever parse."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

Node = tuple  # ("lit", type, value) | ("field", name) | ("call", fn, args) | ("cmp", op, l, r) | (bool op)


COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
# name: (argument types, result type, implementation); None in, None out (SQL NULL semantics).


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


class Parser:
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


def fields_in(node: Node) -> set[str]:
    if node[0] == "field":
        return {node[1]}
    if node[0] == "lit":
        return set()
    children = node[2] if node[0] == "call" else node[2:] if node[0] == "cmp" else node[1:]
    return set().union(*(fields_in(child) for child in children))


def single_comparison(text: str) -> tuple[str, str, Any] | None:
    """(field, operator, constant) when a filter is one comparison of a field with a constant
    (parentheses aside), else None: the only shape the sync endpoints take (`Timestamp gt N`)."""
    tree = Parser(text).parse()
    if tree[0] == "cmp" and tree[2][0] == "field" and tree[3][0] == "lit":
        return tree[2][1], tree[1], tree[3][2]
    return None


def compared_fields(text: str) -> set[str]:
    """The fields a (valid) filter compares as they are with a constant; see _compared_fields."""
    return _compared_fields(Parser(text).parse())
