"""Reconciliation for the VAT return (`runner report`): per VAT code and GL account, what the
spec's booking rules make of the shop's orders and refunds in a period, against what Exact
holds in the sales journal for the same entry dates. The bookkeeper files from Exact; this
shows, before filing, whether Exact and the shop agree, and which documents do not.

The comparison is pure (documents in, a Reconciliation out). The edges are read-only:
`read_shop` takes the shop's side through runner/pipeline/due.py, so its documents are exactly
those a run books; the books' side comes from a `read_books` the caller hands in
(runner/adapters/exact/books.py for Exact)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from runner.domain.booking import Booker, Document, PaymentPlan
from runner.domain.listed import Listed
from runner.domain.money import ZERO
from runner.domain.report import NONE, Code, Doc, Pair, moved_cent
from runner.domain.vat_number import Checker
from runner.errors import BookingError, UsageError
from runner.pipeline import due
from runner.pipeline.due import Window
from runner.pipeline.ports import Source
from runner.services.vat_audit import note_facts
from runner.spec.model import Spec


@dataclass(frozen=True)
class Row:
    """One (VAT code, GL account) of the period on both sides."""

    code: Code
    shop: Pair
    exact: Pair

    @property
    def diff(self) -> Pair:
        return self.exact[0] - self.shop[0], self.exact[1] - self.shop[1]

    @property
    def differs(self) -> bool:
        return self.diff != NONE


@dataclass(frozen=True)
class Finding:
    """A document behind a difference, with what is known about it."""

    problem: str  # missing in Exact | not in the shop's view | amounts differ | a cent moved between VAT codes | booked N times | cannot be booked
    shop: Doc | None = None
    exact: tuple[Doc, ...] = ()
    note: str = ""
    order_id: int | None = None


@dataclass
class Reconciliation:
    start: date
    end: date
    timezone: str
    journals: list[str]
    rows: list[Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    shop_documents: int = 0
    exact_documents: int = 0
    summaries: list[tuple[Doc, Decimal | None]] = field(default_factory=list)  # daily summaries: the shop's sum, Exact's total
    payments: list[Any] = field(default_factory=list)  # daily summaries in paid mode: runner/services/reconcile.py PaidRow
    audit: Any = None  # WooCommerce's own figures, the sanity rules and the boxes: runner/services/vat_audit.py Audit

    @property
    def differs(self) -> bool:
        checks = bool(self.audit and self.audit.checks)
        return checks or bool(self.findings) or any(row.differs for row in self.rows) or any(p.differs for p in self.payments)

    def total(self, side: str) -> Pair:
        pairs = [getattr(row, side) for row in self.rows]
        return sum((p[0] for p in pairs), ZERO), sum((p[1] for p in pairs), ZERO)


# ---- pure ---------------------------------------------------------------------------------


def period(start: str, end: str) -> tuple[date, date]:
    """The --from/--to pair as dates, first not after last."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise UsageError(
            f"--from {start} --to {end}: dates must be written YYYY-MM-DD", "e.g. --from 2026-01-01 --to 2026-03-31 for the first quarter"
        ) from None
    if first > last:
        raise UsageError(f"--from {start} is after --to {end}", "swap them: --from is the first day, --to the last (inclusive)")
    return first, last


def shop_doc(document: Document, status: str = "", payment: PaymentPlan | None = None) -> Doc:
    amounts: dict[Code, Pair] = {}
    for line in document.lines:
        net, vat = amounts.get((line.vat_code, line.gl_account), NONE)
        amounts[(line.vat_code, line.gl_account)] = (net + line.net, vat + line.vat)
    return Doc(
        document.entry_date,
        document.your_ref,
        document.description,
        amounts,
        document.order_id,
        document.refund_id,
        journal=document.journal,
        status=status,
        paid=((payment.journal, payment.amount),) if payment is not None and payment.amount else (),
    )


