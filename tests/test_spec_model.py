"""The schema and the typed spec say the same thing (issue 20 point 4): every schema property
of a section is a field of its dataclass with the same default and, for an enum, the same
choices as its `Literal`; every field is in the schema. Defaults live in both, so this test is
what keeps them one."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from runner.spec import model, providers

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "sync.schema.json").read_text())
SECTIONS = {
    **{name: (cls, SCHEMA["properties"][name]) for name, cls in model.SECTIONS.items()},
    "booking.rounding": (model.Rounding, SCHEMA["properties"]["booking"]["properties"]["rounding"]),
    "notify": (model.Notify, SCHEMA["properties"]["notify"]),
    "notify.email": (model.Email, SCHEMA["properties"]["notify"]["properties"]["email"]),
    **{
        f"settlements.{name}": (
            typing.get_type_hints(providers.Settlements)[name].__args__[0],
            SCHEMA["properties"]["settlements"]["properties"][name],
        )
        for name in providers.PROVIDERS
    },
}


def fields(cls) -> dict[str, dataclasses.Field]:
    """The fields a spec writes (derived ones, such as a parsed duration, are not)."""
    return {f.name.rstrip("_"): f for f in dataclasses.fields(cls) if f.init}


def default(field: dataclasses.Field):
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def same(schema_default, model_default) -> bool:
    if isinstance(model_default, tuple):
        return list(model_default) == list(schema_default)
    if isinstance(model_default, Decimal):
        return model_default == Decimal(str(schema_default))
    return model_default == schema_default


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_schema_property_is_a_field_with_its_default_and_choices(section):
    cls, schema = SECTIONS[section]
    hints = typing.get_type_hints(cls)
    mine = fields(cls)
    for key, prop in schema["properties"].items():
        assert key in mine, f"{section}.{key} is in the schema, not in {cls.__name__}"
        field = mine[key]
        if "default" in prop:
            assert same(prop["default"], default(field)), f"{section}.{key}: schema default {prop['default']!r}, model {default(field)!r}"
        elif not dataclasses.is_dataclass(hints[field.name]) and typing.get_origin(hints[field.name]) is not typing.Union:
            assert default(field) in ("", 0, (), {}, None), f"{section}.{key}: the model has a default ({default(field)!r}) the schema does not name"
        if "enum" in prop:
            assert typing.get_origin(hints[field.name]) is typing.Literal, f"{section}.{key} is an enum: type it as a Literal"
            assert list(typing.get_args(hints[field.name])) == prop["enum"], f"{section}.{key}: choices differ"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_field_is_in_the_schema(section):
    cls, schema = SECTIONS[section]
    assert set(fields(cls)) <= set(schema["properties"]), f"{cls.__name__} has fields the schema does not document"


def test_durations_are_parsed_once_when_the_spec_is_read():
    assert model.Booking().grace == timedelta(hours=2) and model.Booking(summary_grace="30m").grace == timedelta(minutes=30)
    assert model.Notify().stall == timedelta(hours=2) and model.Notify(stall_after="1d").stall == timedelta(days=1)
