"""What `runner init` writes, and the checks of the answers that go into it: sync.yaml with
only what differs from the preset (each key commented), and .env with the secrets.

Why apart from the steps: these are pure functions of the answers (plus two small writes),
so the spec and .env a wizard run produces are tested without any service. The spec refers
to the secrets as ${VAR}; their values only ever land in .env, mode 0600 from the first byte."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from runner.errors import UsageError
from runner.setup.proposals import Choice
from runner.spec import check as spec_module
from runner.spec import file as specfile
from runner.spec.model import STATE_FILE, own_path

PRESET = "mappings/nl-default.yaml"
REGIONS = ("nl", "be", "de", "co.uk", "com", "es", "fr")
DEFAULT_REDIRECT = "http://localhost:8765/callback"
ENV_NAMES = ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET")
SECTIONS = ("version", "extends", "woocommerce", "exact", "state", "orders", "booking", "payments", "mapping", "products", "vies", "notify")
ALERT_ENV = ("NOTIFY_WEBHOOK", "NOTIFY_SMTP_PASSWORD")  # the alerts' secrets, in .env when there are any


@dataclass
class Setup:
    """The answers, as sync.yaml and .env will hold them."""

    path: Path
    shop_url: str = ""
    woo_key: str = ""
    woo_secret: str = ""
    base_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = DEFAULT_REDIRECT
    division: int = 0
    division_name: str = ""
    user: str = ""  # the Exact user of the login (the login store's name for it)
    vies_url: str = ""  # the VAT number check: asked when Exact is a local sandbox ("": the EU's own)
    target: str = "sales_entry"
    status: str = "sent"
    statuses: list[str] = field(default_factory=lambda: ["completed"])
    since: str = ""
    push: bool = False
    alert_webhook: str = ""  # notify.webhook (a key: kept in .env)
    alert_email: dict | None = None  # notify.email as runner.spec.model.Email's fields, its `to` apart
    alert_to: str = ""
    changes: dict = field(default_factory=dict)  # preset key path -> (value, comment)
    gaps_left: list[Choice] = field(default_factory=list)

    @property
    def env_path(self) -> Path:
        return self.path.parent / ".env"


# ------------------------------------------------------------------ answer checks
def _pattern(*path: str) -> str:
    node = spec_module.load_schema()
    for key in path:
        node = node["properties"][key]
    return node["pattern"]


def check_text(value: str) -> str:
    if not value:
        raise UsageError("an answer is needed here")
    return value


def check_shop_url(value: str) -> str:
    url = value if "://" in value else f"https://{value}"
    url = re.split(r"/wp-(?:json|admin)\b", url)[0].rstrip("/")  # a pasted admin or API address
    if not re.match(_pattern("woocommerce", "url"), url):
        raise UsageError(f"'{value}' is not a shop address", "give the store root over https, e.g. https://shop.example.nl (http only on 127.0.0.1)")
    return url


def check_region(value: str) -> str:
    url = f"https://start.exactonline.{value.lower()}" if value.lower() in REGIONS else value.rstrip("/")
    if not re.match(_pattern("exact", "base_url"), url):
        raise UsageError(
            f"'{value}' is not an Exact Online region",
            f"give one of {' '.join(REGIONS)} (the licence's country), or the sandbox's http://127.0.0.1:PORT",
        )
    return url


def check_redirect(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"'{value}' is not an address", "give the redirect URI registered for the app in the Exact App Center")
    return value


def check_statuses(value: str) -> list[str]:
    statuses = list(dict.fromkeys(s.strip().removeprefix("wc-") for s in re.split(r"[,\s]+", value) if s.strip()))
    if not statuses or not all(re.fullmatch(r"[a-z0-9_-]+", s) for s in statuses):
        raise UsageError(f"'{value}' is not a list of order statuses", "give WooCommerce status slugs, e.g. completed or completed, processing")
    for status in statuses:
        if problem := spec_module.unknown_status(status):
            raise UsageError(problem, "give WooCommerce's status slugs; a plugin's own goes in orders.custom_statuses after set-up")
    return statuses


def check_since(value: str) -> str:
    try:
        return value and date.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(f"'{value}' is not a date", "give it as YYYY-MM-DD, or nothing to book from the first run on") from None


def one_of(*choices: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise UsageError(f"'{value}' is not one of {', '.join(choices)}")
        return value

    return check


# ------------------------------------------------------------------ the files
def refuse_overwrite(setup: Setup, force: bool) -> None:
    if setup.path.exists() and not force:
        raise UsageError(
            f"{setup.path} exists already; runner init does not overwrite a spec",
            "pass --force to replace it, or give another PATH, e.g. runner init clients/NAME/sync.yaml",
        )
    taken = [name for name in ENV_NAMES if name in specfile.read_dotenv(setup.env_path)]
    if taken and not force:
        raise UsageError(
            f"{setup.env_path} holds {', '.join(taken)} already (another spec's secrets?)",
            "give each client's spec a folder of its own, or pass --force to replace these values",
        )


def write(setup: Setup) -> None:
    setup.path.parent.mkdir(parents=True, exist_ok=True)
    existing = setup.env_path.read_text(encoding="utf-8") if setup.env_path.is_file() else ""
    values = dict(zip(ENV_NAMES, (setup.woo_key, setup.woo_secret, setup.client_id, setup.client_secret)))
    alert_secrets = (setup.alert_webhook, (setup.alert_email or {}).get("password", ""))
    values |= {name: value for name, value in zip(ALERT_ENV, alert_secrets) if value}
    write_private(setup.env_path, env_text(existing, values, setup.path.name))
    setup.path.write_text(spec_text(setup), encoding="utf-8")


def write_private(path: Path, text: str) -> None:
    """Mode 0600 from the first byte, replaced atomically: secrets are never readable by others."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def env_text(existing: str, values: Mapping[str, str], spec_name: str) -> str:
    """.env with these values set: other lines kept, ours replaced (quoted, so `#` and spaces survive)."""
    header = f"# secrets of {spec_name}, written by runner init; keep this file out of version control"
    kept = [
        line
        for line in existing.splitlines()
        if line.strip() != header and line.strip().removeprefix("export ").partition("=")[0].strip() not in values
    ]
    while kept and not kept[-1].strip():
        kept.pop()
    ours = [header] + [f"{name}={json.dumps(value) if chr(39) in value else repr(value)}" for name, value in values.items()]
    return "\n".join(kept + [""] * bool(kept) + ours) + "\n"