def compare(
    shop: Iterable[Doc],
    exact: Iterable[Doc],
    start: date,
    end: date,
    *,
    timezone_name: str = "",
    journals: Iterable[str] = (),
    identify: Callable[[Doc], tuple[int, int | None] | None] | None = None,
    unbookable: Mapping[int, str] | None = None,
    note: Callable[[Doc], str] | None = None,
    drafts: Iterable[Doc] = (),
) -> Reconciliation:
    """Shop documents (any date: one outside the period explains an Exact date inside it)
    against the Exact documents of the period. `identify` names the order of an Exact
    document (the ledger knows its ids); failing that it is matched on YourRef and
    description. `note` says what the ledger knows of a document missing in Exact;
    `drafts` are invoices Exact holds unprocessed, which explain a missing entry."""
    in_period = lambda d: start <= d.entry_date <= end  # noqa: E731
    shop = list(shop)
    by_key = {d.key: d for d in shop}
    by_ref: dict[tuple[str, str], list[Doc]] = {}
    for doc in shop:
        by_ref.setdefault((doc.your_ref, doc.description), []).append(doc)
    exact_by_key: dict[tuple, list[Doc]] = {}
    findings: list[Finding] = []
    for doc in exact:
        known = identify(doc) if identify else None
        match = by_key.get(known) if known else _by_ref(doc, by_ref.get((doc.your_ref, doc.description), []), exact_by_key)
        key = match.key if match else (known or ("exact", doc.entry_id or doc.number))
        exact_by_key.setdefault(key, []).append(doc)
    for key, docs in exact_by_key.items():
        mine = by_key.get(key)
        if mine is None:
            findings.append(Finding("not in the shop's view", None, tuple(docs), order_id=key[0] if isinstance(key[0], int) else None))
        elif len(docs) > 1:
            findings.append(Finding(f"booked {len(docs)} times in Exact", mine, tuple(docs)))
        elif not in_period(mine):
            findings.append(
                Finding("not in the shop's view", mine, tuple(docs), f"the booking rules date it {mine.entry_date.isoformat()}, outside the period")
            )
        elif _nonzero(mine.amounts) != _nonzero(docs[0].amounts):
            moved = moved_cent(mine.amounts, docs[0].amounts)  # a rounding cent between two codes, the totals agreeing
            findings.append(Finding("a cent moved between VAT codes" if moved else "amounts differ", mine, tuple(docs), moved))
    unprocessed = {(d.your_ref, d.description) for d in drafts}
    for doc in shop:
        if in_period(doc) and doc.key not in exact_by_key:
            said = note(doc) if note else ""
            if (doc.your_ref, doc.description) in unprocessed:  # a failed order's open invoice is deleted by the run that retries it, never printed
                then = said if said.startswith("failed: ") else "the next run looks at it (prints it, or deletes it if Exact sums it otherwise)"
                said = f"Exact holds it as an invoice that is not processed, so it is not in the VAT return; {then}"
            why = said
            findings.append(Finding("missing in Exact", doc, (), why))
    findings += [Finding("cannot be booked", note=message, order_id=order_id) for order_id, message in sorted((unbookable or {}).items())]
    booked, mine = [d for docs in exact_by_key.values() for d in docs], [d for d in shop if in_period(d)]
    summaries = [(d, sum((e.total for e in exact_by_key[d.key]), ZERO) if d.key in exact_by_key else None) for d in mine if d.summary]
    return Reconciliation(
        start, end, timezone_name, sorted(set(journals)), _rows(mine, booked), sorted(findings, key=_finding_order), len(mine), len(booked), summaries
    )


def _by_ref(doc: Doc, candidates: list[Doc], taken: Mapping[tuple, list[Doc]]) -> Doc | None:
    """Of the shop documents with this YourRef and description, one not matched yet, with
    the same amounts if there is one (a description template may not tell refunds apart)."""
    free = [c for c in candidates if c.key not in taken] or candidates
    return next((c for c in free if _nonzero(c.amounts) == _nonzero(doc.amounts)), free[0] if free else None)


def _nonzero(amounts: Mapping[Code, Pair]) -> dict[Code, Pair]:
    return {code: pair for code, pair in amounts.items() if pair != NONE}


def _rows(shop: list[Doc], exact: list[Doc]) -> list[Row]:
    sums: dict[Code, list[Pair]] = {}
    for side, docs in enumerate((shop, exact)):
        for doc in docs:
            for code, (net, vat) in doc.amounts.items():
                pairs = sums.setdefault(code, [NONE, NONE])
                pairs[side] = (pairs[side][0] + net, pairs[side][1] + vat)
    return [Row(code, pairs[0], pairs[1]) for code, pairs in sorted(sums.items())]


def _finding_order(finding: Finding) -> tuple:
    doc = finding.shop or (finding.exact[0] if finding.exact else Doc(date.min, "", "", {}))
    return finding.order_id or doc.order_id or 0, doc.refund_id or 0, doc.number or 0


