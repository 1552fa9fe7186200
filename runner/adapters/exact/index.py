"""What the books already hold: an index of the sales entries (or sales invoices) in a
journal, read in bulk and kept for the run, so that a document Exact holds is recorded as
booked and never posted again, whatever the ledger remembers (issue 10: Exact is the truth).
A document is known by the identity tag its Description ends with (runner/domain/identity.py,
issue 21), not by YourRef alone: two shops' `#1001`, or a re-used number, are two documents.

A journal is read from the earliest entry date asked about onwards, once; an earlier date
later reads only the days before what is already known. Only six fields are selected (the Description costs no call);
Exact pages this endpoint at 60 rows, so a fresh administration costs one call a run and
re-reading a year of 20,000 documents about 330 [U: a sync or bulk endpoint for sales
entries at 1,000 a page would be cheaper; none is documented]."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from runner.adapters.exact.client import ExactApi, quote
from runner.adapters.exact.payloads import SALES_ENTRIES, SALES_INVOICES
from runner.domain.booking import Document
from runner.domain.identity import Tagged, read_tag
from runner.domain.money import cents, text
from runner.errors import BookingError


@dataclass(frozen=True)
class Booked:
    """One document as the books hold it."""

    id: str
    number: int | None
    your_ref: str
    total: Decimal
    status: int | None = None  # sales invoices: 50 once printed (processed)
    description: str = ""

    @property
    def tagged(self) -> Tagged | None:
        return read_tag(self.description)

    def named(self) -> str:
        return f"entry {self.number}" if self.number is not None else f"document {self.id}"


@dataclass
class BooksIndex:
    api: ExactApi
    invoices: bool = False  # index sales invoices instead of sales entries
    known_from: dict[str, date] = field(default_factory=dict)  # journal -> first entry date read
    by_ref: dict[tuple[str, str], list[Booked]] = field(default_factory=dict)  # (journal, YourRef) -> documents
    by_tag: dict[tuple[str, str, str], list[Booked]] = field(default_factory=dict)  # (journal, shop, identity) -> documents

    def find(self, document: Document, taken: set[str]) -> Booked | None:
        """The document as the books hold it, not one of `taken` (ids the ledger holds for
        other documents): the one whose tag names its identity (shop, order id, refund id;
        a summary's shop, day, kind and number), whatever date it was booked on (read from
        the order's creation). A document without a tag (an older version booked it) is
        this one when journal, YourRef and total agree; a credit booked before credits named
        their refund in YourRef by its order number and total. A document with this YourRef
        but another identity is another document: not this one. One without a tag whose
        total differs cannot be told apart: the order stops, naming both (Collision)."""
        self._cover(document.journal, document.created or document.entry_date)
        total = document.booked_total
        if document.tag:
            mine = [b for b in self.by_tag.get((document.journal, document.shop, document.identity), []) if b.id not in taken]
            if mine:
                return next((b for b in mine if b.total == total), mine[0])
        untagged = [b for b in self.by_ref.get((document.journal, document.your_ref), []) if b.id not in taken and b.tagged is None]
        same = [b for b in untagged if b.total == total]
        if same:
            return same[0]
        if document.refund_id is not None:
            legacy = self.by_ref.get((document.journal, document.order_number), [])
            found = next((b for b in legacy if b.id not in taken and b.tagged is None and b.total == total), None)
            if found is not None:
                return found
        if untagged:
            raise Collision(document, untagged[0])
        return None

    def holds(self, document: Document) -> bool:
        try:
            return self.find(document, set()) is not None
        except Collision:
            return False

    def summaries(self, document: Document) -> list[Booked]:
        """Every summary of the shop's day, journal and kind that `document` (a summary) is
        one of: the first and its corrections, in their order."""
        self._cover(document.journal, document.entry_date)
        day, kind = document.summary[:8], document.summary[8]
        found = [
            (int(ident[9:]), b)
            for (journal, shop, ident), rows in self.by_tag.items()
            if journal == document.journal and shop == document.shop and ident[:9] == day + kind and ident[9:].isdigit()
            for b in rows
        ]
        return [b for _, b in sorted(found, key=lambda pair: pair[0])]

    def others(self, journal: str, shop: str, since: date) -> list[Booked]:
        """Documents in the journal whose tag names another shop (validate --online warns)."""
        self._cover(journal, since)
        return [b for (j, s, _), rows in self.by_tag.items() if j == journal and s != shop for b in rows]

    def ours(self, journal: str, shop: str, since: date) -> list[Booked]:
        """This shop's documents in the journal, dated `since` or later (a new ledger's probe)."""
        self._cover(journal, since)
        return [b for (j, s, _), rows in self.by_tag.items() if j == journal and s == shop for b in rows]

    def add(self, document: Document, booked_id: str, number: int | None, description: str = "") -> None:
        """A document this run posted: known from now on without another read."""
        self._keep(document.journal, Booked(booked_id, number, document.your_ref, document.booked_total, description=description))

    def _keep(self, journal: str, row: Booked) -> None:
        self.by_ref.setdefault((journal, row.your_ref), []).append(row)
        if tagged := row.tagged:
            self.by_tag.setdefault((journal, tagged.shop, tagged.identity), []).append(row)

    def _cover(self, journal: str, day: date) -> None:
        known = self.known_from.get(journal)
        if known is not None and day >= known:
            return
        for row in self._read(journal, day, known):
            self._keep(journal, row)
        self.known_from[journal] = day

    def _read(self, journal: str, first: date, before: date | None):
        field_name = "OrderDate" if self.invoices else "EntryDate"
        where = f"Journal eq {quote(journal)} and {field_name} ge datetime'{first.isoformat()}'"
        if before is not None:
            where += f" and {field_name} lt datetime'{before.isoformat()}'"
        if self.invoices:
            rows = self.api.get(SALES_INVOICES, "InvoiceID,InvoiceNumber,YourRef,AmountFC,Status,Description", where)
            return [Booked(r["InvoiceID"], r.get("InvoiceNumber"), _ref(r), _amount(r), r.get("Status"), _text(r)) for r in rows]
        rows = self.api.get(SALES_ENTRIES, "EntryID,EntryNumber,YourRef,AmountFC,Description", where)
        return [Booked(r["EntryID"], r.get("EntryNumber"), _ref(r), _amount(r), description=_text(r)) for r in rows]


class Collision(BookingError):
    """The books hold a document with this one's YourRef that no tag tells apart from it
    (booked by an older version) and whose total differs: it may be this order edited since,
    or another shop's or a re-used number. Neither is assumed; the order stops, naming both."""

    def __init__(self, document: Document, other: Booked) -> None:
        what = f"order {document.order_number}" + (f" refund {document.refund_id}" if document.refund_id is not None else "")
        super().__init__(
            f"{what} (id {document.identity}, {text(document.booked_total)}): Exact's journal {document.journal} holds {other.named()} "
            f"with the same YourRef '{other.your_ref}' for {text(other.total)}, without the identity tag this version writes, "
            "so whether it is this order cannot be told; nothing was posted",
            f"look at {other.named()} in Exact: if it is this order (edited since it was booked), correct its total there to "
            f"{text(document.booked_total)} (then it is recorded as this order's); if it is "
            "another shop's or an earlier order with a re-used number, give booking.your_ref a prefix of its own "
            '(e.g. "B-{{ order.number }}"), then `runner retry SPEC`',
        )


def _text(row: dict) -> str:
    return (row.get("Description") or "").strip()


def _ref(row: dict) -> str:
    return (row.get("YourRef") or "").strip()


def _amount(row: dict) -> Decimal:
    return cents(Decimal(str(row.get("AmountFC") or 0)))
