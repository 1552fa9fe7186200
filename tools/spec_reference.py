"""Writes docs/spec-reference.md from schemas/sync.schema.json: every key of sync.yaml with
its key path, type, default and description, so the reference can never say something the
schema does not. tests/test_docs.py fails when the committed file differs from the output.

    python tools/spec_reference.py --write      # regenerate docs/spec-reference.md
    python tools/spec_reference.py --check      # exit 1 when the committed file is stale
    python tools/spec_reference.py              # print the reference to stdout

Only the standard library: it must run before anything is installed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "sync.schema.json"
OUTPUT = ROOT / "docs" / "spec-reference.md"
COMMAND = "python tools/spec_reference.py --write"

INTRO = """\
`sync.yaml` is checked against `schemas/sync.schema.json`; `runner validate SPEC` reports every
problem at once, with file, line and key. Some rules that tie two keys together are checked
by the runner itself, not by the schema (for example: `payments.journal` is needed when
`booking.status` is `paid`).

- **Presets.** A spec may start with `extends: mappings/nl-default.yaml` (the usual Dutch
  set-up, every value commented). The spec's own keys override the preset's, key by key.
  *Required* below means required once spec and preset are merged: a key the preset sets
  need not be repeated. A preset is a file in the spec's folder or below it, or a bundled one
  by its name (`nl-default`); an absolute path, `../` or a link that leads out of the folder
  is refused, so a spec cannot make the runner read (and quote) a file elsewhere.
- **Secrets.** Write `${VAR}` and keep the value in the environment or in a `.env` file beside
  the spec (the environment wins). `woocommerce.consumer_secret`, `exact.client_secret` and
  `notify.email.password` accept nothing else. `runner validate` refuses a variable that is not
  set (exit 2, naming a close name that is set, e.g. "did you mean EXACT_CLIENT_SECRET (in
  .env)?"), or only notes it with `--allow-missing-env`; a command that connects to a service
  stops and names it. Every value of a
  `${VAR}` (of 4 characters or more) is blanked in all output, errors about the spec included;
  only the Exact app's client id, redirect URI, base URL and division show, as the login
  address needs them.
- **Paths** (`state`, `exact.token_file`) are relative to the folder of the spec.
- **Templates.** A key marked *template* is a Jinja template that sees only the names listed
  (see [templates.md](templates.md) for what each name holds). A plain value such as `"70"`
  is a template too, one that always gives the same answer.
"""


def properties(node: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(key path, schema, required) for every property, depth first, in the schema's order;
    an object whose keys are free (`additionalProperties` a schema) adds `path.<Field>`."""
    required = set(node.get("required", ()))
    for key, sub in node.get("properties", {}).items():
        path = f"{prefix}{key}"
        yield path, sub, key in required
        yield from properties(sub, path + ".")
        extra = sub.get("additionalProperties")
        if isinstance(extra, dict):
            yield f"{path}.<Field>", extra, False


def _code(value: str) -> str:
    """Inline code that survives a Markdown table: pipes escaped, backticks widened."""
    value = value.replace("|", "\\|")
    fence = "``" if "`" in value else "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _yaml(value: Any) -> str:
    """A value as it would be written in sync.yaml (flow style)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '""' if value == "" else value
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    return json.dumps(value)


def _type_name(sub: dict[str, Any]) -> str:
    kind = sub.get("type", "")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        items = sub.get("items", {})
        return f"list of {_type_name(items) or 'values'}" if items else "list"
    return kind


def type_of(sub: dict[str, Any], required: bool) -> str:
    """The type cell: the kind of value, then the rules a value must follow."""
    if "const" in sub:
        parts = [f"always {_code(_yaml(sub['const']))}"]
    elif "enum" in sub:
        parts = ["one of " + ", ".join(_code(_yaml(v)) for v in sub["enum"])]
    else:
        parts = [_type_name(sub) or "any"]
    rules = []
    if "minimum" in sub:
        rules.append(f"at least {sub['minimum']}")
    if "maximum" in sub:
        rules.append(f"at most {sub['maximum']}")
    if "minLength" in sub:
        rules.append(f"at least {sub['minLength']} character{'s' if sub['minLength'] != 1 else ''}")
    if "minItems" in sub:
        rules.append(f"at least {sub['minItems']} item{'s' if sub['minItems'] != 1 else ''}")
    if sub.get("uniqueItems"):
        rules.append("no repeats")
    items = sub.get("items", {})
    if isinstance(items, dict) and "pattern" in items:
        rules.append(f"each matching {_code(items['pattern'])}")
    if isinstance(items, dict) and "minLength" in items:
        rules.append(f"each at least {items['minLength']} character{'s' if items['minLength'] != 1 else ''}")
    if "format" in sub:
        rules.append(f"a {sub['format']}")
    if "pattern" in sub:
        rules.append(f"matching {_code(sub['pattern'])}")
    names = sub.get("propertyNames", {})
    if "pattern" in names:
        rules.append(f"keys matching {_code(names['pattern'])}")
    if "x-template" in sub:
        rules.append("template; sees " + ", ".join(_code(name) for name in sub["x-template"]))
    if required:
        rules.append("**required**")
    return "; ".join(parts + rules)


def default_of(sub: dict[str, Any]) -> str:
    return _code(_yaml(sub["default"])) if "default" in sub else ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(schema: dict[str, Any]) -> str:
    rows = list(properties(schema))
    sections = [(path, sub) for path, sub, _ in rows if "." not in path and sub.get("type") == "object"]
    out = [
        "# Spec reference",
        "",
        f"<!-- Generated from schemas/sync.schema.json by tools/spec_reference.py. Do not edit by hand: change the schema, then run `{COMMAND}`. -->",
        "",
        _cell(schema.get("description", "")),
        "",
        INTRO,
        "## Top level",
        "",
        "| key | type | default | description |",
        "|---|---|---|---|",
    ]
    for path, sub, required in rows:
        if "." in path:
            continue
        description = _cell(sub.get("description", ""))
        if (path, sub) in sections:
            description += f" See [{path}](#{path})."
        out.append(f"| `{path}` | {type_of(sub, required)} | {default_of(sub)} | {description} |")
    for name, _ in sections:
        out += ["", f"## {name}", ""]
        out += ["| key | type | default | description |", "|---|---|---|---|"]
        for path, sub, required in rows:
            if path.startswith(name + "."):
                out.append(f"| `{path}` | {type_of(sub, required)} | {default_of(sub)} | {_cell(sub.get('description', ''))} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/spec-reference.md from schemas/sync.schema.json.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"write {OUTPUT.relative_to(ROOT)}")
    group.add_argument("--check", action="store_true", help="exit 1 when the committed file differs from the schema's output")
    args = parser.parse_args(argv)
    text = render(json.loads(SCHEMA.read_text(encoding="utf-8")))
    if args.write:
        OUTPUT.parent.mkdir(exist_ok=True)
        OUTPUT.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date; run: {COMMAND}", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
