"""WooCommerce orders and refunds as plain frozen dataclasses with Decimal money.

Only what booking needs is lifted out of the REST JSON; `raw` keeps the rest for the
templates, which see the order exactly as the API returned it."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from runner.domain import emails
from runner.domain.money import ZERO, AmountError, amount
from runner.errors import BookingError


class OrderDataError(BookingError):
    """The order JSON is not in the shape the WooCommerce REST API returns."""


@dataclass(frozen=True)
class Rate:
    """One tax rate as the order's tax_lines snapshot it (the rate may have changed since)."""

    id: int
    percent: Decimal
    code: str = ""
    label: str = ""

    @property
    def country(self) -> str:
        head = self.code.split("-")[0] if self.code else ""
        return head if len(head) == 2 else ""


@dataclass(frozen=True)
class TaxShare:
    rate_id: int
    total: Decimal
    subtotal: Decimal


@dataclass(frozen=True)
class Item:
    """A product line (or a refunded one, with negative amounts)."""

    id: int
    name: str
    sku: str
    product_id: int
    variation_id: int
    quantity: Decimal
    tax_class: str
    subtotal: Decimal
    subtotal_tax: Decimal
    total: Decimal
    total_tax: Decimal
    taxes: tuple[TaxShare, ...]
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Charge:
    """A shipping line or a fee line; a negative fee is a cart discount."""

    kind: str  # "shipping" or "fee"
    id: int
    name: str
    total: Decimal
    total_tax: Decimal
    taxes: tuple[TaxShare, ...]
    tax_class: str = ""


@dataclass(frozen=True)
class Refund:
    id: int
    amount: Decimal  # positive, as WooCommerce reports it
    reason: str
    date_created: str
    items: tuple[Item, ...]
    charges: tuple[Charge, ...]
    tax_totals: Mapping[int, Decimal]  # per rate id, negative
    rates: Mapping[int, Rate]
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class Order:
    id: int
    number: str
    status: str
    currency: str
    prices_include_tax: bool
    date_created: str
    date_modified: str
    date_paid: str | None
    date_completed: str | None
    total: Decimal
    total_tax: Decimal
    customer_id: int
    payment_method: str
    rates: Mapping[int, Rate]
    tax_totals: Mapping[int, Decimal]  # per rate id: items + fees + shipping tax
    items: tuple[Item, ...]
    charges: tuple[Charge, ...]
    coupons: tuple[str, ...]
    refund_ids: tuple[int, ...]
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @functools.cached_property  # read by the booking rules and the templates
    def email(self) -> str:
        """The billing e-mail, trimmed and lower-cased (`İ` as `i`): templates' `order.email`."""
        return emails.lowered(self.billing_email)

    @functools.cached_property
    def email_key(self) -> str:
        """The billing e-mail in the normal form customers are matched on (runner/domain/emails.py)."""
        return emails.key(self.billing_email)

    @property
    def billing_email(self) -> str:
        return str((self.raw.get("billing") or {}).get("email") or "")

    @functools.cached_property
    def country(self) -> str:
        shipping = (self.raw.get("shipping") or {}).get("country") or ""
        return shipping or (self.raw.get("billing") or {}).get("country") or ""

    def meta(self, key: str) -> Any:
        for entry in self.raw.get("meta_data") or []:
            if entry.get("key") == key:
                return entry.get("value")
        return None


def reached_trigger(raw: Mapping[str, Any], statuses: set[str] | frozenset[str]) -> bool:
    """Due for booking: a trigger status now, or refunded after reaching one (a completed
    order has date_completed, a processing one date_paid): its sale and its refund both
    belong in the books, even when the refund came before the first run saw the order."""
    status = raw.get("status")
    if status in statuses:
        return True
    return status == "refunded" and bool(
        ("completed" in statuses and raw.get("date_completed")) or (statuses & {"processing", "on-hold"} and raw.get("date_paid"))
    )


def _taxes(raw: list | None, where: str) -> tuple[TaxShare, ...]:
    return tuple(
        TaxShare(int(t["id"]), amount(t.get("total"), f"{where}.taxes[{n}].total"), amount(t.get("subtotal"), f"{where}.taxes[{n}].subtotal"))
        for n, t in enumerate(raw or [])
    )


def percent(value: Any, field: str = "") -> Decimal:
    """A rate as a plain percentage: 21, 9, 5.5 (never 21.0000 or 2E+1), so templates can
    key tables on it."""
    number = amount(value, field)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def _rates(tax_lines: list | None) -> dict[int, Rate]:
    return {
        int(t["rate_id"]): Rate(
            int(t["rate_id"]), percent(t.get("rate_percent"), f"tax_lines[{n}].rate_percent"), t.get("rate_code") or "", t.get("label") or ""
        )
        for n, t in enumerate(tax_lines or [])
    }


# VAT rates of the EU member states (and 0): what a rate without a stored percentage may be
KNOWN_RATES = tuple(Decimal(p) for p in "0 3 4 5 5.5 6 7 8 8.5 9 10 12 13 13.5 14 15 16 17 18 19 20 21 22 23 24 25 25.5 27".split())


