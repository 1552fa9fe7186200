"""The documentation is kept complete by tests: every schema property is described and
listed in the README's spec reference, and every CLI command is in the README."""

from __future__ import annotations

import json

from runner.cli import main
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "schemas" / "sync.schema.json").read_text())
README = (ROOT / "README.md").read_text()


def schema_paths(node: dict, prefix: str = ""):
    for key, sub in node.get("properties", {}).items():
        path = f"{prefix}{key}"
        yield path, sub
        yield from schema_paths(sub, path + ".")
        extra = sub.get("additionalProperties")
        if isinstance(extra, dict):
            yield f"{path}.<Field>", extra


def test_every_schema_property_has_a_description_and_objects_are_closed():
    for path, sub in schema_paths(SCHEMA):
        assert sub.get("description"), f"{path} has no description"
        if sub.get("type") == "object" and "properties" in sub:
            assert sub.get("additionalProperties") is False, f"{path} allows unknown keys"
    assert SCHEMA["additionalProperties"] is False


def test_every_schema_property_is_in_the_readme_spec_reference():
    missing = [path for path, _ in schema_paths(SCHEMA) if f"| `{path}` |" not in README]
    assert not missing, f"add these to the README's spec reference: {missing}"


def test_every_cli_command_is_documented_in_the_readme():
    missing = [name for name in main.commands if f"`runner {name}" not in README]
    assert not missing, f"document these commands in the README: {missing}"


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:20])
    assert "pip install . && runner " in first_screen
    assert 'pip install ".[test]" && pytest' in first_screen
