"""The customer's VAT number, where the shop's plugin keeps it, and what a VIES check of it
means for the booking (issue 22 #5; reference vat-edge-cases.md sections 1 and 2).

Finding it (`customers.vat_number_keys`, the first non-empty wins): an order meta key
(`_billing_vat_id` of Germanized Pro, `billing_vat` of German Market, `vat_number` of Aelia,
`_billing_vat_number` of the EU VAT Number extension...), a key with `*` matched against every
meta key (the block checkout's `_wc_billing/<namespace>/<field>`), a path into a meta value
(`_eu_vat_evidence.exemption.vat_number`) or into the order (`billing.vat_id`, which
Germanized Pro adds to the address). A value of fewer than four letters and digits, or
without a digit (a checkbox's `1`, a `yes`), is no number.

A number is checked when it is used for reverse charge: the destination is another member
state's VAT area (runner/domain/vat_area.py) and WooCommerce charged no VAT. What the answer
does, per `customers.vies`:
- valid: booked as WooCommerce did (0 %), the answer kept with the booking as evidence;
- invalid: `required` fails the order with VIES's answer; `warn` books it with the shop's own
  VAT (`customers.home_rates`, the amount paid taken as including it) and says so; never 0 %;
- unavailable (VIES or the member state's system down, a timeout, too many requests): the
  order waits and is retried, never booked at 0 % unchecked;
- `off`: not asked; booked as WooCommerce charged it."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from runner.domain.model import Rate
from runner.domain.money import ZERO, cents
from runner.domain.vat_area import destination, vat_area
from runner.errors import BookingError

# reference vat-edge-cases.md 1.2: the EU VAT Number extension, Aelia, EU/UK VAT Compliance, YITH, WP Wham,
# German Market, Germanized Pro (meta and REST address), EU/UK VAT Manager, WCEV, Belgian custom fields, the block checkout
VAT_NUMBER_KEYS = (
    "_billing_vat_number",
    "_vat_number",
    "vat_number",
    "VAT Number",
    "_eu_vat_evidence.exemption.vat_number",
    "_billing_eu_vat_number",
    "yweu_billing_vat",
    "billing_vat",
    "_billing_vat_id",
    "_shipping_vat_id",
    "billing.vat_id",
    "_billing_dic",
    "_billing_eu_vat",
    "_billing_btw_nummer",
    "billing_vat_number",
    "btw_nummer",
    "_wc_billing/*/vat*",
    "_wc_other/*/vat*",
    "_wc_additional/*/vat*",
)
HOME_RATES = {"standard": "21", "reduced-rate": "9", "zero-rate": "0"}
VIES_PREFIX = {"GR": "EL", "MC": "FR"}  # WooCommerce country -> VIES code (the EU VAT Number extension's map)
TRANSIENT = frozenset(
    "SERVICE_UNAVAILABLE MS_UNAVAILABLE TIMEOUT GLOBAL_MAX_CONCURRENT_REQ GLOBAL_MAX_CONCURRENT_REQ_TIME "
    "MS_MAX_CONCURRENT_REQ MS_MAX_CONCURRENT_REQ_TIME".split()
)


@dataclass(frozen=True)
class ViesAnswer:
    """What VIES said of one number: `valid`, `invalid` or `unavailable` (with VIES's error code)."""

    status: str
    country: str
    number: str
    name: str = ""
    date: str = ""
    identifier: str = ""  # VIES's requestIdentifier (consultation number), with a requester number only
    error: str = ""

    @property
    def evidence(self) -> str:
        said = {"valid": "valid", "invalid": "not valid", "unavailable": f"not checked ({self.error or 'unavailable'})"}[self.status]
        extra = ", ".join(p for p in (self.name and f"name {self.name}", self.identifier and f"consultation {self.identifier}") if p)
        return f"VIES {self.date[:10] or '?'}: {self.country}{self.number} {said}" + (f" ({extra})" if extra else "")


@dataclass(frozen=True)
class B2B:
    """What the VAT number means for one order's booking."""

    home_vat: bool = False  # an invalid number under `warn`: booked with the shop's own VAT
    evidence: tuple[str, ...] = ()  # VIES's answer, kept with the booking
    warnings: tuple[str, ...] = ()


Checker = Callable[[str, str], ViesAnswer | None]  # (VIES country code, number without it) -> answer (None: none known)


def found(order_raw: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, str]:
    """(number as the shop keeps it, the key it was found under), or ("", "")."""
    meta = {m.get("key"): m.get("value") for m in order_raw.get("meta_data") or [] if isinstance(m, Mapping)}
    for key in keys:
        for value in _values(order_raw, meta, key):
            text = "".join(ch for ch in str(value) if ch.isalnum()) if isinstance(value, (str, int)) else ""
            if len(text) >= 4 and any(ch.isdigit() for ch in text):
                return str(value).strip(), key
    return "", ""


def _values(raw: Mapping[str, Any], meta: Mapping[Any, Any], key: str):
    if "*" in key:
        yield from (value for name, value in meta.items() if isinstance(name, str) and fnmatch.fnmatchcase(name, key))
        return
    if key in meta:
        yield meta[key]
        return
    head, _, rest = key.partition(".")
    value = raw.get(head) if head in ("billing", "shipping") else meta.get(head)
    for part in rest.split(".") if rest else ():
        value = value.get(part) if isinstance(value, Mapping) else None
    if rest and value is not None:
        yield value


def split(number: str, country: str, postcode: str = "") -> tuple[str, str]:
    """(VIES country code, number) of a VAT number: its own prefix, else the country's
    (Greece is EL, Monaco FR, Northern Ireland XI); no blanks, dots or dashes."""
    text = "".join(ch for ch in number.upper() if ch.isalnum())
    if len(text) > 2 and text[:2].isalpha():
        prefix, text = text[:2], text[2:]
    elif country == "GB" and postcode.upper().startswith("BT"):
        prefix = "XI"
    else:
        prefix = country
    return VIES_PREFIX.get(prefix, prefix), text


def normal(number: str, order_raw: Mapping[str, Any]) -> str:
    """`customer.vat_number`: as VIES and Exact's VATNumber write it, prefix first (`de 811 569 869`
    -> `DE811569869`; a number without a prefix gets the destination's, Greece's EL)."""
    if not number:
        return ""
    country, _, postcode, _ = destination(order_raw)
    return "".join(split(number, country, postcode))


def reverse_charged(area: str, number: str, total_tax: Decimal) -> bool:
    """A number used for reverse charge: to another member state's VAT area, no VAT charged."""
    return area == "eu" and bool(number) and not total_tax


def verdict(order_number: str, mode: str, number: str, country: str, postcode: str, check: Checker | None) -> B2B:
    """What VIES's answer means for a reverse-charge sale; raises for an invalid number under
    `required` and for an unavailable VIES (the order waits)."""
    if mode == "off":
        return B2B()
    answer = check(*split(number, country, postcode)) if check else None
    if answer is None:  # not asked (a preview), or no answer kept (the report reads the run's from the ledger)
        return B2B(warnings=(f"VAT number {number} is checked in VIES when the order is booked, not here",))
    if answer.status == "valid":
        return B2B(evidence=(answer.evidence,))
    if answer.status == "unavailable":
        raise BookingError(
            f"order {order_number}: VIES cannot check VAT number {number} now ({answer.error or 'unavailable'}); "
            "the order waits: never booked at 0 % unchecked",
            "nothing to do: it is retried by itself; `runner retry SPEC` tries it now",
        )
    if mode == "required":
        raise BookingError(
            f"order {order_number}: VAT number {number} is not valid according to VIES ({answer.evidence}); "
            "a sale without VAT (reverse charge) needs a valid number",
            "correct the number in WooCommerce (or invoice the customer the VAT), then `runner retry SPEC`; "
            "customers.vies: warn books such orders with VAT instead",
        )
    said = f"VAT number {number} is not valid according to VIES: booked with the shop's own VAT, not as reverse charge"
    return B2B(True, (answer.evidence,), (said,))


def with_home_vat(facts: list, verdict: B2B, spec: Any) -> list:
    """The lines of a VAT-free sale that loses its exemption (`verdict.home_vat`): each line's
    amount taken as including the shop's own rate for its tax class (`customers.home_rates`),
    the VAT split out of it (rounded half up to cents); what the customer paid stays booked."""
    if not verdict.home_vat:
        return facts
    home_rates, out = spec.customers.home_rates, []
    for fact in facts:
        if fact.tax or fact.kind not in ("product", "shipping", "fee", "discount"):
            out.append(fact)
            continue
        percent = Decimal(home_rates.get(fact.tax_class or "standard", home_rates.get("standard", "0")))
        gross = fact.net
        net = cents(gross * 100 / (100 + percent)) if percent else gross
        rate = Rate(-1 - int(percent * 100), percent, f"{spec.woocommerce.country}-VAT", "home")  # ids no tax line uses
        out.append(replace(fact, net=net, tax=gross - net if percent else ZERO, rate=rate))
    return out


def b2b(order: Any, customer: Mapping[str, Any], home: str, mode: str, check: Checker | None) -> B2B:
    """The VIES verdict on an order whose VAT number is used for reverse charge (else nothing)."""
    number = str(customer.get("vat_number") or "")
    if not reverse_charged(vat_area(order.raw, home), number, order.total_tax):
        return B2B()
    country, _, postcode, _ = destination(order.raw)
    return verdict(order.number, mode, number, country, postcode, check)


def match_keys(order: Any, customer: Mapping[str, Any], match: tuple[str, ...]) -> tuple[str, ...]:
    """The keys an order's Exact account is matched on, in `customers.match`'s order: the VAT
    number (`vat:` + VIES code + number, as `vat_key` makes of Exact's VATNumber) when the
    order has one, the e-mail's normal form when it has one."""
    keys = []
    for field in match:
        if field == "vat_number" and customer.get("vat_number"):
            country, _, postcode, _ = destination(order.raw)
            keys.append("vat:" + "".join(split(str(customer["vat_number"]), country, postcode)))
        if field == "email" and order.email_key:
            keys.append(order.email_key)
    return tuple(keys)


def vat_key(number: str) -> str:
    """The index key of an Exact account's VATNumber (`NL 0000.99.998 B01` -> `vat:NL000099998B01`)."""
    text = "".join(ch for ch in (number or "").upper() if ch.isalnum())
    return f"vat:{VIES_PREFIX.get(text[:2], text[:2])}{text[2:]}" if len(text) > 2 and text[:2].isalpha() else ""
