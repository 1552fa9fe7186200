"""What the Exact sink reads back in Exact: the accounts and items it keeps an index of in a
file beside the ledger (runner/adapters/exact/accounts.py; brought up to date from their sync endpoints,
only what changed since the last run), and a document, an invoice's status or a payment
found again after an answer was lost. Reads only, but for an item created when an invoice
names one Exact does not have."""

from __future__ import annotations

from runner.adapters.exact.client import ExactApi, quote
from runner.adapters.exact.master import decimal_of
from runner.adapters.exact.payloads import SALES_ENTRIES, SALES_INVOICES, fit
from runner.domain.money import text


class Lookups:
    """Mixed into ExactSink: needs `api` and `ledger`."""

    api: ExactApi
    ledger: object

    # customers: runner/adapters/exact/customers.py
    def _changed(self, endpoint: str, select: str, cursor: str):
        """The rows of a sync endpoint changed since the index's `cursor`, which moves on to the
        newest Timestamp once all are read (so a run stopped midway reads them again)."""
        index = self.index
        since = newest = index.cursor(cursor) or 1
        for row in self.api.get(endpoint, f"{select},Timestamp", f"Timestamp gt {since}"):
            newest = max(newest, int(row["Timestamp"]))
            yield row
        index.set_cursor(cursor, newest)

    # items, for sales invoices
    def refresh_items(self) -> None:
        """Brings the item index up to date with what changed in Exact, through the
        sync endpoint (its one filter is documented; which fields logistics/Items's mandatory
        filter takes is not)."""
        for row in self._changed("sync/Logistics/Items", "ID,Code", "exact_items_timestamp"):
            if (row.get("Code") or "").strip():
                self.index.remember_item(row["Code"].strip(), row["ID"])

    def _item_known(self, code: str) -> str | None:
        known = self.index.items.get(code)
        if not known:
            self.refresh_items()
            known = self.index.items.get(code)
        return known

    def known_item(self, code: str, description: str = "") -> str:
        """An item's id from the index; the code itself when Exact has none yet."""
        return self._item_known(code) or f"<new item {code}>"

    def item(self, code: str, description: str) -> str:
        """An item's id from the index, else a new item."""
        known = self._item_known(code)
        if known:
            return known
        row = self.api.post("logistics/Items", {"Code": code, "Description": fit(description or code), "IsSalesItem": True})
        self.index.remember_item(code, row["ID"])
        return row["ID"]

    def find_document(
        self, target: str, journal: str, your_ref: str, description: str, total: str, known_ids: set[str], net: str | None = None
    ) -> dict | None:
        """An entry or invoice this runner may have posted without hearing back: same
        journal, YourRef, description and total, and not one the ledger already holds. An
        open invoice whose VAT Exact summed its own way is known by its amount before VAT."""
        if target == "sales_invoice":
            key, rows = (
                "InvoiceID",
                self.api.get(SALES_INVOICES, "InvoiceID,InvoiceNumber,AmountFC,AmountFCExclVat,Status,Description", f"YourRef eq {quote(your_ref)}"),
            )
            rows = [{**row, "AmountFC": row["AmountFC"] if net is None or _amount(row, "AmountFCExclVat") != net else total} for row in rows]
        else:
            key, rows = (
                "EntryID",
                self.api.get(
                    SALES_ENTRIES, "EntryID,EntryNumber,AmountFC,Description", f"Journal eq {quote(journal)} and YourRef eq {quote(your_ref)}"
                ),
            )
        for row in rows:
            if row[key] not in known_ids and _amount(row, "AmountFC") == total and row.get("Description") == description:
                return row
        return None

    def invoice_status(self, invoice_id: str) -> dict:
        return next(self.api.get(f"{SALES_INVOICES}(guid'{invoice_id}')", "InvoiceID,InvoiceNumber,Status,AmountFC"))

    def find_payment(
        self, endpoint: str, entry_number: int, account_id: str, description: str | None = None, amount: str | None = None
    ) -> dict | None:
        """A receipt line settling the entry numbered `entry_number` on this account; where
        the intent names them (a daily summary's entries, one per payment journal, all on
        the collective account with one OurRef), also its description and amount."""
        lines = endpoint.replace("Entries", "EntryLines")
        where = f"OurRef eq {entry_number} and Account eq guid'{account_id}'"
        if description is None and amount is None:
            return self.api.first(lines, "ID,EntryID,OurRef,AmountFC", where)
        for row in self.api.get(lines, "ID,EntryID,OurRef,AmountFC,Description", where):
            if (description is None or (row.get("Description") or "") == description) and (amount is None or _amount(row, "AmountFC") == amount):
                return row
        return None


def _amount(row: dict, name: str) -> str:
    return text(decimal_of(row.get(name)))
