"""Reading sync.yaml: JSON Schema validation, cross-key rules and template checks on the
document `runner.spec.file` reads, then the typed Spec the rest of the runner uses.

Every problem is collected and reported at once as `file:line: key.path: what is wrong`."""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

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
                where = f"{raw.source.where(path + (extra,))}: {_dotted(path + (extra,))}"
                problems.append(f"{where}: unknown key {extra!r} in {_dotted(path) or 'the spec'}{_meant(str(extra), allowed)}")
            continue
        problems.append(f"{raw.source.where(path)}: {_dotted(path)}: {_friendly(error)}")
    return problems


def _meant(key: str, allowed: set[str]) -> str:
    """ "; did you mean 'statuses'?" for a key close to one allowed, else the keys allowed."""
    near = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f"; did you mean {near[0]!r}?" if near else f" (allowed here: {', '.join(sorted(allowed))})"


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


# YourRef identifies a document in Exact (runner/pipeline/ports.py): its template must name what
# makes the document unique, or two documents share one and the books cannot tell them apart
IDENTIFYING = {"your_ref": {("order", "number"), ("order", "id")}, "refund_your_ref": {("refund", "id")}}


# WooCommerce's own order statuses as its REST API writes them (without wc-). A status a plugin
# adds is named in orders.custom_statuses as well: a typo is caught here, not sent to the shop.
ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash", "checkout-draft")


def unknown_status(status: str, custom: Iterable[str] = ()) -> str | None:
    """What is wrong with an order status a spec names; None when WooCommerce or the spec knows it."""
    known = [*ORDER_STATUSES, *custom]
    if status in known:
        return None
    if status == "any":
        return "'any' is the REST API's word for all orders, not a status an order has; name the statuses that trigger a booking"
    if status.startswith("wc-"):
        return f"'{status}': write it without wc-, as the REST API does ({status[3:]})"
    near = difflib.get_close_matches(status, known, n=1)
    return (
        f"'{status}' is not a WooCommerce order status{f' (did you mean {near[0]}?)' if near else ''}; "
        f"a status a plugin adds is named in orders.custom_statuses too"
    )


def unknown_timezone(name: str) -> str | None:
    """What is wrong with a time-zone name (the shop's, as WordPress names it: Europe/Amsterdam);
    None when the time-zone database knows it."""
    try:
        ZoneInfo(name)
        return None
    except (ZoneInfoNotFoundError, ValueError):
        pass
    known = sorted(available_timezones())
    by_case = {zone.lower(): zone for zone in known}
    near = [by_case[name.lower()]] if name.lower() in by_case else difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return (
        f"{name!r} is not a time zone{f' (did you mean {near[0]}?)' if near else ''}; "
        "name it as the shop's WordPress settings do, an IANA name such as Europe/Amsterdam"
    )


def _status_problems(raw: RawSpec) -> list[str]:
    orders = raw.data.get("orders") if isinstance(raw.data.get("orders"), dict) else {}
    custom = [c for c in orders.get("custom_statuses") or [] if isinstance(c, str)]
    problems = [
        f"{raw.source.where(('orders', 'custom_statuses', i))}: orders.custom_statuses: '{c}': write it without wc-, as the REST API does"
        for i, c in enumerate(custom)
        if c.startswith("wc-")
    ]
    for index, status in enumerate(orders.get("statuses") if isinstance(orders.get("statuses"), list) else []):
        problem = unknown_status(status, custom) if isinstance(status, str) else None
        if problem:
            problems.append(f"{raw.source.where(('orders', 'statuses', index))}: orders.statuses: {problem}")
    return problems


