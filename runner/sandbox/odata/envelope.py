"""OData v2 the way Exact Online speaks it (reference 4): typed fields, strict parsing of request
values, the `{"d": ...}` envelope with `__metadata`, `/Date(ms)/`, Int64 as strings and OData error
bodies (query options and paging live in odata_query.py, Atom answers in odata_atom.py). Nothing
here knows about Exact's entities or business rules."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from runner.sandbox.odata.filter_syntax import FilterError, parse_datetime_literal

EDM_NAMES = {
    "g": "Edm.Guid",
    "s": "Edm.String",
    "i": "Edm.Int32",
    "l": "Edm.Int64",
    "n": "Edm.Double",
    "b": "Edm.Boolean",
    "d": "Edm.DateTime",
    "t": "Edm.DateTime",
}
_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_WCF_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_EPOCH = datetime(1970, 1, 1)


class ODataError(Exception):
    """An answer with an OData error body; raised anywhere, rendered in one place."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error_body(message: str) -> dict:
    return {"error": {"code": "", "message": {"lang": "", "value": message}}}


@dataclass(frozen=True)
class Field:
    """One property. kind: g guid, s string, i Int32, l Int64, n Double, b bool, d date, t datetime.
    `width` > 0 makes it a CHAR(width) column, stored padded (`right` = right-aligned)."""

    name: str
    kind: str
    width: int = 0
    right: bool = False
    writable: bool = True


def fields(spec: str) -> dict[str, Field]:
    """`"ID:g! Code:s18r Name:s"`: name:kind[width][r], `!` marks a read-only property."""
    out = {}
    for item in spec.split():
        name, _, kind = item.partition(":")
        m = re.fullmatch(r"([gsilnbdt])(\d*)(r?)(!?)", kind)
        if not m:
            raise ValueError(f"bad field spec {item!r}")
        out[name] = Field(name, m[1], int(m[2] or 0), bool(m[3]), not m[4])
    return out


@dataclass
class EntitySet:
    path: str  # "crm/Accounts"
    type_name: str  # "Exact.Web.Api.Models.Account"
    key: str
    fields: dict[str, Field]
    children: dict[str, EntitySet] = field(default_factory=dict)  # inline line collections
    required_filter: tuple[str, ...] = ()  # non-empty: a GET must filter on one of these
    methods: frozenset[str] = frozenset({"GET"})

    @property
    def kinds(self) -> dict[str, str]:
        return {name: f.kind for name, f in self.fields.items()}

    def key_literal(self, key: Any) -> str:
        kind = self.fields[self.key].kind
        return f"guid'{key}'" if kind == "g" else f"{key}L" if kind == "l" else str(key)


# ---- values in -------------------------------------------------------------------------


def stream_error(detail: str) -> ODataError:
    return ODataError(400, f"Error processing request stream. {detail}")


def parse_date(text: str, date_only: bool) -> datetime:
    """ISO 8601 (offsets converted to UTC, as Exact does) or `/Date(ms)/`; date fields drop the time."""
    m = _WCF_DATE.fullmatch(text)
    if m:
        value = datetime.fromtimestamp(int(m[1]) / 1000, tz=UTC).replace(tzinfo=None)
    else:
        try:
            value = parse_datetime_literal(text)
        except FilterError:
            raise stream_error("Cannot convert a primitive value to the expected type 'Edm.DateTime'.") from None
    return value.replace(hour=0, minute=0, second=0, microsecond=0) if date_only else value