# ---- the edges: read-only ------------------------------------------------------------------


def read_shop(
    spec: Spec, source: Source, start: date, window: Window, progress: Callable | None = None, facts: dict | None = None, vies: Checker | None = None
) -> tuple[list[Doc], dict[int, str]]:
    """Every document the spec's rules make of the shop's orders that the window makes due,
    changed since the day before the period: whatever dates the entry, an order or refund
    dated in the period was saved then or later. Returns the documents and the orders that
    cannot be booked (with the reason), limited to those whose entry date is not before the period;
    `facts` gets WooCommerce's own figures of each document (runner/services/vat_audit.py).
    `progress(done, total)` is told after each order (total: what the shop's listing announced);
    `vies`: the answers the runs kept (runner/services/vat_audit.py kept_answers), never VIES itself."""
    booker = Booker(spec, vies)
    documents, failed = [], {}
    after = f"{(start - timedelta(days=1)).isoformat()}T00:00:00"
    listed = source.refund_parents(after)  # as a run finds refunds: the store-wide list, where the shop has one
    parents = listed or set()
    for done, raw in enumerate(_orders(source, window, after, parents), 1):
        _read_order(booker, source, raw, start, window, listed is not None, parents, documents, failed, facts)
        if progress:
            announced = getattr(source, "listed", None)
            progress(done, None if announced is None else max(done, announced))
    return documents, failed


def _read_order(booker, source: Source, raw: Listed, start: date, window: due.Window, store_wide: bool, parents: set[int], documents, failed, facts):
    """One order's documents (its sale, its refunds' credits) into `documents`, or why not into `failed`."""
    if window.verdict(raw) is not None:
        return
    try:
        order = due.read_order(raw, source if booker.wants_categories else None)
        planned = due.sale(booker, order)
        if window.includes(planned.document):
            documents.append(shop_doc(planned.document, order.status, planned.payment))
            note_facts(booker, facts, order, None)
    except BookingError as exc:  # the run fails it too; its entry date is a guess then
        when = raw.dated[:10]
        if not when or when >= start.isoformat():
            failed[raw.rank] = exc.message
        return
    asked = due.asks_for_refunds(order, store_wide, parents)
    refunds = sorted(source.refunds(order.id) if asked else (), key=lambda r: r.id)
    for n, refund in enumerate(refunds):
        try:
            credit = due.credit(booker, order, refund, refunds[:n])
            if window.includes(credit.document):
                documents.append(shop_doc(credit.document, order.status, credit.payment))
                note_facts(booker, facts, order, refund.read(order))
        except BookingError as exc:
            failed[order.id] = f"refund {refund.label}: {exc.message}"


def _orders(source: Source, window: due.Window, after: str, parents: set[int]) -> Iterator[Listed]:
    """The orders changed since `after`, then those whose refunds came since without them."""
    seen = set()
    for raw in source.orders(window.listed_statuses(), modified_after_gmt=after):
        seen.add(raw.rank)
        yield raw
    for parent in sorted(parents - seen):
        yield source.order(parent)


def ledger_views(steps: Iterable[Mapping[str, Any]], failures: Iterable[Mapping[str, Any]]):
    """From the ledger: who an Exact document belongs to (by entry id or journal + number)
    and what it says about a document that is missing in Exact."""
    by_id, by_number, state = {}, {}, {}
    for step in steps:
        if step.get("step") != "document":
            continue
        key = (step["order"], step.get("refund") or None)
        state[key] = step
        if step.get("state") == "done":
            by_id[step.get("ref")] = key
            if step.get("number") is not None:
                by_number[(step.get("journal"), step["number"])] = key
    failing = {f["order"]: f["message"] for f in failures}

    def identify(doc: Doc):
        return by_id.get(doc.entry_id) or by_number.get((doc.journal, doc.number))

    def note(doc: Doc) -> str:
        step = state.get(doc.key)
        if step and step.get("state") == "done":
            return f"the ledger has it booked as entry {step.get('number') or step.get('ref')}, dated outside the period or deleted in Exact"
        if step:
            return "its posting is in doubt; the next run looks it up in Exact"
        if doc.order_id in failing:
            return f"failed: {failing[doc.order_id]}"
        if doc.status == "refunded":
            return "refunded before any run booked it: the runner skips such orders, so neither sale nor refund is in Exact"
        return "not booked yet: the next `runner run SPEC` books it"

    return identify, note
