"""Reading sync.yaml: YAML with positions, `extends:` presets, `${VAR}` secrets from the
environment or a `.env` beside the spec, JSON Schema validation and template checks.

Every problem is collected and reported at once as `file:line: key.path: what is wrong`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

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
        return Path(__file__).resolve().parent.parent / folder


def load_schema() -> dict:
    return json.loads((_bundled("schemas") / "sync.schema.json").read_text(encoding="utf-8"))


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


def _resolve_extends(ref: str, base_dir: Path) -> Path:
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
    data, lines = _read_yaml(path, problems)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(f"{path}:1: the spec must be a mapping of keys (version, woocommerce, exact, ...)", "start from the example sync.yaml")
    source = Source({p: (_display(path), line) for p, line in lines.items()})
    ref = data.get("extends")
    if isinstance(ref, str) and ref:
        base, base_source = _load_chain(_resolve_extends(ref, path.parent), problems, seen + (path,))
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
            problems.append(f"{source.where(path)}: {_dotted(path)}: a secret written in the spec; "
                            f"write ${{VAR}} here and keep the value in the environment or in .env beside the spec")
    raw = RawSpec({}, source, spec_path.resolve())
    raw.data = _substitute(data, (), env, raw)
    return raw, problems


def schema_problems(raw: RawSpec, schema: dict) -> list[str]:
    problems = []
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in sorted(validator.iter_errors(raw.data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - allowed):
                choices = ", ".join(sorted(allowed))
                problems.append(f"{raw.source.where(path + (extra,))}: {_dotted(path + (extra,))}: unknown key (allowed here: {choices})")
            continue
        problems.append(f"{raw.source.where(path)}: {_dotted(path)}: {_friendly(error)}")
    return problems


def _friendly(error) -> str:
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "pattern":
        return f"{error.instance!r} does not have the expected form ({error.schema.get('description', '').split('.')[0]})"
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        return f"{error.instance!r} should be {'an' if wanted[0] in 'aeiou' else 'a'} {wanted}"
    return error.message


def _problem_order(problem: str) -> tuple[str, int]:
    file, _, rest = problem.partition(":")
    line = rest.partition(":")[0]
    return file, int(line) if line.isdigit() else 0


def _cross_problems(raw: RawSpec) -> list[str]:
    """Rules that tie two keys together, which JSON Schema says poorly."""
    data = raw.data
    booking = data.get("booking") if isinstance(data.get("booking"), dict) else {}
    payments = data.get("payments") if isinstance(data.get("payments"), dict) else {}
    if booking.get("status") == "paid" and not payments.get("journal"):
        return [f"{raw.source.where(('booking', 'status'))}: payments.journal is needed when booking.status is paid "
                f"(the bank or cash journal code of the payment)"]
    return []


def template_fields(schema: dict, data: dict) -> list[tuple[Path_, str, list[str]]]:
    """Every template in the document with its key path and the names its context offers."""
    found: list[tuple[Path_, str, list[str]]] = []

    def walk(node_schema: dict, value: Any, path: Path_) -> None:
        if "x-template" in node_schema and isinstance(value, str):
            found.append((path, value, node_schema["x-template"]))
        if isinstance(value, dict):
            props = node_schema.get("properties", {})
            extra = node_schema.get("additionalProperties")
            for key, sub in value.items():
                sub_schema = props.get(key, extra if isinstance(extra, dict) else None)
                if sub_schema:
                    walk(sub_schema, sub, path + (key,))

    walk(schema, data, ())
    return found


def defaults(schema: dict, data: Any) -> Any:
    """Fill the schema's defaults into the document, so the rest of the code sees one shape."""
    if not isinstance(data, dict) or schema.get("type") != "object":
        return data
    out = dict(data)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = sub["default"]
        if key in out:
            out[key] = defaults(sub, out[key])
    return out


def as_decimal(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass
class Spec:
    """A validated spec: the merged document with defaults filled in, and its templates."""

    data: dict
    path: Path
    source: Source
    templates: Any  # runner.mapping.Templates
    missing_env: dict[str, list[Path_]]
    secrets: set[str]

    def section(self, name: str) -> dict:
        return self.data.get(name) or {}

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def file(self, relative: str) -> Path:
        """A path from the spec (state, token_file), taken relative to the spec's folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def timezone(self) -> str:
        return self.section("woocommerce").get("timezone", "Europe/Amsterdam")

    @property
    def tolerance(self) -> Decimal:
        return as_decimal(self.section("booking")["rounding"].get("tolerance", "0.02"))

    def require_env(self, *sections: str) -> None:
        """Fail, naming the variables, when a section needed now uses an undefined ${VAR}."""
        missing = sorted(name for name, paths in self.missing_env.items() if any(p[0] in sections for p in paths))
        if missing:
            where = "; ".join(f"{n} (used at {self.source.where(self.missing_env[n][0])})" for n in missing)
            raise SpecError(f"environment variable(s) not set: {where}",
                            f"set them in the environment or in {self.base_dir / '.env'} (KEY=value lines)")


def load(path: str | os.PathLike, environ: dict[str, str] | None = None) -> Spec:
    """Read and check a spec; raises one SpecError listing every problem found."""
    from runner.mapping import Templates  # mapping knows Jinja; the spec only knows where templates are

    raw, problems = read_raw(path, environ)
    schema = load_schema()
    problems += schema_problems(raw, schema)
    problems += _cross_problems(raw)
    templates = Templates()
    for key_path, source, allowed in template_fields(schema, raw.data):
        for problem in templates.check(_dotted(key_path), source, allowed):
            problems.append(f"{raw.source.where(key_path)}: {_dotted(key_path)}: {problem}")
    if problems:
        problems.sort(key=_problem_order)
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise SpecError(f"{_display(raw.path)}: {count} in the spec", "fix these and run `runner validate` again", problems)
    data = defaults(schema, raw.data)
    for key_path, source, allowed in template_fields(schema, data):
        key = _dotted(key_path)
        if key not in templates:
            templates.check(key, source, allowed)  # defaults are templates too
    return Spec(data, raw.path, raw.source, templates, raw.missing_env, raw.secrets)