def parse_value(f: Field, raw: Any) -> Any:
    """A JSON value to the stored Python value; money may be a number or a numeric string."""
    if raw is None:
        return None
    wrong = stream_error(f"Cannot convert a primitive value to the expected type '{EDM_NAMES[f.kind]}'.")
    if f.kind == "s":
        if not isinstance(raw, str):
            raise wrong
        return (raw.rjust(f.width) if f.right else raw.ljust(f.width)) if f.width else raw
    if f.kind == "g" and isinstance(raw, str) and len(raw) == 36:
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise wrong from None
    if f.kind == "b" and isinstance(raw, bool):
        return raw
    if f.kind == "i" and isinstance(raw, int) and not isinstance(raw, bool) and -(2**31) <= raw < 2**31:
        return raw
    if f.kind == "l" and isinstance(raw, str) and re.fullmatch(r"-?\d{1,19}", raw):
        raw = int(raw)  # OData v2 JSON carries Int64 as a string
    if f.kind == "l" and isinstance(raw, int) and not isinstance(raw, bool) and -(2**63) <= raw < 2**63:
        return raw
    if (
        f.kind == "n"
        and not isinstance(raw, bool)
        and (isinstance(raw, (int, Decimal)) or (isinstance(raw, str) and _NUMERIC.fullmatch(raw.strip())))
    ):
        value = Decimal(raw.strip() if isinstance(raw, str) else raw)
        if value.adjusted() < 15:  # beyond a double's 15 significant digits no amount survives
            return value
    if f.kind in ("d", "t") and isinstance(raw, str):
        return parse_date(raw, f.kind == "d")
    raise wrong


def parse_key(text: str, es: EntitySet) -> Any:
    """The key in `Entity(guid'...')` (or `Divisions(123)`, `(123L)`) as stored: lower-case GUID or int."""
    kind = es.fields[es.key].kind
    m = re.fullmatch(r"guid'([0-9a-fA-F-]{36})'", text) if kind == "g" else None
    try:
        if m:
            return str(uuid.UUID(m[1]))
        number = text[:-1] if kind == "l" and text.endswith("L") else text
        if kind != "g" and number.isdigit():
            return int(number)
    except ValueError:
        pass
    raise ODataError(400, f"Bad Request - Error in query syntax: '{text}' is not a valid key.")


def parse_json(body: bytes) -> Any:
    """A request body with exact decimals: floats become Decimal, NaN/Infinity are refused."""

    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=refuse)
    except ValueError:
        raise stream_error("JSON text specified is not valid.") from None


def parse_entity(es: EntitySet, raw: Any, top: bool = True) -> dict:
    """Request JSON to typed values: unknown properties are refused, read-only ones ignored,
    line collections must be arrays (an object there is the classic PICQER#117 mistake)."""
    if not isinstance(raw, dict):
        raise stream_error(
            "The request should be a valid top-level resource object." if top else "An item of a collection should be a resource object."
        )
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "__metadata":
            continue
        if name in es.children:
            if value is None:
                continue
            if not isinstance(value, list):
                raise stream_error("The request should be a valid top-level resource object.")
            out[name] = [parse_entity(es.children[name], item, top=False) for item in value]
            continue
        f = es.fields.get(name)
        if f is None:
            raise stream_error(
                f"The property '{name}' does not exist on type '{es.type_name}'. Make sure to only use property names that are defined by the type."
            )
        if f.writable:
            out[name] = parse_value(f, value)
    return out


# ---- values out ------------------------------------------------------------------------


def wire_date(value: datetime) -> str:
    return f"/Date({int((value - _EPOCH).total_seconds() * 1000)})/"


def wire_value(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.kind == "n":
        return int(value) if value == value.to_integral_value() else float(value)  # JSON number at the edge
    if f.kind == "l":
        return str(value)  # OData v2 verbose JSON writes Edm.Int64 as a string
    if f.kind in ("d", "t"):
        return wire_date(value)
    return value


def render(es: EntitySet, row: dict, root: str, select: Iterable[str] | None = None, expand: Iterable[str] = (), key_only: bool = False) -> dict:
    """One entity as JSON; `root` is `{base}/api/v1/{division}`. `key_only` mimics a POST
    answered without `Prefer: return=representation`: every property null but the key."""
    uri = f"{root}/{es.path}({es.key_literal(row[es.key])})"
    out: dict[str, Any] = {"__metadata": {"uri": uri, "type": es.type_name}}
    wanted = set(select) if select else None
    for name, f in es.fields.items():
        if wanted is None or name in wanted:
            out[name] = wire_value(f, row.get(name)) if (not key_only or name == es.key) else None
    for nav, child in es.children.items():
        if wanted is not None and nav not in wanted:
            continue
        if nav in expand and not key_only:
            out[nav] = {"results": [render(child, line, root) for line in row.get(nav, [])]}
        else:
            out[nav] = {"__deferred": {"uri": f"{uri}/{nav}"}}
    return out
