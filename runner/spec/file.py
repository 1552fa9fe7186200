"""The spec file as written: YAML with the line of every key, `extends:` presets merged,
`${VAR}`s filled from the environment or a `.env` beside the spec. Problems found here
carry file and line; what the values mean is `runner.spec.check`'s business."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

import runner.spec.unquoted as unquoted
from runner.errors import SpecError
from runner.support.redact import basic_credentials

Path_ = tuple  # a key path into the spec, e.g. ("booking", "rounding", "account")
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# ${VAR} values that are identifiers, not secrets: the login address must show the client id.
# Every other ${VAR} value is blanked, a shop URL too (it may carry a key or a password).
PUBLIC_VALUES = {("exact", "client_id"), ("exact", "base_url"), ("exact", "redirect_uri"), ("exact", "division")}
SECRET_KEYS = (
    ("woocommerce", "consumer_secret"),
    ("woocommerce", "webhook_secret"),
    ("exact", "client_secret"),
    ("notify", "email", "password"),
    ("settlements", "mollie", "api_key"),
    ("settlements", "stripe", "api_key"),
    ("settlements", "paypal", "client_secret"),
)  # ${VAR} only


def _bundled(folder: str) -> Path:
    """schemas/ and mappings/ ship inside the package; in a checkout they sit beside it."""
    try:
        return Path(str(resources.files(f"runner.{folder}")))
    except ModuleNotFoundError:  # pragma: no cover - a checkout without the package mapping
        return Path(__file__).resolve().parents[2] / folder


@dataclass
class Source:
    """Where each key path of the merged spec was written."""

    lines: dict[Path_, tuple[str, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> str:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        file, line = self.lines.get(path, ("?", 0))
        return f"{file}:{line}"


@dataclass
class RawSpec:
    """The merged, env-substituted spec document, before it becomes typed settings."""

    data: dict
    source: Source
    path: Path
    missing_env: dict[str, list[Path_]] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    on_secret: Callable[[str], None] = lambda value: None

    def secret(self, value: str) -> None:
        """Keep a value to blank, and tell the caller at once: a check that fails later may
        quote it (`'...' is not one of ...`), and its message must not show it."""
        self.secrets.add(value)
        self.on_secret(value)


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as the text written (the schema checks their form)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _read_yaml(path: Path, problems: list[str]) -> tuple[Any, dict[Path_, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}", "check the path of the spec file") from None
    loader = _Loader(text)
    lines: dict[Path_, int] = {}
    try:
        node = loader.get_single_node()
        if node is not None:  # walked before it is built: building is what makes an alias bomb costly
            keys: list[str] = []
            _positions(node, (), lines, path, problems, keys)
            if templates := [k for k in keys if "quote the template:" in k]:
                count = f"{len(templates)} template{'s' if len(templates) > 1 else ''}"
                raise SpecError(f"{_display(path)}: {count} without quotes", unquoted.HINT, keys)
            if keys:
                count = f"{len(keys)} key{'s' if len(keys) > 1 else ''}"
                hint = "quote such a key ('1': ...) or write the name meant"
                raise SpecError(f"{_display(path)}: {count} that YAML does not read as a name", hint, keys)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{_display(path)}:{mark.line + 1}" if mark else _display(path)
        problem = getattr(exc, "problem", None) or str(exc)
        if found := unquoted.in_error(text, (mark, getattr(exc, "context_mark", None))):
            raise SpecError(f"{_display(path)}:{found[0]}: {found[1]}", unquoted.HINT) from None
        raise SpecError(f"{where}: not valid YAML: {problem}", "fix the YAML syntax at that line (indentation, quotes, colons)") from None
    except RecursionError:
        raise SpecError(f"{_display(path)}: nested too deeply to read", f"a spec needs a few levels, never more than {MAX_DEPTH}") from None
    finally:
        loader.dispose()
    return data, lines


# A spec has a few hundred keys and values, a few levels deep; an alias (*name) repeats what
# its anchor holds, and aliases of aliases multiply (the "billion laughs").
MAX_NODES, MAX_DEPTH = 10_000, 50
TEXT_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"}  # dates are kept as text
TAG_WORDS = {"tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number", "tag:yaml.org,2002:bool": "true or false"}


def _positions(node, prefix: Path_, out: dict[Path_, int], path: Path, problems: list[str], keys: list[str]) -> None:
    """The line of every key path, aliases expanded as the document will be, and counted so
    that a bomb stops here; `keys` gathers the keys that are no names (`1:`, `null:`)."""
    if len(out) >= MAX_NODES or len(prefix) > MAX_DEPTH:
        what = f"to more than {MAX_NODES} keys and values" if len(out) >= MAX_NODES else f"deeper than {MAX_DEPTH} levels"
        raise SpecError(
            f"{_display(path)}:{node.start_mark.line + 1}: the spec grows {what} (its aliases, *name, expanded)",
            "write the values out instead of aliases of aliases; a spec needs a few hundred at most",
        )
    out[prefix] = node.start_mark.line + 1
    if prefix and (template := unquoted.template_node(node)):
        keys.append(f"{_display(path)}:{node.start_mark.line + 1}: {_dotted(prefix)}: {unquoted.suggestion(prefix[-1], template)}")
    elif isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key, line = key_node.value, key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in TEXT_TAGS:
                key = str(key)[:40]
                what = TAG_WORDS.get(key_node.tag, "nothing (null)" if key_node.tag.endswith(":null") else "a list or a mapping")
                keys.append(f"{_display(path)}:{line}: {_dotted(prefix)}: the key {key!r} is read as {what}, not as a name")
            elif key in seen:
                problems.append(f"{_display(path)}:{line}: {_dotted(prefix + (key,))}: key given twice")
            seen.add(key)
            _positions(value_node, prefix + (key,), out, path, problems, keys)
            out[prefix + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _positions(item, prefix + (index,), out, path, problems, keys)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, optional `export`, quotes and # comments, as most .env tools accept."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        values[key.strip()] = value
    return values


def resolve_extends(ref: str, base_dir: Path, root: Path | None = None) -> Path:
    """A preset from a file under `root` (the spec's folder), else a bundled one by its name
    (`nl-default`, `nl-default.yaml`, `mappings/nl-default.yaml`). Nothing else: a spec from
    elsewhere must not make the runner read, and quote, any file it names."""
    root = (root or base_dir).resolve()
    path = Path(ref)
    try:
        candidate = (base_dir / path).resolve()  # links followed: a link out of the folder leads out of it
    except (OSError, ValueError, RuntimeError):  # a NUL in the name, a loop of links
        candidate = None
    if candidate and candidate.is_file() and candidate.is_relative_to(root):
        return candidate
    if not path.is_absolute() and len(path.parts) <= 2 and path.parts[:-1] in ((), ("mappings",)):
        bundled = _bundled("mappings") / (path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml")
        if bundled.is_file():
            return bundled
    if candidate and candidate.exists():
        raise SpecError(
            f"extends: '{ref}' is outside the spec's folder {root}",
            "copy the preset into the spec's folder (or below it), or name a bundled preset such as mappings/nl-default.yaml",
        )
    raise SpecError(f"extends: preset '{ref}' not found", "name a file beside the spec or a bundled preset such as mappings/nl-default.yaml")


def _merge(base: dict, top: dict) -> dict:
    merged = dict(base)
    for key, value in top.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def _load_chain(path: Path, problems: list[str], seen: tuple[Path, ...] = (), root: Path | None = None) -> tuple[dict, Source]:
    """The spec and the presets it extends, merged; every preset of a spec comes from under the
    spec's folder (`root`), or from the bundled presets, which may extend only each other."""
    path = path.resolve()
    root = root or path.parent
    if path in seen:
        raise SpecError(f"extends: {path} extends itself", "remove the loop between the presets")
    known = len(problems)
    data, lines = _read_yaml(path, problems)
    if data is None and not seen and len(problems) == known:  # six "is missing" lines would bury the one thing to say
        raise SpecError(f"{_display(path)} is empty", "write the spec (see sync.yaml in the runner's repository), or let `runner init` write one")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(f"{path}:1: the spec must be a mapping of keys (version, woocommerce, exact, ...)", "start from the example sync.yaml")
    shown = _display(path)  # once per file, not once per key (a desk reads 200 specs for one page)
    source = Source({p: (shown, line) for p, line in lines.items()})
    ref = data.get("extends")
    if isinstance(ref, str) and ref:
        preset = resolve_extends(ref, path.parent, root)
        base, base_source = _load_chain(preset, problems, seen + (path,), preset.parent if preset.parent == _bundled("mappings") else root)
        base.pop("extends", None)
        base_source.lines.update(source.lines)
        return _merge(base, data), base_source
    return data, source


def _substitute(value: Any, path: Path_, env: dict[str, str], raw: RawSpec) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, path + (k,), env, raw) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, path + (i,), env, raw) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in env:
            raw.missing_env.setdefault(name, []).append(path)
            return match.group(0)
        if len(env[name]) >= 4 and path not in PUBLIC_VALUES:  # shorter values would blank ordinary text
            raw.secret(env[name])
        return env[name]

    return ENV_REF.sub(replace, value)