def _inferred(rates: dict[int, Rate], tax_lines: list | None, items: tuple[Item, ...], charges: tuple[Charge, ...]) -> dict[int, Rate]:
    """Orders saved before WooCommerce 3.7 (and some importers) keep no `rate_percent` on
    their tax lines: the percentage is inferred from the tax and the amount of the lines
    taxed at that rate alone, matched to the known VAT rates; a rate that matches none
    fails the order rather than land on 0 %."""
    missing = {int(t["rate_id"]) for t in tax_lines or [] if t.get("rate_percent") in (None, "")}
    for rate_id in missing:
        net = tax = ZERO
        for total, shares in [(i.total, i.taxes) for i in items] + [(c.total, c.taxes) for c in charges]:
            if len(shares) == 1 and shares[0].rate_id == rate_id:
                net, tax = net + total, tax + shares[0].total
        if not net:
            continue  # nothing taxed at it alone: nothing to infer (and nothing booked at it)
        seen = tax / net * 100
        nearest = min(KNOWN_RATES, key=lambda p: abs(p - seen))
        if abs(nearest - seen) > Decimal("0.5"):
            raise OrderDataError(
                f"tax line {rate_id} has no rate_percent, and its lines are taxed at {seen:.2f}%, which is no known VAT rate",
                "open the order in WooCommerce and save it, so that it stores its rates",
            )
        rates[rate_id] = Rate(rate_id, percent(nearest), rates[rate_id].code, rates[rate_id].label)
    return rates


def _tax_totals(tax_lines: list | None) -> dict[int, Decimal]:
    return {
        int(t["rate_id"]): amount(t.get("tax_total"), f"tax_lines[{n}].tax_total")
        + amount(t.get("shipping_tax_total"), f"tax_lines[{n}].shipping_tax_total")
        for n, t in enumerate(tax_lines or [])
    }


def _item(raw: dict, categories: Mapping[int, tuple[str, ...]], where: str) -> Item:
    product_id = int(raw.get("product_id") or 0)
    return Item(
        id=int(raw["id"]),
        name=raw.get("name") or "",
        sku=raw.get("sku") or "",
        product_id=product_id,
        variation_id=int(raw.get("variation_id") or 0),
        quantity=amount(raw.get("quantity"), f"{where}.quantity"),
        tax_class=raw.get("tax_class") or "",
        subtotal=amount(raw.get("subtotal"), f"{where}.subtotal"),
        subtotal_tax=amount(raw.get("subtotal_tax"), f"{where}.subtotal_tax"),
        total=amount(raw.get("total"), f"{where}.total"),
        total_tax=amount(raw.get("total_tax"), f"{where}.total_tax"),
        taxes=_taxes(raw.get("taxes"), where),
        categories=tuple(categories.get(product_id, ())),
    )


def _charges(raw: Mapping[str, Any]) -> tuple[Charge, ...]:
    """Shipping lines, then fee lines: one shape, each field named as the REST API names it."""
    kinds = (("shipping", "shipping_lines", "method_title", "Shipping"), ("fee", "fee_lines", "name", "Fee"))
    return tuple(
        Charge(
            kind,
            int(c["id"]),
            c.get(name_key) or default,
            amount(c.get("total"), f"{key}[{n}].total"),
            amount(c.get("total_tax"), f"{key}[{n}].total_tax"),
            _taxes(c.get("taxes"), f"{key}[{n}]"),
            (c.get("tax_class") or "") if kind == "fee" else "",  # shipping's class is the shop's setting, not the line's
        )
        for kind, key, name_key, default in kinds
        for n, c in enumerate(raw.get(key) or [])
    )


def parse_order(raw: Mapping[str, Any], categories: Mapping[int, tuple[str, ...]] | None = None) -> Order:
    """The REST JSON of one order as an Order; a malformed order fails on its own."""
    try:
        items = tuple(_item(i, categories or {}, f"line_items[{n}]") for n, i in enumerate(raw.get("line_items") or []))
        charges = _charges(raw)
        return Order(
            id=int(raw["id"]),
            number=str(raw.get("number") or raw["id"]),
            status=raw.get("status") or "",
            currency=raw.get("currency") or "",
            prices_include_tax=bool(raw.get("prices_include_tax")),
            date_created=raw.get("date_created") or "",
            date_modified=raw.get("date_modified") or raw.get("date_created") or "",
            date_paid=raw.get("date_paid"),
            date_completed=raw.get("date_completed"),
            total=amount(raw.get("total"), "total"),
            total_tax=amount(raw.get("total_tax"), "total_tax"),
            customer_id=int(raw.get("customer_id") or 0),
            payment_method=raw.get("payment_method") or "",
            rates=_inferred(_rates(raw.get("tax_lines")), raw.get("tax_lines"), items, charges),
            tax_totals=_tax_totals(raw.get("tax_lines")),
            items=items,
            charges=charges,
            coupons=tuple(c.get("code") or "" for c in raw.get("coupon_lines") or []),
            refund_ids=tuple(int(r["id"]) for r in raw.get("refunds") or []),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise OrderDataError(f"order {raw.get('id', '?')}: unexpected shape ({exc!s})", "is this the JSON of GET /wc/v3/orders?") from None


def parse_refund(raw: Mapping[str, Any], order: Order) -> Refund:
    try:
        return Refund(
            id=int(raw["id"]),
            amount=amount(raw.get("amount"), "amount"),
            reason=raw.get("reason") or "",
            date_created=raw.get("date_created") or "",
            items=tuple(_item(i, {}, f"line_items[{n}]") for n, i in enumerate(raw.get("line_items") or [])),
            charges=_charges(raw),
            tax_totals=_tax_totals(raw.get("tax_lines")),
            rates={**_rates(raw.get("tax_lines")), **order.rates},  # the order's snapshot wins: a rate row may have changed since
            raw=raw,
        )
    except AmountError as exc:
        raise AmountError(f"refund {raw.get('id', '?')}: {exc.message}", exc.hint) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise OrderDataError(
            f"refund {raw.get('id', '?')} of order {order.id}: unexpected shape ({exc!s})", "is this the JSON of GET /wc/v3/orders/{id}/refunds?"
        ) from None
