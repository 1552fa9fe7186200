"""What the booking rules (runner/domain/booking.py) make of an order or a refund: a
`Document` of `Line`s with amounts, VAT codes and GL accounts (codes, not a sink's ids), the
`CustomerPlan` it is booked on and the `PaymentPlan` that settles it. Pure values; a sink
(runner/adapters) turns them into what its books take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from runner.domain.identity import document_identity, tag
from runner.domain.money import ZERO


@dataclass(frozen=True)
class Line:
    """One line of an Exact document, codes not yet resolved to GUIDs."""

    kind: str
    description: str
    quantity: Decimal
    net: Decimal
    vat: Decimal
    percent: Decimal
    vat_code: str
    gl_account: str
    item: str = ""
    cost_center: str = ""  # Exact's CostCenter code (mapping.cost_center); empty: none
    cost_unit: str = ""  # Exact's CostUnit code (mapping.cost_unit); empty: none
    country: str = ""  # a daily summary's line: the destination country it sums (runner/domain/daily_split.py)


@dataclass(frozen=True)
class Document:
    target: str  # sales_entry | sales_invoice
    order_id: int
    order_number: str
    refund_id: int | None
    entry_date: date
    journal: str
    your_ref: str
    description: str
    payment_condition: str
    currency: str
    lines: tuple[Line, ...]
    total: Decimal  # what WooCommerce says the document is worth, signed
    warnings: tuple[str, ...] = ()
    closing: Line | None = None  # sales invoices: where a difference left by Exact's own VAT sum is closed
    members: tuple[tuple[int, int | None], ...] = ()  # a daily summary (runner/domain/summary.py): the (order, refund) it sums
    shop: str = ""  # the shop's tag (runner/domain/identity.py): with the ids, how Exact tells this document from any other
    created: date | None = None  # the earliest day the document can be dated (the order's creation): lookups read from it
    summary: str = ""  # a daily summary's identity (day, kind, number), in place of order and refund ids
    evidence: tuple[str, ...] = ()  # VIES's answer on the VAT number a reverse-charge sale rests on (runner/domain/vat_number.py)

    @property
    def identity(self) -> str:
        return self.summary or document_identity(self.order_id, self.refund_id)

    @property
    def tag(self) -> str:
        """`[wc:3f9a1c:1234/567]`: the end of the Description Exact holds (runner/domain/identity.py)."""
        return tag(self.shop, self.identity)

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def booked_total(self) -> Decimal:
        return sum((line.net + line.vat for line in self.lines), ZERO)

    def vat_by_code(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            totals[line.vat_code] = totals.get(line.vat_code, ZERO) + line.vat
        return totals


@dataclass(frozen=True)
class CustomerPlan:
    """Who the document is booked on: a collective account code, or an e-mail to match (in
    its normal form, runner/domain/emails.py). The fields of a new account are rendered only
    when one is made."""

    email: str
    collective: str
    context: dict[str, Any]
    render_account: Callable[[], dict[str, str]] = field(repr=False, compare=False, default=dict)
    keys: tuple[str, ...] = ()  # what the account is matched on, in customers.match's order: `vat:` + VAT number, the e-mail

    @property
    def account(self) -> dict[str, str]:
        return self.render_account()


@dataclass(frozen=True)
class PaymentPlan:
    """The bank or cash entry line that settles a document when status is `paid`."""

    journal: str
    gl_account: str
    amount: Decimal  # the money in: a receipt positive, a refund paid out negative (a sink applies its own sign)
    date: date
    description: str
    currency: str = ""  # the order's: a payment in another currency than the books' is said so