def read_raw(
    path: str | os.PathLike, environ: dict[str, str] | None = None, on_secret: Callable[[str], None] = lambda value: None
) -> tuple[RawSpec, list[str]]:
    """Load, merge and substitute; returns the document and the problems found so far.
    `on_secret` hears of every value to blank the moment it is substituted."""
    spec_path = Path(path)
    if not spec_path.is_file():
        raise SpecError(f"spec file {spec_path} not found", "pass the path of a sync.yaml (runner init writes one)")
    problems: list[str] = []
    data, source = _load_chain(spec_path, problems)
    env = {**read_dotenv(spec_path.resolve().parent / ".env"), **(os.environ if environ is None else environ)}
    for path in SECRET_KEYS:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value and not ENV_REF.search(value):
            problems.append(
                f"{source.where(path)}: {_dotted(path)}: a secret written in the spec; "
                f"write ${{VAR}} here and keep the value in the environment or in .env beside the spec"
            )
    raw = RawSpec({}, source, spec_path.resolve(), on_secret=on_secret)
    raw.data = _substitute(data, (), env, raw)
    woo = raw.data.get("woocommerce")
    user, password = (woo.get("consumer_key"), woo.get("consumer_secret")) if isinstance(woo, dict) else (None, None)
    if isinstance(user, str) and isinstance(password, str) and not ENV_REF.search(user + password):
        raw.secret(basic_credentials(user, password))  # as the shop's Authorization header carries them
    return raw, problems
