"""A typed section of the spec (runner/spec/model.py) built from its part of the validated
document: the schema has said what a key may hold; this turns it into the field's type."""

from __future__ import annotations

import dataclasses
import types
from decimal import Decimal
from typing import Any, Union, get_args, get_origin, get_type_hints


def build(cls: type, data: Any, path: str) -> Any:
    """A section dataclass from its part of the validated document: keys that are Python
    words get a trailing underscore (`from` -> `from_`), lists become tuples, numbers
    Decimal. The schema has checked the document; a miss here is a schema/model drift."""
    hints = get_type_hints(cls)
    values = {}
    for item in dataclasses.fields(cls):
        key = item.name.rstrip("_")
        if key in data and data[key] is not None:
            values[item.name] = _value(hints[item.name], data[key], f"{path}.{key}")
    return cls(**values)


def _value(hint: Any, value: Any, path: str) -> Any:
    if get_origin(hint) in (Union, types.UnionType):
        hint = next(a for a in get_args(hint) if a is not type(None))
    if dataclasses.is_dataclass(hint):
        return build(hint, value, path)
    if get_origin(hint) is tuple:
        return tuple(str(v) for v in ([value] if isinstance(value, str) else value))
    if get_origin(hint) is dict:
        return {str(k): str(v) for k, v in value.items()}
    if hint is Decimal:
        return Decimal(str(value))
    if hint is bool:
        return bool(value)
    if hint is int:
        return int(value)
    return str(value)  # str, and the Literal enums the schema has checked
