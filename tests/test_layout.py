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


# What each folder may import of the runner (besides itself): the arrows point down only,
# spec -> service -> pipeline -> domain, with the adapters beside the pipeline (docs/architecture.md).
MAY_IMPORT = {
    "domain": {"errors", "support"},
    "support": {"errors"},
    "spec": {"errors", "support", "domain"},
    "ledger": {"errors", "support", "domain"},
    "pipeline": {"errors", "support", "domain", "spec", "ledger"},
    "adapters": {"errors", "support", "domain", "spec", "ledger", "pipeline"},
    "services": {"errors", "support", "domain", "spec", "ledger", "pipeline", "adapters", "sandbox"},  # sandbox: see below
    "setup": {"errors", "support", "domain", "spec", "ledger", "pipeline", "adapters", "services"},
    "cli": {"errors", "support", "domain", "spec", "ledger", "pipeline", "adapters", "services", "setup", "sandbox", "web"},
    # the desk sits beside the CLI; only web/data.py reaches below the services (test_the_desk_is_a_skin_over_the_services)
    "web": {"errors", "support", "domain", "spec", "ledger", "pipeline", "adapters", "services", "sandbox"},
    "sandbox": {"support"},
}
TOP_LEVEL = {"__init__.py", "__main__.py", "errors.py"}
LONGEST = 300  # lines a module may have: one sitting's reading


def folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_arrow_points_down():
    """No upward arrow: the domain never imports an adapter, a service or the CLI; setup never
    imports the CLI; the sandbox uses nothing of the runner but its support code."""
    bad = {}
    for path in RUNNER.rglob("*.py"):
        mine = path.relative_to(RUNNER).parts[0]
        if mine not in MAY_IMPORT:
            continue
        wrong = sorted(m for m in imports(path) if folder(m) not in MAY_IMPORT[mine] | {mine, "__version__", ""})
        if wrong:
            bad[str(path.relative_to(ROOT))] = wrong
    assert not bad


# The runner imports the sandbox only where --sandbox is asked for: the services' one place that
# points a spec at it (`connect.target`) and the CLI's `runner sandbox` command that serves it.
SANDBOX_USERS = {"runner/services/connect.py", "runner/cli/setup.py", "runner/web/demo.py"}


def test_the_sandbox_is_imported_only_where_it_is_asked_for():
    users = {str(p.relative_to(ROOT)) for p in RUNNER.rglob("*.py") if "sandbox" not in p.relative_to(RUNNER).parts[:1]}
    users = {path for path in users if any(folder(m) == "sandbox" for m in imports(ROOT / path))}
    assert users <= SANDBOX_USERS, f"the sandbox imported beyond --sandbox: {sorted(users - SANDBOX_USERS)}"


# The CLI is a thin skin: it parses, calls a service (runner/services) and renders the result.
# The pipeline, the ledger and the adapters it reaches only through the services, but for
# the shape of the progress tick it draws (pipeline/progress.py: pure data and arithmetic)
# and the commands that set up the Exact adapter itself (cli/setup.py: auth logs in, divisions
# lists what the login may use; runner/setup does the same for `runner init`).
BEHIND_THE_SERVICES = ("runner.pipeline", "runner.ledger", "runner.adapters")
SKIN_MAY = {"runner.pipeline.progress": ("*",), "runner.adapters": ("runner/cli/setup.py",)}


def test_the_cli_reaches_pipeline_ledger_and_adapters_only_through_services():
    bad = {}
    for path in (RUNNER / "cli").rglob("*.py"):
        name = str(path.relative_to(ROOT))
        allowed = [m for m, who in SKIN_MAY.items() if "*" in who or name in who]
        hits = sorted(
            m
            for m in imports(path)
            if any(m == f or m.startswith(f + ".") for f in BEHIND_THE_SERVICES) and not any(m == a or m.startswith(a + ".") for a in allowed)
        )
        if hits:
            bad[name] = hits
    assert not bad, f"the CLI goes around the services: {bad}; call (or add) a service in runner/services instead"


# The desk's seam (web/data.py) is a skin over the services as the CLI is; the settlements'
# orchestration it shares with `runner settle` (its books and the providers' adapters) moves
# into runner/services/settle.py with the command's, and then off this list.
DESK_MAY = ("runner.adapters.exact.settlements", "runner.adapters.psp")


def test_the_desks_seam_reaches_pipeline_ledger_and_adapters_only_through_services():
    path = RUNNER / "web" / "data.py"
    behind = [m for m in imports(path) if any(m == f or m.startswith(f + ".") for f in BEHIND_THE_SERVICES)]
    hits = sorted(m for m in behind if not any(m == a or m.startswith(a + ".") for a in DESK_MAY))
    assert not hits, f"the desk goes around the services: {hits}; call (or add) a service in runner/services instead"


