"""The daily summary (verzamelboeking, `booking.mode: daily_summary`): the documents the
booking rules make of one shop-local day's orders (or refunds) in one journal, summed into
one document on the collective account, one line per GL account and VAT code (and destination
country, for exports and OSS sales: runner/domain/daily_split.py). Pure.

Each member document's VAT per rate already equals WooCommerce's `tax_lines`, so the sum
per VAT code is the sum of WooCommerce's tax per rate over the day, to the cent; nothing is
rounded again. A member is kept in the ledger as `record(document)` while its day is open
and read back with `member(record)`, so an order seen once is summed when its day closes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from runner.domain.booking import Document, Line, PaymentPlan
from runner.domain.grouping import grouped as _grouped
from runner.domain.identity import summary_identity
from runner.domain.money import ZERO, text
from runner.errors import BookingError

SALE, CREDIT = "sale", "credit"


@dataclass(frozen=True)
class Day:
    """Which summary a document belongs to: its kind (sale or credit), journal and day."""

    kind: str
    journal: str
    day: date

    def your_ref(self, number: int = 1) -> str:
        """`WC 2026-11-26`, a credit `WC 2026-11-26 R`; the n-th summary of a day (a
        correction for orders that came after it was booked) `WC 2026-11-26 #2`."""
        ref = f"WC {self.day.isoformat()}" + (" R" if self.kind == CREDIT else "")
        return ref if number == 1 else f"{ref} #{number}"

    def description(self, number: int, count: int) -> str:
        what = "refunds" if self.kind == CREDIT else "orders"
        correction = f", correction {number}" if number > 1 else ""
        return f"WooCommerce {self.day.isoformat()}: {count} {what}{correction}"

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.journal}|{self.day.isoformat()}"


def day_of(document: Document) -> Day:
    return Day(CREDIT if document.refund_id is not None else SALE, document.journal, document.entry_date)


def closes_at(day: date, timezone: str, grace: timedelta) -> datetime:
    """When a shop-local day is over: its midnight in the shop's time zone plus `grace`
    (late payments and status changes of that day)."""
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(timezone)) + grace


def closed(day: date, now: float, timezone: str, grace: timedelta) -> bool:
    """Whether a shop-local day is over at `now` (epoch seconds)."""
    return datetime.fromtimestamp(now, UTC) >= closes_at(day, timezone, grace)


def summarize(members: Sequence[Document], day: Day, number: int = 1) -> Document:
    """One document for the day: every member's lines summed per (GL account, VAT code); the
    total is the sum of the members' totals (each WooCommerce's, to the cent). A member may be
    a summary itself (a preview sums a long day in parts): the result is the same."""
    if not members:
        raise ValueError("a summary of nothing")
    currencies = sorted({m.currency for m in members})
    if len(currencies) > 1:
        raise BookingError(
            f"the {day.kind}s of {day.day.isoformat()} in journal {day.journal} are in {' and '.join(currencies)}; a daily summary has one currency",
            "book such a shop per order (booking.mode: per_order), or give each currency its own journal (booking.journal)",
        )
    lines: list[Line] = _grouped([line for m in members for line in m.lines], with_item=False)
    warnings = tuple(
        w if m.members else f"order {m.order_number}" + (f" refund {m.refund_id}" if m.refund_id is not None else "") + f": {w}"
        for m in members
        for w in m.warnings
    )
    inside = tuple(pair for m in members for pair in (m.members or ((m.order_id, m.refund_id),)))
    return Document(
        target=members[0].target,
        order_id=0,
        order_number=day.your_ref(number),
        refund_id=None,
        entry_date=day.day,
        journal=day.journal,
        your_ref=day.your_ref(number),
        description=day.description(number, len(inside)),
        payment_condition="",
        currency=currencies[0],
        lines=tuple(lines),
        total=sum((m.total for m in members), ZERO),
        warnings=warnings,
        members=inside,
        shop=members[0].shop,
        created=day.day,
        summary=summary_identity(day.day, day.kind == CREDIT, number),
    )


def record(document: Document, account: str, payment: PaymentPlan | None = None, country: str = "") -> dict:
    """A member document as the ledger keeps it until its day's summary is booked: what the
    summary needs of it, amounts as strings; in paid mode its payment's journal and amount; an
    export's or OSS sale's destination `country`, which its lines are summed apart by."""
    return {
        "order": document.order_id,
        "refund": document.refund_id or 0,
        "number": document.order_number,
        "kind": day_of(document).kind,
        "journal": document.journal,
        "day": document.entry_date.isoformat(),
        "currency": document.currency,
        "target": document.target,
        "account": account,
        "total": text(document.total),
        "lines": [[ln.kind, ln.gl_account, ln.vat_code, str(ln.percent), text(ln.net), text(ln.vat)] for ln in document.lines],
        "warnings": list(document.warnings),
        **({"shop": document.shop} if document.shop else {}),
        **({"country": country} if country else {}),
        **({"receipt": [payment.journal, text(payment.amount)]} if payment is not None else {}),
    }


def receipt_of(kept: dict) -> tuple[str, Decimal] | None:
    """A member's payment as money in (journal, amount). Ledgers before receipts were money in
    kept it as `pay`, the amount as the line's old sign (minus the receipt): read negated."""
    if kept.get("receipt"):
        journal, amount = kept["receipt"]
        return journal, Decimal(amount)
    if kept.get("pay"):
        journal, amount = kept["pay"]
        return journal, -Decimal(amount)
    return None


