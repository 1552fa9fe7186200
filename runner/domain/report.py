"""A document as one side of `runner report` sees it (the shop through the booking rules, or
Exact's books): its lines summed per (VAT code, GL account). Pure; both sides' readers make
these, and runner/services/vat_report.py compares them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from runner.domain.money import ZERO

Code = tuple[str, str]  # (VAT code, GL account code)
Pair = tuple[Decimal, Decimal]  # (net, VAT)
NONE: Pair = (ZERO, ZERO)


@dataclass(frozen=True)
class Doc:
    """One document as one side sees it, its lines summed per (VAT code, GL account)."""

    entry_date: date
    your_ref: str
    description: str
    amounts: Mapping[Code, Pair]
    order_id: int | None = None  # shop side; on the Exact side once identified
    refund_id: int | None = None
    number: int | None = None  # Exact's entry number
    entry_id: str = ""
    journal: str = ""
    status: str = ""  # shop side: the order's status now
    summary: str = ""  # shop side, booking.mode daily_summary: the ledger's key of the day's summary
    orders: tuple[str, ...] = ()  # a summary's orders and refunds ("5001", "5054/5349"), as the ledger recorded them
    paid: tuple[tuple[str, Decimal], ...] = ()  # booking.status paid: (payment journal, amount) of its payment(s), shop side

    @property
    def key(self) -> tuple:
        return ("summary", self.summary) if self.summary else (self.order_id, self.refund_id)

    @property
    def total(self) -> Decimal:
        return sum((net + vat for net, vat in self.amounts.values()), ZERO)
