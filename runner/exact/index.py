"""What the books already hold: an index of the sales entries (or sales invoices) in a
journal, read in bulk and kept for the run, so that a document Exact holds is recorded as
booked and never posted again, whatever the ledger remembers (issue 10: Exact is the truth).

A journal is read from the earliest entry date asked about onwards, once; an earlier date
later reads only the days before what is already known. Only five fields are selected;
Exact pages this endpoint at 60 rows, so a fresh administration costs one call a run and
re-reading a year of 20,000 documents about 330 [U: a sync or bulk endpoint for sales
entries at 1,000 a page would be cheaper; none is documented]."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from runner.core.booking import Document
from runner.core.money import cents
from runner.exact.client import ExactApi, quote
from runner.exact.payloads import SALES_ENTRIES, SALES_INVOICES


@dataclass(frozen=True)
class Booked:
    """One document as the books hold it."""

    id: str
    number: int | None
    your_ref: str
    total: Decimal
    status: int | None = None  # sales invoices: 50 once printed (processed)


@dataclass
class BooksIndex:
    api: ExactApi
    invoices: bool = False  # index sales invoices instead of sales entries
    known_from: dict[str, date] = field(default_factory=dict)  # journal -> first entry date read
    by_ref: dict[tuple[str, str], list[Booked]] = field(default_factory=dict)  # (journal, YourRef) -> documents

    def find(self, document: Document, taken: set[str]) -> Booked | None:
        """The document as the books hold it: same journal and YourRef, the same total if
        there is one, not one of `taken` (ids the ledger holds for other documents). A
        credit booked before credits named their refund in YourRef is found by its order
        number and its exact total."""
        self._cover(document.journal, document.entry_date)
        total = document.booked_total
        mine = [b for b in self.by_ref.get((document.journal, document.your_ref), []) if b.id not in taken]
        same = [b for b in mine if b.total == total]
        if same or mine:
            return (same or mine)[0]
        if document.refund_id is not None:
            legacy = self.by_ref.get((document.journal, document.order_number), [])
            return next((b for b in legacy if b.id not in taken and b.total == total), None)
        return None

    def holds(self, document: Document) -> bool:
        return self.find(document, set()) is not None

    def add(self, document: Document, booked_id: str, number: int | None) -> None:
        """A document this run posted: known from now on without another read."""
        row = Booked(booked_id, number, document.your_ref, document.booked_total)
        self.by_ref.setdefault((document.journal, document.your_ref), []).append(row)

    def _cover(self, journal: str, day: date) -> None:
        known = self.known_from.get(journal)
        if known is not None and day >= known:
            return
        for row in self._read(journal, day, known):
            self.by_ref.setdefault((journal, row.your_ref), []).append(row)
        self.known_from[journal] = day

    def _read(self, journal: str, first: date, before: date | None):
        field_name = "OrderDate" if self.invoices else "EntryDate"
        where = f"Journal eq {quote(journal)} and {field_name} ge datetime'{first.isoformat()}'"
        if before is not None:
            where += f" and {field_name} lt datetime'{before.isoformat()}'"
        if self.invoices:
            rows = self.api.get(SALES_INVOICES, "InvoiceID,InvoiceNumber,YourRef,AmountFC,Status", where)
            return [Booked(r["InvoiceID"], r.get("InvoiceNumber"), _ref(r), _amount(r), r.get("Status")) for r in rows]
        rows = self.api.get(SALES_ENTRIES, "EntryID,EntryNumber,YourRef,AmountFC", where)
        return [Booked(r["EntryID"], r.get("EntryNumber"), _ref(r), _amount(r)) for r in rows]


def _ref(row: dict) -> str:
    return (row.get("YourRef") or "").strip()


def _amount(row: dict) -> Decimal:
    return cents(Decimal(str(row.get("AmountFC") or 0)))
