"""The spec as typed, frozen sections, built once by the loader from the validated document (defaults filled
in). The schema says what a key may hold; these say what the code reads; templates stay text (`Spec.templates`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from runner.domain.vat_number import HOME_RATES, VAT_NUMBER_KEYS
from runner.errors import SpecError
from runner.spec.providers import Settlements
from runner.spec.typed import build
from runner.support.durations import duration

Target = Literal["sales_entry", "sales_invoice"]
Status = Literal["sent", "paid"]
LineGrouping = Literal["per_item", "per_account"]
Mode = Literal["per_order", "daily_summary"]
Discounts = Literal["net", "separate"]
Match = Literal["vat_number", "email"]
ViesMode = Literal["required", "warn", "off"]
Sign = Literal["positive", "negative"]


def _parsed(section: Any, name: str, text: str) -> None:
    """A duration the schema has checked (`2h`), kept parsed beside its text."""
    object.__setattr__(section, name, duration(text, "mhd"))


@dataclass(frozen=True)
class WooCommerce:
    url: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    timezone: str = "Europe/Amsterdam"
    country: str = "NL"  # the shop's own: a VAT-free consumer sale to another member state is warned about
    query_string_auth: bool = False
    timeout: Decimal = Decimal(30)
    webhook_secret: str = ""  # signs webhook deliveries to `runner serve` (runner/web/hooks.py)


@dataclass(frozen=True)
class Exact:
    base_url: str = ""
    division: int = 0
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""
    user: str = ""  # the login store's login of this Exact user (runner/adapters/exact/logins.py login_of)
    token_file: str = ""  # set: a token file of the spec's own; empty: the shared login store
    daily_reserve: int = 50
    monthly_lines: int = 0  # the edition's booking-line allowance (unconfirmed figures: the consultant sets it)


@dataclass(frozen=True)
class Orders:
    statuses: tuple[str, ...] = ("completed",)
    custom_statuses: tuple[str, ...] = ()  # a plugin's statuses the spec names on purpose
    since: str | None = None
    entry_date: str = "{{ order.date_completed or order.date_paid or order.date_created }}"


@dataclass(frozen=True)
class Rounding:
    account: str = ""
    tolerance: Decimal = Decimal("0.02")
    vat_code: str = ""  # empty: mapping.vat_code decides


@dataclass(frozen=True)
class Booking:
    journal: str = ""
    rounding: Rounding = Rounding()
    target: Target = "sales_entry"
    status: Status = "sent"
    your_ref: str = "{{ order.number }}"
    refund_your_ref: str = "{{ order.number }}/{{ refund.id }}"
    description: str = "WooCommerce order {{ order.number }}"
    refund_description: str = "Refund {{ refund.id }} of WooCommerce order {{ order.number }}"
    payment_condition: str = ""
    lines: LineGrouping = "per_item"
    mode: Mode = "per_order"  # daily_summary: one entry per shop-local day and journal (runner/domain/summary.py)
    summary_grace: str = "2h"  # daily_summary: how long after the shop's midnight a day is closed
    discounts: Discounts = "net"
    item: str = "{{ line.sku or 'WEBSHOP' }}"
    balance_sheet_accounts: tuple[str, ...] = ()  # non-revenue GL accounts the spec allows lines on
    pw_gift_cards: bool = False  # a sale below its lines: the gap is a PW gift card paid with (runner/domain/vouchers.py)
    grace: timedelta = field(init=False, repr=False)  # summary_grace, parsed once

    def __post_init__(self) -> None:
        _parsed(self, "grace", self.summary_grace)


@dataclass(frozen=True)
class Payments:
    journal: str = ""
    gl_account: str = "1300"
    receipt_sign: Sign = "positive"  # how the books want money in on a bank or cash line (Exact: positive, [U])


@dataclass(frozen=True)
class Vies:
    url: str = "https://ec.europa.eu/taxation_customs/vies/rest-api"
    requester: str = ""  # the shop's own VAT number: VIES then returns a consultation number (requestIdentifier)
    timeout: Decimal = Decimal(20)


@dataclass(frozen=True)
class VatReport:
    boxes: dict[str, str] = field(default_factory=dict)  # Exact VAT code -> box of the Dutch return, over its properties' box


@dataclass(frozen=True)
class Customers:
    match: tuple[Match, ...] = ("email",)  # in this order; a lone string in the spec is a list of one
    collective: str = ""
    account: dict[str, str] = field(default_factory=dict)  # Exact field name -> template
    vat_number_keys: tuple[str, ...] = VAT_NUMBER_KEYS  # where the shop's plugins keep the number (runner/domain/vat_number.py)
    vies: ViesMode = "required"  # a reverse-charge number is checked in VIES: invalid fails (required) or books with VAT (warn)
    home_rates: dict[str, str] = field(default_factory=lambda: dict(HOME_RATES))  # tax class -> the shop's own rate (warn)


@dataclass(frozen=True)
class Mapping:
    vat_code: str = ""
    gl_account: str = ""
    cost_center: str = ""  # Exact's CostCenter per line; empty: none
    cost_unit: str = ""  # Exact's CostUnit per line; empty: none


@dataclass(frozen=True)
class Products:
    push: bool = False
    item_code: str = "{{ product.sku }}"
    description: str = "{{ product.name }}"


@dataclass(frozen=True)
class Email:
    host: str = ""
    from_: str = ""
    to: tuple[str, ...] = ()
    port: int = 587
    username: str = ""
    password: str = ""
    starttls: bool = True


@dataclass(frozen=True)
class Notify:
    webhook: str = ""
    email: Email | None = None
    stall_after: str = "2h"
    allow_private: bool = False  # the webhook may be link-local: checked by the loader
    stall: timedelta = field(init=False, repr=False)  # stall_after, parsed once

    def __post_init__(self) -> None:
        _parsed(self, "stall", self.stall_after)


SECTIONS = {
    "woocommerce": WooCommerce,
    "exact": Exact,
    "orders": Orders,
    "booking": Booking,
    "payments": Payments,
    "customers": Customers,
    "mapping": Mapping,
    "products": Products,
    "vies": Vies,
    "settlements": Settlements,
    "vat_report": VatReport,
}


@dataclass(frozen=True)
class Spec:
    """A validated spec: typed sections, compiled templates, and where it came from."""

    path: Path
    templates: Any  # runner.spec.templates.Templates
    woocommerce: WooCommerce = WooCommerce()
    exact: Exact = Exact()
    orders: Orders = Orders()
    booking: Booking = Booking()
    payments: Payments = Payments()
    customers: Customers = Customers()
    mapping: Mapping = Mapping()
    products: Products = Products()
    vies: Vies = Vies()
    settlements: Settlements = Settlements()
    vat_report: VatReport = VatReport()
    notify: Notify | None = None
    state: str = ""  # empty: derived from the spec's file name (Spec.state_file)
    source: Any = None  # runner.spec.file.Source: file and line of every key
    missing_env: dict[str, list[tuple]] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()
    document: dict = field(default_factory=dict, repr=False)  # the merged YAML as read, for tools and tests

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def file(self, relative: str) -> Path:
        """A path from the spec (state, token_file), taken relative to the spec's folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def state_file(self) -> Path:
        return self.file(self.state or self._own(STATE_FILE))

    @property
    def token_file(self) -> Path:
        return self.file(self.exact.token_file or self._own(TOKEN_FILE))

    def _own(self, default: str) -> str:
        return own_path(self.path, default)

    @property
    def fingerprint(self) -> str:
        """The spec as read (presets merged), in 12 hex digits: a failure keeps the one it met,
        so a later run can tell that the spec has changed since (its content, not its mtime)."""
        text = json.dumps(self.document, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def timezone(self) -> str:
        return self.woocommerce.timezone

    @property
    def tolerance(self) -> Decimal:
        return self.booking.rounding.tolerance

    def require_env(self, *sections: str) -> None:
        """Fail, naming the variables, when a section needed now uses an undefined ${VAR}."""
        from runner.spec.env_names import did_you_mean, file_order

        missing = [name for name, paths in self.missing_env.items() if any(p[0] in sections for p in paths)]
        missing.sort(key=lambda name: file_order(self.source.where(self.missing_env[name][0])))  # as the file lists them
        if missing:
            where = "; ".join(f"{n} (used at {self.source.where(self.missing_env[n][0])}{did_you_mean(n, self.base_dir)})" for n in missing)
            raise SpecError(
                f"environment variable(s) not set: {where}", f"set them in the environment or in {self.base_dir / '.env'} (KEY=value lines)"
            )


STATE_FILE, TOKEN_FILE = ".runner/state.json", ".runner/exact-token.json"


def own_path(spec_path: Path, default: str) -> str:
    """A spec's own default path: `sync.yaml` keeps the historic names, any other gets its name in
    front (`klant-a.yaml` -> `.runner/klant-a.state.json`): two specs never share a ledger or a login."""
    if spec_path.stem == "sync":
        return default
    folder, _, name = default.rpartition("/")
    return f"{folder}/{spec_path.stem}.{name}"


def spec_from(document: dict, path: Path, templates: Any, source: Any, missing_env: dict, secrets: set[str]) -> Spec:
    """The typed spec of a validated document with its defaults filled in."""
    sections = {name: build(cls, document.get(name) or {}, name) for name, cls in SECTIONS.items()}
    notify = build(Notify, document["notify"], "notify") if document.get("notify") else None
    return Spec(
        path=path,
        notify=notify,
        state=str(document.get("state") or ""),
        templates=templates,
        source=source,
        missing_env=missing_env,
        secrets=frozenset(secrets),
        document=document,
        **sections,
    )
