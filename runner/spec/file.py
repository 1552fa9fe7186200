"""The spec file as written: YAML with the line of every key, `extends:` presets merged,
`${VAR}`s filled from the environment or a `.env` beside the spec. Problems found here
carry file and line; what the values mean is `runner.spec.check`'s business."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from runner.errors import SpecError

Path_ = tuple  # a key path into the spec, e.g. ("booking", "rounding", "account")
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# ${VAR} values that are identifiers, not secrets: the login address must show the client id
PUBLIC_VALUES = {("exact", "client_id"), ("exact", "base_url"), ("exact", "redirect_uri"), ("exact", "division"), ("woocommerce", "url")}
SECRET_KEYS = (("woocommerce", "consumer_secret"), ("exact", "client_secret"), ("notify", "email", "password"))  # ${VAR} only


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


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as the text written (the schema checks their form)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _read_yaml(path: Path, problems: list[str]) -> tuple[Any, dict[Path_, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}", "check the path of the spec file") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{_display(path)}:{mark.line + 1}" if mark else _display(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{where}: not valid YAML: {problem}", "fix the YAML syntax at that line (indentation, quotes, colons)") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _positions(node, (), lines, path, problems)
    return data, lines


def _positions(node, prefix: Path_, out: dict[Path_, int], path: Path, problems: list[str]) -> None:
    out[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(f"{_display(path)}:{key_node.start_mark.line + 1}: {_dotted(prefix + (key,))}: key given twice")
            seen.add(key)
            _positions(value_node, prefix + (key,), out, path, problems)
            out[prefix + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _positions(item, prefix + (index,), out, path, problems)


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


def resolve_extends(ref: str, base_dir: Path) -> Path:
    candidates = [base_dir / ref, _bundled("mappings") / Path(ref).name]
    if not ref.endswith((".yaml", ".yml")):
        candidates.append(_bundled("mappings") / f"{ref}.yaml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise SpecError(f"extends: preset '{ref}' not found", "name a file beside the spec or a bundled preset such as mappings/nl-default.yaml")


def _merge(base: dict, top: dict) -> dict:
    merged = dict(base)
    for key, value in top.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def _load_chain(path: Path, problems: list[str], seen: tuple[Path, ...] = ()) -> tuple[dict, Source]:
    path = path.resolve()
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
    source = Source({p: (_display(path), line) for p, line in lines.items()})
    ref = data.get("extends")
    if isinstance(ref, str) and ref:
        base, base_source = _load_chain(resolve_extends(ref, path.parent), problems, seen + (path,))
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
        if len(env[name]) >= 4 and path not in PUBLIC_VALUES:
            raw.secrets.add(env[name])  # blanked in every output from now on
        return env[name]

    return ENV_REF.sub(replace, value)


def read_raw(path: str | os.PathLike, environ: dict[str, str] | None = None) -> tuple[RawSpec, list[str]]:
    """Load, merge and substitute; returns the document and the problems found so far."""
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
    raw = RawSpec({}, source, spec_path.resolve())
    raw.data = _substitute(data, (), env, raw)
    return raw, problems