def spec_text(setup: Setup) -> str:
    entries: list[tuple[tuple[str, ...], Any, str]] = [
        (("version",), 1, ""),
        (("extends",), PRESET, "the Dutch preset; the keys below override it"),
        (("woocommerce", "url"), setup.shop_url, "store root; the API is at /wp-json/wc/v3"),
        (("woocommerce", "consumer_key"), "${WOO_CONSUMER_KEY}", "the values are in .env beside this file"),
        (("woocommerce", "consumer_secret"), "${WOO_CONSUMER_SECRET}", ""),
        (("exact", "base_url"), setup.base_url, "the region of the Exact licence"),
        (("exact", "division"), setup.division, setup.division_name),
        (("exact", "client_id"), "${EXACT_CLIENT_ID}", "the app in the Exact App Center"),
        (("exact", "client_secret"), "${EXACT_CLIENT_SECRET}", ""),
        (("exact", "redirect_uri"), setup.redirect_uri, "as registered for the app"),
        (("state",), own_path(setup.path, STATE_FILE), "the ledger of what was booked"),
    ]
    if setup.user:
        entries.append((("exact", "user"), setup.user, "whose login: every client of this Exact user shares it"))
    if setup.statuses != ["completed"]:
        entries.append((("orders", "statuses"), setup.statuses, "book an order when it reaches one of these"))
    if setup.since:
        entries.append((("orders", "since"), setup.since, "book the documents dated from this day on"))
    if setup.target != "sales_entry":
        entries.append((("booking", "target"), setup.target, "Exact makes the invoice"))
    if setup.status != "sent":
        entries.append((("booking", "status"), setup.status, "a bank or cash entry settles each order"))
    entries += [(path, value, comment) for path, (value, comment) in setup.changes.items()]
    if setup.vies_url:
        entries.append((("vies", "url"), setup.vies_url, "VAT numbers are checked here: the sandbox's VIES, not the EU's"))
    if setup.push:
        entries.append((("products", "push"), True, "each run pushes the products changed since the last push"))
    entries += _alert_entries(setup)
    head = [
        f"# {setup.path.name}: how this shop is booked into Exact Online; written by `runner init`.",
        "# Only what differs from the preset is here. Secrets are in .env beside this file, never here.",
        "# Check it with `runner validate`; see what it books with `runner preview`.",
    ]
    return "\n".join(head + _yaml_lines(sorted(entries, key=lambda e: SECTIONS.index(e[0][0])))) + "\n"


