"""`runner report` put together: both sides read (read-only) and compared by
runner/services/vat_report.py. For `booking.mode: daily_summary` the shop's documents are summed per
booked summary, as the books hold it (the ledger names each summary's members), and in paid
mode each summary's payments per payment journal, the shop's (the sum of its members'
payments) against the payment lines Exact holds for it (OurRef = the summary's entry number,
on the collective account), read by runner/adapters/exact/books.py. `fold` and `paid_rows` are pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from runner.domain.identity import read_tag, shop_tag
from runner.domain.money import ZERO
from runner.domain.report import NONE, Code, Doc, Pair
from runner.pipeline import due
from runner.pipeline.ports import Source
from runner.services.vat_audit import audit, kept_answers, with_boxes
from runner.services.vat_report import Reconciliation, compare, ledger_views, read_shop
from runner.spec.model import Spec

JOURNAL_IN = re.compile(r", journal (\S+)$")  # runner/domain/summary.py payment_description


@dataclass(frozen=True)
class PaidRow:
    """One summary's payments in one payment journal, on both sides."""

    your_ref: str
    journal: str
    shop: Decimal
    exact: Decimal | None  # None: Exact holds no payment of this summary in this journal

    @property
    def differs(self) -> bool:
        return self.exact != self.shop


def fold(documents: Iterable[Doc], summaries: Iterable[Mapping[str, Any]]) -> list[Doc]:
    """The shop's documents of each booked summary (the ledger names its members) summed into
    one, as the books hold it, with their payments per journal; the others as they are. A
    member the shop no longer shows leaves its summary short: a difference that names it."""
    documents = list(documents)
    by_key = {d.key: d for d in documents}
    folded, used = [], set()
    for summary in summaries:
        if summary.get("state") != "done":
            continue
        members = [(order, refund or None) for order, refund in summary["members"]]
        amounts: dict[Code, Pair] = {}
        paid: dict[str, Decimal] = {}
        for key in members:
            used.add(key)
            mine = by_key.get(key)
            for code, (net, vat) in (mine.amounts if mine else {}).items():
                was = amounts.get(code, NONE)
                amounts[code] = (was[0] + net, was[1] + vat)
            for journal, amount in mine.paid if mine else ():
                paid[journal] = paid.get(journal, ZERO) + amount
        labels = tuple(f"{order}" + (f"/{refund}" if refund else "") for order, refund in members)
        day = date.fromisoformat(summary["day_key"].rsplit("|", 1)[1])
        folded.append(
            Doc(
                day,
                summary["your_ref"],
                summary["description"],
                amounts,
                number=summary.get("number"),
                entry_id=summary.get("ref") or "",
                journal=summary["journal"],
                summary=summary["key"],
                orders=labels,
                paid=tuple(sorted(paid.items())),
            )
        )
    return folded + [d for d in documents if d.key not in used]


def paid_rows(folded: Iterable[Doc], summaries: Iterable[Mapping[str, Any]], lines: Iterable[Mapping[str, Any]]) -> list[PaidRow]:
    """Per summary of the period and payment journal: what its members paid against what
    Exact's payment lines on its account with OurRef = its number add up to. A line's journal
    is its entry's, known from the ledger (the entry id it recorded), else named in its
    description; a journal only one side has is a row too."""
    by_key = {s["key"]: s for s in summaries}
    journal_of = {state.get("ref"): journal for s in by_key.values() for journal, state in (s.get("payments") or {}).items() if state.get("ref")}
    held: dict[tuple[str, int], dict[str, Decimal]] = {}
    for line in lines:
        named = JOURNAL_IN.search(line.get("Description") or "")
        journal = journal_of.get(line.get("EntryID")) or (named[1] if named else "?")
        sums = held.setdefault((line.get("Account") or "", line.get("OurRef")), {})
        sums[journal] = sums.get(journal, ZERO) + Decimal(str(line.get("AmountFC") or 0))
    rows = []
    for doc in folded:
        summary = by_key.get(doc.summary)
        if summary is None:
            continue
        exact = held.get((summary.get("account") or "", summary.get("number")), {})
        shop = dict(doc.paid)
        for journal in sorted(set(shop) | set(exact)):
            rows.append(PaidRow(doc.your_ref, journal, shop.get(journal, ZERO), exact.get(journal)))
    return rows


def tagged(identify: Callable[[Doc], Any], shop: str) -> Callable[[Doc], Any]:
    """Who an Exact document belongs to: what the ledger knows, else what its identity tag
    says (this shop's order and refund, or day summary), so a lost ledger still matches."""

    def who(doc: Doc):
        known = identify(doc)
        if known or not (tag := read_tag(doc.description)) or tag.shop != shop:
            return known
        if tag.order:
            return tag.order
        day, kind, number = tag.summary or (None, "", 0)
        return ("summary", f"{kind}|{doc.journal}|{day.isoformat()}|{number}") if day else None

    return who


Books = Callable[[Iterable[str], date, date, bool], tuple[list[Doc], list[Doc]]]


def reconcile(
    spec: Spec,
    woo: Source,
    read_books: Books,
    ledger,
    start: date,
    end: date,
    progress: Callable | None = None,
    read_payments: Callable | None = None,
    read_codes: Callable | None = None,
) -> Reconciliation:
    """Read both sides (read-only) and compare them. The journals read are those the shop's
    documents go to, those the ledger booked in, and the spec's own if it is a plain code.
    Daily summaries in paid mode: their payments too, read by `read_payments` (runner/adapters/exact/books.py)."""
    steps = [s for s in ledger.all_steps() if s.get("step") == "document"]
    facts: dict = {}
    window = due.Window.of(spec.orders.statuses, due.start(ledger, spec.orders.since), timezone=spec.timezone)
    documents, unbookable = read_shop(spec, woo, start, window, progress, facts, kept_answers(ledger.vies_answers()))  # VIES as the runs heard it
    shop_docs = documents
    plain = spec.booking.journal
    codes = {d.journal for d in documents} | {s["journal"] for s in steps if s.get("journal")} | ({plain} - {""} if "{" not in plain else set())
    entries, drafts = read_books(codes, start, end, spec.booking.target == "sales_invoice")
    identify, note = ledger_views(steps, ledger.failures())
    summaries = ledger.summaries() if spec.booking.mode == "daily_summary" else []
    if spec.booking.mode == "daily_summary":
        documents = fold(documents, summaries)
        by_id = {s["ref"]: ("summary", s["key"]) for s in summaries if s.get("ref")}
        per_order = identify
        identify = lambda doc: by_id.get(doc.entry_id) or per_order(doc)  # noqa: E731
    identify = tagged(identify, shop_tag(spec.woocommerce.url))
    result = compare(
        documents,
        entries,
        start,
        end,
        timezone_name=spec.timezone,
        journals=codes,
        identify=identify,
        unbookable=unbookable,
        note=note,
        drafts=drafts,
    )
    if read_codes is not None:  # WooCommerce's own figures, the sanity rules, the boxes (runner/services/vat_audit.py)
        mine = [d for d in shop_docs if start <= d.entry_date <= end]
        result.audit = audit(result.rows, mine, facts, with_boxes(read_codes(), spec.vat_report.boxes), spec.woocommerce.country)
    if summaries and spec.booking.status == "paid" and read_payments is not None:
        accounts = sorted({s["account"] for s in summaries if s.get("account")})
        result.payments = paid_rows([doc for doc, _ in result.summaries], summaries, read_payments(accounts, start, end) if accounts else [])
    return result
