"""The documentation is kept complete by tests: every schema property is described and in
docs/spec-reference.md, which is exactly what tools/spec_reference.py makes of the schema;
every CLI command is in the README and every option somewhere in the docs; the README's
first screen holds the two commands CI runs; and every link between the docs resolves."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib

from runner.cli import main
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "schemas" / "sync.schema.json").read_text())
README = (ROOT / "README.md").read_text()
DOCS = {path: path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}
SPEC_REFERENCE = (ROOT / "docs" / "spec-reference.md").read_text()


def schema_paths(node: dict, prefix: str = ""):
    for key, sub in node.get("properties", {}).items():
        path = f"{prefix}{key}"
        yield path, sub
        yield from schema_paths(sub, path + ".")
        extra = sub.get("additionalProperties")
        if isinstance(extra, dict):
            yield f"{path}.<Field>", extra


def generator():
    spec = importlib.util.spec_from_file_location("spec_reference", ROOT / "tools" / "spec_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_schema_property_has_a_description_and_objects_are_closed():
    for path, sub in schema_paths(SCHEMA):
        assert sub.get("description"), f"{path} has no description"
        if sub.get("type") == "object" and "properties" in sub:
            assert sub.get("additionalProperties") is False, f"{path} allows unknown keys"
    assert SCHEMA["additionalProperties"] is False


def test_every_schema_property_is_in_the_spec_reference():
    missing = [path for path, _ in schema_paths(SCHEMA) if f"| `{path}` |" not in SPEC_REFERENCE]
    assert not missing, f"docs/spec-reference.md lacks {missing}; regenerate it: python tools/spec_reference.py --write"


def test_the_spec_reference_is_what_the_script_makes_of_the_schema():
    tool = generator()
    assert SPEC_REFERENCE == tool.render(SCHEMA), f"docs/spec-reference.md is out of date with the schema; regenerate it: {tool.COMMAND}"


def test_every_cli_command_is_documented_in_the_readme():
    missing = [name for name in main.commands if f"`runner {name}" not in README]
    assert not missing, f"document these commands in the README's command table: {missing}"


def test_every_cli_option_is_documented():
    text = "\n".join(body for path, body in DOCS.items() if path.name != "design.md")  # the design names options not built yet
    commands = [("runner", main), *((f"runner {name}", command) for name, command in main.commands.items())]
    missing = [
        f"{where} {option}"
        for where, command in commands
        for param in command.params
        for option in [*param.opts, *param.secondary_opts]
        if option.startswith("--") and option != "--help" and not re.search(re.escape(option) + r"(?![\w-])", text)
    ]
    assert not missing, f"document these options in the README's command table or in docs/: {missing}"


def test_readme_first_screen_has_the_two_commands():
    first_screen = README.splitlines()[:20]
    assert "    python3 -m venv .venv && . .venv/bin/activate && pip install . && runner run sync.yaml --sandbox" in first_screen
    assert '    python3 -m venv .venv && . .venv/bin/activate && pip install ".[test,web]" && pytest' in first_screen  # no -q: the summary line shows
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"].get("addopts", "")
    assert "-q" not in addopts.split(), "pyproject's addopts hides pytest's summary line"


def test_ci_installs_exactly_as_the_readme_says():
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet ".[test,web]"' in ci and "RUNNER_BROWSER_TESTS=required" in ci


def _anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to hyphens."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", _without_code(markdown), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _without_code(markdown: str) -> str:
    markdown = re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)
    markdown = re.sub(r"^(    |\t).*$", "", markdown, flags=re.M)
    return re.sub(r"`[^`\n]*`", "", markdown)


def test_every_link_between_the_docs_resolves():
    broken = []
    for path, text in DOCS.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", _without_code(text)):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if not linked.exists():
                broken.append(f"{path.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text()):
                broken.append(f"{path.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, f"fix these links: {broken}"