def _alert_entries(setup: Setup) -> list[tuple[tuple[str, ...], Any, str]]:
    if setup.alert_webhook:
        return [(("notify", "webhook"), "${NOTIFY_WEBHOOK}", "alerts of failed orders and stalled runs; the address is in .env")]
    mail = setup.alert_email
    if not mail:
        return []
    out = [(("notify", "email", "host"), mail["host"], "alerts of failed orders and stalled runs, by e-mail")]
    out.append((("notify", "email", "port"), mail["port"], ""))
    if mail["username"]:
        out += [(("notify", "email", "username"), mail["username"], ""), (("notify", "email", "password"), "${NOTIFY_SMTP_PASSWORD}", "in .env")]
    out += [(("notify", "email", "from"), mail["from_"], ""), (("notify", "email", "to"), [setup.alert_to], "")]
    return out + ([] if mail["starttls"] else [(("notify", "email", "starttls"), False, "a relay on this machine")])


def _yaml_lines(entries: list[tuple[tuple[str, ...], Any, str]]) -> list[str]:
    lines: list[str] = []
    parents: tuple[str, ...] = ()
    for path, value, comment in entries:
        shared = next((i for i, (a, b) in enumerate(zip(parents, path[:-1])) if a != b), min(len(parents), len(path) - 1))
        if shared == 0 and path[0] not in ("version", "extends"):
            lines.append("")
        lines += [f"{'  ' * depth}{path[depth]}:" for depth in range(shared, len(path) - 1)]
        parents, indent = path[:-1], "  " * (len(path) - 1)
        line = f"{indent}{path[-1]}: {_scalar(value, indent + '  ')}"
        if comment and ("\n" in line or len(line) > 48):
            lines += [f"{indent}# {comment}", line]
        else:
            lines.append(f"{line:<48}# {comment}" if comment else line)
    return lines


def _scalar(value: Any, indent: str) -> str:
    """A YAML scalar: long templates folded (when that reads back the same), else one line."""
    if isinstance(value, str) and len(value) > 60:
        parts = re.split(r" (?=\{[%{])", value)
        block = ">-\n" + "\n".join(indent + part for part in parts)
        if all(part and part == part.strip() for part in parts) and yaml.safe_load(f"k: {block}") == {"k": value}:
            return block
    if isinstance(value, str) and "'" in value:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    return yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True).removesuffix("\n...\n").strip()


def closing_lines(setup: Setup, environ: Mapping[str, str]) -> list[str]:
    name = setup.path.name
    out = [
        f"\nwrote {setup.path} ({len(setup.changes)} mapping key(s) differ from the preset) and {setup.env_path} "
        "(the secrets, mode 0600); commit the spec, never .env or .runner/"
    ]
    out += [f"  GAP left: {c.problem}; orders that need it fail until it exists in Exact" for c in setup.gaps_left]
    values = dict(zip(ENV_NAMES, (setup.woo_key, setup.woo_secret, setup.client_id, setup.client_secret)))
    out += [
        f"  note: {n} is also set in this shell, and the environment wins over .env; unset it before runs"
        for n, v in values.items()
        if environ.get(n, v) != v
    ]
    if not setup.since:
        out.append(
            "  note: no history start date, so the first `runner run` books the documents dated from its own day on, "
            "as the preview below shows; to book older orders, set orders.since (or run with --since)"
        )
    out.append(f"next: `runner run {name} --dry-run`, then `runner run {name}` from cron every 15 minutes")
    return out
