"""The sales journal as `runner report` reads it from Exact: sales entries of a period with
their lines (one call a page, never one per entry), and the invoices Exact has not
processed yet. Read-only; the comparison itself is runner/services/vat_report.py's."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from runner.adapters.exact.client import ExactApi, quote
from runner.adapters.exact.payloads import BANK_ENTRIES, CASH_ENTRIES, PROCESSED, SALES_ENTRIES, SALES_INVOICES
from runner.domain.money import cents
from runner.domain.report import NONE, Code, Doc, Pair

BANK_ENTRY_LINES, CASH_ENTRY_LINES = BANK_ENTRIES.replace("Entries", "EntryLines"), CASH_ENTRIES.replace("Entries", "EntryLines")
WCF_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reader(api: ExactApi):
    """`read_books` for runner.services.vat_report.reconcile, on one administration."""
    return lambda journals, start, end, invoices: read_exact(api, journals, start, end, invoices)


def payments_reader(api: ExactApi, sign: int = 1):
    """`read_payments` for runner.services.vat_report.reconcile: the bank and cash lines on the
    (collective) accounts dated in the period, one call a page per endpoint and account;
    `AmountFC` as money in (times payments.receipt_sign, as they were sent)."""

    def read(accounts: Iterable[str], start: date, end: date) -> list[dict]:
        dates = f"Date ge datetime'{start.isoformat()}' and Date lt datetime'{(end + timedelta(days=1)).isoformat()}'"
        return [
            {**row, "Account": account, "AmountFC": Decimal(str(row.get("AmountFC") or 0)) * sign}
            for endpoint in (BANK_ENTRY_LINES, CASH_ENTRY_LINES)
            for account in accounts
            for row in api.get(endpoint, "EntryID,OurRef,AmountFC,Description", f"Account eq guid'{account}' and {dates}")
        ]

    return read


def read_exact(api, journals: Iterable[str], start: date, end: date, invoices: bool = False) -> tuple[list[Doc], list[Doc]]:
    """The sales entries of the journals dated in the period, lines expanded (one call a
    page, never one per entry), and, for invoice bookings, the invoices of the period that
    Exact has not processed yet (those are not in the VAT return at all). A processed
    invoice is a sales entry in its journal, with the invoice number as entry number [U]."""
    codes = sorted(set(journals))
    if not codes:  # nothing booked and nothing to book: no journal to read
        return [], []
    which = " or ".join(f"Journal eq {quote(code)}" for code in codes)
    dates = "{field} ge datetime'" + start.isoformat() + "' and {field} lt datetime'" + (end + timedelta(days=1)).isoformat() + "'"
    entries = api.get(
        SALES_ENTRIES,
        "EntryID,EntryNumber,EntryDate,Journal,YourRef,Description,SalesEntryLines",
        f"({which}) and {dates.format(field='EntryDate')}",
        expand="SalesEntryLines",
    )
    drafts = (
        api.get(
            SALES_INVOICES,
            "InvoiceID,YourRef,Description,OrderDate,Status",
            f"({which}) and Status lt {PROCESSED} and {dates.format(field='OrderDate')}",
        )
        if invoices
        else ()
    )
    return [exact_doc(row) for row in entries], [exact_doc({**row, "EntryDate": row.get("OrderDate")}) for row in drafts]


def exact_doc(row: Mapping[str, Any]) -> Doc:
    """A SalesEntry as Exact answers it, with its SalesEntryLines expanded. CHAR codes come
    padded ("2  "); amounts are numbers, turned into cents."""
    lines = row.get("SalesEntryLines") or {}
    amounts: dict[Code, Pair] = {}
    for line in lines.get("results", []) if isinstance(lines, dict) else lines:
        code = ((line.get("VATCode") or "").strip(), (line.get("GLAccountCode") or "").strip())
        net, vat = amounts.get(code, NONE)
        amounts[code] = (net + cents(Decimal(str(line.get("AmountFC") or 0))), vat + cents(Decimal(str(line.get("VATAmountFC") or 0))))
    return Doc(
        odata_date(row.get("EntryDate")),
        (row.get("YourRef") or "").strip(),
        (row.get("Description") or "").strip(),
        amounts,
        number=row.get("EntryNumber"),
        entry_id=row.get("EntryID") or "",
        journal=(row.get("Journal") or "").strip(),
    )


def odata_date(value: Any) -> date:
    """`/Date(ms)/` (Exact's dates are midnight, written as UTC) or ISO text, as a date."""
    text = str(value or "")
    wcf = WCF_DATE.fullmatch(text)
    if wcf:
        return (EPOCH + timedelta(milliseconds=int(wcf[1]))).date()
    return date.fromisoformat(text[:10])
