"""What the Exact sink reads of the books beyond a write's own answer: whether a document is
held (found by its identity in a bulk index of the journal, runner/adapters/exact/index.py),
the summaries and shop documents a lost ledger must be rebuilt from, another shop's documents
in the same journal, and which receipts left their sale open. Mixed into ExactSink."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from runner.adapters.exact import books, master
from runner.adapters.exact.client import ExactApi, quote
from runner.adapters.exact.index import BooksIndex
from runner.adapters.exact.payloads import RECEIVABLES_LIST, SALES_ENTRIES
from runner.domain.booking import Document
from runner.domain.identity import read_members
from runner.domain.money import text
from runner.domain.vat_codes import VatCode
from runner.pipeline.ports import Facts, Posting


class BooksReading:
    """Mixed into ExactSink: needs `api`, `_indexes`, `receipt_sign`, `lookup`, `intent` and `_number`."""

    api: ExactApi
    _indexes: dict[str, BooksIndex]
    receipt_sign: int
    _vat_codes: dict[str, VatCode] | None = None

    def find(self, step: str, posting: Posting, done: Mapping[str, Facts], taken: set[str]) -> Facts | None:
        if step == "document":
            booked = self._index(posting.document.target).find(posting.document, taken)
            return None if booked is None else {"ref": booked.id, "number": booked.number, "amount": text(booked.total)}
        return self.lookup(step, self.intent(step, posting, done), taken)

    def holds(self, document: Document) -> bool | None:
        return self._index(document.target).holds(document)

    def held_summaries(self, document: Document) -> list[Facts] | None:
        """The summaries the books hold of a daily summary's shop, day, journal and kind (the
        first and its corrections), found by their identity tag; None where it cannot be known."""
        return [
            {"ref": b.id, "number": b.number, "amount": text(b.total), "identity": b.tagged.identity if b.tagged else ""}
            for b in self._index(document.target).summaries(document)
        ]

    def summary_members(self, ref: str, shop: str) -> tuple[set[tuple[int, int | None]], bool] | None:
        """Which orders a summary in the books holds, as its lines' Notes name them (one call,
        made only for a summary a lost ledger does not know); None when they do not say."""
        notes = []
        for entry in self.api.get(SALES_ENTRIES, "EntryID,SalesEntryLines", f"EntryID eq guid'{ref}'", expand="SalesEntryLines"):
            lines = entry.get("SalesEntryLines") or {}
            rows = lines.get("results", []) if isinstance(lines, dict) else lines
            notes += [r.get("Notes") or "" for r in sorted(rows, key=lambda r: r.get("LineNumber") or 0)]
        return read_members(notes, shop)

    def shop_documents(self, target: str, journal: str, shop: str, since) -> list[str] | None:
        """What the books hold of this shop in a journal from `since` on (identities), for a new ledger's probe."""
        return [b.tagged.identity for b in self._index(target).ours(journal, shop, since) if b.tagged]

    def other_shops(self, target: str, journal: str, shop: str, since) -> list[str]:
        """The documents in a journal whose identity tag names another shop (validate --online)."""
        return [f"{b.named()} ({b.your_ref}, shop {b.tagged.shop})" for b in self._index(target).others(journal, shop, since) if b.tagged]

    def _index(self, target: str) -> BooksIndex:
        if target not in self._indexes:
            self._indexes[target] = BooksIndex(self.api, invoices=target == "sales_invoice")
        return self._indexes[target]

    def unmatched(self, paid: Sequence[tuple[str, Posting, Mapping[str, Facts]]]) -> list[str]:
        """Receipts this run posted whose sale Exact still lists as open: read once from the
        open items of the sales journals paid (one call a page), so a receipt Exact did not
        take as settling its sale (the other sign, another amount) is named, never passed."""
        journals = sorted({posting.document.journal for _, posting, _ in paid})
        where = " or ".join(f"JournalCode eq {quote(journal)}" for journal in journals)
        open_items = {
            (str(row.get("AccountId") or ""), number)
            for row in self.api.get(RECEIVABLES_LIST, "HID,AccountId,EntryNumber,InvoiceNumber,JournalCode", where)
            for number in (row.get("EntryNumber"), row.get("InvoiceNumber"))
            if number is not None
        }
        sign = "positive" if self.receipt_sign > 0 else "negative"
        return [
            f"{label} receipt (Exact left the sale open: check payments.receipt_sign, now {sign})"
            for label, posting, done in paid
            if (posting.account, self._number(done)) in open_items
        ]

    # the report's reading of the books ("books")
    def vat_codes(self) -> dict[str, VatCode]:
        """The administration's VAT codes, read once a sink (runner/adapters/exact/master.py)."""
        if self._vat_codes is None:
            self._vat_codes = master.vat_codes(self.api)
        return self._vat_codes

    def books_reader(self):
        """`read_books` for runner/services/vat_report.py: a period's documents of some journals."""
        return books.reader(self.api)

    def payments_reader(self):
        """`read_payments` for runner/services/vat_report.py: a period's receipts on some accounts, signed as sent."""
        return books.payments_reader(self.api, self.receipt_sign)