def receipts_due(summary: dict) -> dict[str, dict]:
    """A booked summary's payments per journal, money in; a ledger of before kept them as
    `to_pay` with the old sign."""
    if "receipts" in summary or "to_pay" not in summary:
        return summary.get("receipts") or {}
    return {journal: {**due, "amount": text(-Decimal(due["amount"]))} for journal, due in summary["to_pay"].items()}


def payments(kept: Sequence[dict]) -> dict[str, dict]:
    """booking.status paid: what the day's payment entries settle, per payment journal (the
    journal is a template per order, so a day may split over several): the sum of the
    members' payments to the cent, and which members they are. A journal whose payments add
    up to nothing gets no entry."""
    out: dict[str, dict] = {}
    for k in kept:
        if paid := receipt_of(k):
            journal, amount = paid
            entry = out.setdefault(journal, {"amount": ZERO, "members": []})
            entry["amount"] += amount
            entry["members"].append([k["order"], k["refund"], k["number"]])
    return {journal: {**entry, "amount": text(entry["amount"])} for journal, entry in sorted(out.items()) if entry["amount"]}


def payment_plan(summary: dict, journal: str, gl_account: str) -> PaymentPlan:
    """One payment entry of a booked summary (as the ledger holds it): its line settles the
    summary's receivable on the collective account for what the journal's members paid,
    dated the summary's day; the description names the summary (so the day) and the journal,
    which is how the entry is found again."""
    return PaymentPlan(
        journal,
        gl_account,
        Decimal(receipts_due(summary)[journal]["amount"]),
        date.fromisoformat(summary["day_key"].rsplit("|", 1)[1]),
        payment_description(summary["your_ref"], journal),
        summary.get("currency", ""),
    )


def payment_description(your_ref: str, journal: str) -> str:
    """`Payment WC 2026-11-26 R #2, journal 21`."""
    return f"Payment {your_ref}, journal {journal}"


def shell(summary: dict) -> Document:
    """A booked summary as the ledger holds it, without its lines: enough for the books to
    be asked whether they hold it, and for its payments to name it."""
    kind, journal, day = summary["day_key"].split("|")
    return Document(
        target="sales_entry",
        order_id=0,
        order_number=summary["your_ref"],
        refund_id=None,
        entry_date=date.fromisoformat(day),
        journal=journal,
        your_ref=summary["your_ref"],
        description=summary.get("description", ""),
        payment_condition="",
        currency=summary.get("currency", ""),
        lines=(),
        total=Decimal(summary.get("total") or 0),
        members=tuple((order, refund or None) for order, refund in summary["members"]),
        shop=summary.get("shop", ""),
        created=date.fromisoformat(day),
        summary=summary_identity(date.fromisoformat(day), kind == CREDIT, int(summary.get("n") or summary["key"].rsplit("|", 1)[1])),
    )


def member(kept: dict) -> Document:
    """A member document back from its ledger record."""
    where = kept.get("country", "")
    lines = tuple(
        Line(kind, "", Decimal(1), Decimal(net), Decimal(vat), Decimal(percent), code, gl, country=where)
        for kind, gl, code, percent, net, vat in kept["lines"]
    )
    return Document(
        target=kept["target"],
        order_id=kept["order"],
        order_number=kept["number"],
        refund_id=kept["refund"] or None,
        entry_date=date.fromisoformat(kept["day"]),
        journal=kept["journal"],
        your_ref="",
        description="",
        payment_condition="",
        currency=kept["currency"],
        lines=lines,
        total=Decimal(kept["total"]),
        warnings=tuple(kept.get("warnings") or ()),
        shop=kept.get("shop", ""),
    )
