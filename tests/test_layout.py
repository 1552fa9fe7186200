"""The arrows of the layout (docs/architecture.md) hold: the core is pure, the engine and
the shared path know no adapter, the sandbox imports nothing of the runner but what it
needs to start, and nothing below the CLI prints."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

RUNNER = ROOT / "runner"


def imports(path) -> set[str]:
    """Every runner module a file imports, at any depth (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("runner"):
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("runner")}
    return found


def offenders(files, forbidden) -> dict[str, list[str]]:
    bad = {}
    for path in files:
        hits = sorted(m for m in imports(path) if any(m == f or m.startswith(f + ".") for f in forbidden))
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


def test_the_core_imports_nothing_of_the_runner_but_itself_and_errors():
    allowed = ("runner.core", "runner.errors")
    bad = {
        str(p.relative_to(ROOT)): sorted(m for m in imports(p) if not m.startswith(allowed))
        for p in (RUNNER / "core").glob("*.py")
        if any(not m.startswith(allowed) for m in imports(p))
    }
    assert not bad


def test_the_engine_and_the_shared_path_know_no_adapter():
    generic = [RUNNER / f"{name}.py" for name in ("engine", "due", "preview", "vat_report", "seams", "dry_run", "files_sink")]
    assert not offenders(generic, ("runner.exact", "runner.woo", "runner.sandbox", "runner.cli"))


def test_the_sandbox_imports_of_the_runner_only_the_login_it_starts_with():
    files = [p for p in (RUNNER / "sandbox").rglob("*.py") if p.name != "embedded.py"]
    assert not offenders(files, ("runner.core", "runner.exact", "runner.woo", "runner.spec", "runner.engine", "runner.ledger", "runner.cli"))


def test_nothing_below_the_cli_prints():
    printing = []
    for path in RUNNER.rglob("*.py"):
        if {"cli", "sandbox", "setup"} & set(path.relative_to(RUNNER).parts):
            continue  # the CLI prints; the sandbox server and the wizard talk to a terminal by design
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                printing.append(str(path.relative_to(ROOT)))
            if isinstance(node, ast.Attribute) and node.attr in ("echo", "secho") and getattr(node.value, "id", "") == "click":
                printing.append(str(path.relative_to(ROOT)))
    assert not printing


def test_no_module_imports_another_in_a_loop():
    """Import loops (a package's __init__ registering its own modules aside) make modules
    that cannot be read, or loaded, one at a time."""
    modules = {}
    for path in RUNNER.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = imports(path)
    graph = {name: {m for m in deps if m in modules and m != name} for name, deps in modules.items()}
    loops = []

    def walk(name: str, path: list[str], done: set[str]) -> None:
        for dep in graph[name]:
            if dep in path:
                loops.append(" -> ".join(path[path.index(dep) :] + [dep]))
            elif dep not in done:
                done.add(dep)
                walk(dep, path + [dep], done)

    for name in graph:
        walk(name, [name], {name})
    assert not loops