def test_the_desk_is_a_skin_over_the_services():
    """The desk's pages never reach a ledger, a run or an adapter themselves: runner/web/data.py
    is their one seam (and demo.py starts the sandbox's demo clients)."""
    below = {"runner.ledger", "runner.pipeline", "runner.adapters", "runner.sandbox", "runner.cli"}
    seams = {"data.py", "demo.py"}
    assert not offenders([p for p in (RUNNER / "web").rglob("*.py") if p.name not in seams], below)


def test_the_top_level_holds_packages_only():
    loose = sorted(p.name for p in RUNNER.iterdir() if p.is_file() and p.suffix == ".py" and p.name not in TOP_LEVEL)
    assert not loose, f"modules at runner/'s top level: {loose}; put each in the folder of its part of the flow"
    assert all((p / "__init__.py").is_file() for p in RUNNER.iterdir() if p.is_dir() and p.name != "__pycache__")


# Modules still longer than one sitting when the layout moved (issue 20): each may only
# shrink, and leaves this list once it is cut in two. Nothing new joins it.
STILL_LONG: dict[str, int] = {}


def test_every_module_reads_in_one_sitting():
    long = {str(p.relative_to(ROOT)): n for p in RUNNER.rglob("*.py") if (n := len(p.read_text().splitlines())) > LONGEST}
    grown = {name: n for name, n in long.items() if n > STILL_LONG.get(name, LONGEST)}
    assert not grown, f"modules over {LONGEST} lines (or longer than they were): {grown}"
    assert not set(STILL_LONG) - set(long), f"cut to size, so off the list: {sorted(set(STILL_LONG) - set(long))}"


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


def test_every_package_is_installed():
    """`pip install .` ships the packages pyproject.toml lists; one left out works in a checkout
    and fails on a fresh install (CI's), so every folder with an __init__ must be there."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in RUNNER.rglob("__init__.py")}
    assert not found - listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"


def test_the_ledger_speaks_no_sinks_vocabulary():
    """The ledger keeps a sink's reference of a document (`ref`) and a file beside it for a
    sink's own index (runner/ledger/beside.py), and names neither Exact nor its account index:
    those are the Exact adapter's (runner/adapters/exact/accounts.py). Only the migrations of
    older formats name what those formats held."""
    found = {}
    for path in sorted((RUNNER / "ledger").rglob("*.py")):
        if path.name == "migrations.py":
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name | ast.Attribute | ast.arg | ast.FunctionDef | ast.ClassDef | ast.keyword):
                name = getattr(node, "id", None) or getattr(node, "attr", None) or getattr(node, "arg", None) or getattr(node, "name", "")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " not in node.value:
                name = node.value
            else:
                continue
            if "exact" in (name or "").lower() or name in ("AccountIndex", "remember_account", "emails"):
                names.add(name)
        if names:
            found[str(path.relative_to(ROOT))] = sorted(names)
    assert not found


def test_the_services_speak_only_the_sinks_port():
    """A service reaches a sink through the Sink port (runner/pipeline/ports.py) and its optional
    capabilities, never into an adapter's insides: no `sink.api` (the client, its division, its
    governor; not even through getattr) and no `sink.admin(...)` (Exact's master data). What validate --online checks of
    the books' codes the sink does itself (the "checks" capability: runner/adapters/exact/codes.py)."""
    found = {}
    for path in sorted((RUNNER / "services").rglob("*.py")):
        hits = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "api":
                hits.add(f"line {node.lineno}: .api")
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "getattr"
                and any(isinstance(arg, ast.Constant) and arg.value == "api" for arg in node.args)
            ):
                hits.add(f"line {node.lineno}: getattr(..., 'api')")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "admin":
                hits.add(f"line {node.lineno}: .admin(")
        if hits:
            found[str(path.relative_to(ROOT))] = sorted(hits)
    assert not found, found


# `spec` parameters not yet typed (issue 20 point 4), each with its reason; the list may only shrink.
STILL_UNTYPED = {
    "runner/domain/booking.py:__init__",  # the domain sits below spec/ and imports none of it
    "runner/spec/env_names.py:missing",  # spec/model.py asks it for did_you_mean: typing it would make an import loop
}


def test_every_spec_parameter_is_typed():
    """A function that takes the spec says so (runner/spec/model.py Spec): what it may read of
    it is then checked, and a reader sees which spec is meant."""
    untyped = set()
    for path in RUNNER.rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                untyped |= {f"{path.relative_to(ROOT)}:{node.name}" for a in args if a.arg == "spec" and a.annotation is None}
    assert not untyped - STILL_UNTYPED, f"annotate `spec: Spec`: {sorted(untyped - STILL_UNTYPED)}"
    assert not STILL_UNTYPED - untyped, f"typed now, so off the list: {sorted(STILL_UNTYPED - untyped)}"
