"""Reading sync.yaml: JSON Schema validation, cross-key rules and template checks on the
document `runner.spec.file` reads, then the typed Spec the rest of the runner uses.

Every problem is collected and reported at once as `file:line: key.path: what is wrong`."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from jsonschema import Draft202012Validator

from runner.errors import SpecError
from runner.spec.file import Path_, RawSpec, _bundled, _display, _dotted, read_raw
from runner.spec.model import Spec, spec_from


def load_schema() -> dict:
    return json.loads((_bundled("schemas") / "sync.schema.json").read_text(encoding="utf-8"))


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


_SERVICE = {"woocommerce": "the shop's address", "exact": "Exact's address"}
SENTENCE_END = re.compile(r"\.(?:\s|$)")


def _friendly(error) -> str:
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "pattern":
        if str(error.instance).startswith("http://"):
            whose = _SERVICE.get(error.absolute_path[0], "the address")
            return f"{error.instance!r} is plain http: {whose} must be https (http only on 127.0.0.1 or localhost, for the sandbox)"
        form = SENTENCE_END.split(error.schema.get("description", ""))[0]  # its first sentence, whole: a host's dots end none
        return f"{error.instance!r} does not have the expected form ({form})"
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        return f"{error.instance!r} should be {'an' if wanted[0] in 'aeiou' else 'a'} {wanted}"
    return error.message


def _problem_order(problem: str) -> tuple[str, int]:
    file, _, rest = problem.partition(":")
    line = rest.partition(":")[0]
    return file, int(line) if line.isdigit() else 0


# YourRef identifies a document in Exact (runner/seams.py): its template must name what
# makes the document unique, or two documents share one and the books cannot tell them apart
IDENTIFYING = {"your_ref": {("order", "number"), ("order", "id")}, "refund_your_ref": {("refund", "id")}}


def _cross_problems(raw: RawSpec) -> list[str]:
    """Rules that tie two keys together, or a key to the books, which JSON Schema says poorly."""
    from runner.spec.templates import reads

    data = raw.data
    booking = data.get("booking") if isinstance(data.get("booking"), dict) else {}
    payments = data.get("payments") if isinstance(data.get("payments"), dict) else {}
    problems = []
    shop = data.get("woocommerce") if isinstance(data.get("woocommerce"), dict) else {}
    url = shop.get("url")
    if isinstance(url, str) and (api := re.search(r"/wp-json(/.*)?$", url.rstrip("/"))):
        problems.append(
            f"{raw.source.where(('woocommerce', 'url'))}: woocommerce.url: {url!r} is the REST API's address; "
            f"give the store root: {url[: api.start()]}"
        )
    if booking.get("status") == "paid" and not payments.get("journal"):
        problems.append(
            f"{raw.source.where(('booking', 'status'))}: payments.journal is needed when booking.status is paid "
            f"(the bank or cash journal code of the payment)"
        )
    for key, needed in IDENTIFYING.items():
        used = reads(booking[key]) if isinstance(booking.get(key), str) else None
        if used is not None and not used & needed:
            names = " or ".join(sorted(f"{owner}.{field}" for owner, field in needed))
            problems.append(
                f"{raw.source.where(('booking', key))}: booking.{key}: does not use {names}, so two documents could share "
                f"one YourRef and Exact could not tell which of them is booked"
            )
    return problems


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


def load(path: str | os.PathLike, environ: dict[str, str] | None = None) -> Spec:
    """Read and check a spec; raises one SpecError listing every problem found."""
    from runner.spec.templates import Templates  # mapping knows Jinja; the spec only knows where templates are

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
        raise SpecError(f"{_display(raw.path)}: {count} in the spec", "fix these and run `runner validate SPEC` again", problems)
    data = defaults(schema, raw.data)
    for key_path, source, allowed in template_fields(schema, data):
        key = _dotted(key_path)
        if key not in templates:
            templates.check(key, source, allowed)  # defaults are templates too
    return spec_from(data, raw.path, templates, raw.source, raw.missing_env, raw.secrets)
