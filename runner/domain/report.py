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


CENT = Decimal("0.01")


def moved_cent(shop: Mapping[Code, Pair], exact: Mapping[Code, Pair]) -> str:
    """When the only difference between the two sides of a document is a cent that moved
    from one (VAT code, GL account) to another, its net or its VAT, and the document totals
    agree: what moved, from where to where. Empty for any other difference, which stays
    "amounts differ"."""
    diffs = {}
    for code in {*shop, *exact}:
        (net, vat), (net_x, vat_x) = shop.get(code, NONE), exact.get(code, NONE)
        if (net_x - net, vat_x - vat) != NONE:
            diffs[code] = (net_x - net, vat_x - vat)
    sums = sorted(diffs.items(), key=lambda kv: kv[1][0] + kv[1][1])
    if len(sums) != 2 or any(abs(part) > CENT for _, pair in sums for part in pair) or [sum(p) for _, p in sums] != [-CENT, CENT]:
        return ""
    (lost, lost_pair), (won, _) = sums
    what = "net" if lost_pair[0] else "VAT"
    total = sum((net + vat for net, vat in shop.values()), ZERO)
    return (
        f"0.01 of {what} moved from code {lost[0]} (GL {lost[1]}) to code {won[0]} (GL {won[1]}) in Exact, "
        f"against the booking rules; the document totals agree ({total:.2f})"
    )
