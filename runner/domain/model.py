"""Orders and refunds as plain frozen dataclasses with Decimal money.

A shop's adapter reads them out of what the shop sends (runner/adapters/woo/rest.py for
WooCommerce's REST JSON); `raw` keeps what it sent for the templates, which see the order
exactly as the API returned it (DESIGN.md, the template context)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from runner.domain import emails
from runner.domain.money import amount
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
    refunded_item: int = 0  # a refund's line: the id of the order's line it refunds (0: none said)
    gift_card: bool = False  # an order's line selling a gift card (the card plugins' line meta)


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
    refunded_item: int = 0  # a refund's line: the id of the order's line it refunds (0: none said)


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
    gift_cards: tuple[tuple[str, Decimal], ...] = ()  # (code, amount) of each gift card it was paid with
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


def percent(value: Any, field: str = "") -> Decimal:
    """A rate as a plain percentage: 21, 9, 5.5 (never 21.0000 or 2E+1), so templates can
    key tables on it."""
    number = amount(value, field)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


# VAT rates of the EU member states (and 0): what a rate without a stored percentage may be
KNOWN_RATES = tuple(Decimal(p) for p in "0 3 4 5 5.5 6 7 8 8.5 9 10 12 13 13.5 14 15 16 17 18 19 20 21 22 23 24 25 25.5 27".split())