def _cross_problems(raw: RawSpec) -> list[str]:
    """Rules that tie two keys together, or a key to the books, which JSON Schema says poorly."""
    from runner.spec.templates import reads

    data = raw.data
    booking = data.get("booking") if isinstance(data.get("booking"), dict) else {}
    payments = data.get("payments") if isinstance(data.get("payments"), dict) else {}
    problems = _status_problems(raw)
    shop = data.get("woocommerce") if isinstance(data.get("woocommerce"), dict) else {}
    url = shop.get("url")
    if isinstance(url, str) and (api := re.search(r"/wp-json(/.*)?$", url.rstrip("/"))):
        problems.append(
            f"{raw.source.where(('woocommerce', 'url'))}: woocommerce.url: {url!r} is the REST API's address; "
            f"give the store root: {url[: api.start()]}"
        )
    zone = shop.get("timezone")
    if isinstance(zone, str) and (problem := unknown_timezone(zone)):
        problems.append(f"{raw.source.where(('woocommerce', 'timezone'))}: woocommerce.timezone: {problem}")
    if booking.get("status") == "paid" and not payments.get("journal"):
        problems.append(
            f"{raw.source.where(('booking', 'status'))}: payments.journal is needed when booking.status is paid "
            f"(the bank or cash journal code of the payment)"
        )
    problems += _summary_problems(raw, booking)
    notify = data.get("notify") if isinstance(data.get("notify"), dict) else {}
    address = _link_local(notify["webhook"]) if isinstance(notify.get("webhook"), str) else None
    if address and notify.get("allow_private") is not True:
        problems.append(
            f"{raw.source.where(('notify', 'webhook'))}: notify.webhook: points at the link-local address {address}, where a cloud "
            f"machine serves its own credentials; set notify.allow_private: true if the alerts really go there"
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


def _summary_problems(raw: RawSpec, booking: dict) -> list[str]:
    """booking.mode: daily_summary books a day's orders on one account, as sales entries (sent or paid), never as invoices."""
    if booking.get("mode") != "daily_summary":
        return []
    customers = raw.data.get("customers") if isinstance(raw.data.get("customers"), dict) else {}
    where = raw.source.where(("booking", "mode"))
    problems = []
    if not (isinstance(customers.get("collective"), str) and customers["collective"].strip()):
        problems.append(
            f"{where}: customers.collective is needed when booking.mode is daily_summary "
            f'(the code of the existing Exact account that takes the day\'s summary, e.g. "999")'
        )
    if booking.get("target") == "sales_invoice":
        problems.append(
            f"{where}: booking.mode daily_summary books sales entries, not invoices: a day's summary is one journal entry on the "
            f"collective account, while an invoice is a document for one customer; set booking.target: sales_entry to book a "
            f"summary a day, or keep sales_invoice with booking.mode: per_order (one invoice per order)"
        )
    return problems


def _link_local(url: str) -> str | None:
    """The webhook's address when it is link-local (169.254.x.x, fe80::), in any spelling a
    resolver takes (2852039166 and 0xa9fea9fe are 169.254.169.254 too)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # not a URL: the schema says so
        return None
    try:
        address: Any = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None  # a name: what it resolves to is the network's business
    address = getattr(address, "ipv4_mapped", None) or address
    return str(address) if address.is_link_local else None


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


def load(path: str | os.PathLike, environ: dict[str, str] | None = None, on_secret: Callable[[str], None] = lambda value: None) -> Spec:
    """Read and check a spec; raises one SpecError listing every problem found. `on_secret`
    hears of each value to blank as soon as it is read, before any check can quote it."""
    from runner.spec.templates import Templates  # mapping knows Jinja; the spec only knows where templates are

    raw, problems = read_raw(path, environ, on_secret)
    schema = load_schema()
    problems += schema_problems(raw, schema)
    problems += _cross_problems(raw)
    templates = Templates()
    for key_path, source, allowed in template_fields(schema, raw.data):
        for problem in templates.check(_dotted(key_path), source, allowed):
            problems.append(f"{raw.source.where(key_path)}: {_dotted(key_path)}: {problem}")
    if problems:  # all at once: the ${VAR}s set nowhere too (validate would name them next)
        from runner.spec.env_names import missing_lines

        problems += missing_lines(raw.missing_env, raw.source, raw.path.parent, environ)
        problems.sort(key=_problem_order)
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise SpecError(f"{_display(raw.path)}: {count} in the spec", "fix these and run `runner validate SPEC` again", problems)
    data = defaults(schema, raw.data)
    for key_path, source, allowed in template_fields(schema, data):
        key = _dotted(key_path)
        if key not in templates:
            templates.check(key, source, allowed)  # defaults are templates too
    return spec_from(data, raw.path, templates, raw.source, raw.missing_env, raw.secrets)
