"""`financialtransaction/TransactionLines`: the books' lines behind the entries the sandbox holds,
built from them on each request, so they can never disagree with the entries. Exact writes the
debtor and VAT lines of a sales entry itself (reference 6.3, [C3] WOO-TD: a VAT summary line
numbered 9999); the rest is our reading [I]:

- amounts are debit-positive, credit-negative, and every entry's lines sum to zero: a sales
  entry credits revenue (one line per entry line, its ID the entry line's) and VAT (one line
  per VAT code on the code's GL to pay, LineNumber 9999) and debits the debtors' GL (Type 20)
  for the customer's total (LineNumber 0), every line naming the customer; a credit note
  turns every sign;
- a bank or cash entry keeps its lines as posted (a receipt credits the debtor) and debits the
  journal's own GL with the opposite of their sum (LineNumber 0);
- Type is the entry's (20 sales entry, 21 sales credit note) or 40 (cash flow) for money
  entries; Status is the entry's. Lines Exact makes itself get ids derived from the entry's, so
  a key read and `$skiptoken` paging stay stable across requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

from runner.sandbox.exact.entities import ACCOUNTS, BANK_ENTRIES, CASH_ENTRIES, GL_ACCOUNTS, JOURNALS, SALES_ENTRIES, VAT_CODES
from runner.sandbox.exact.references import RECEIVABLE
from runner.sandbox.exact.seed import Administration

CASH_FLOW = 40
VAT_LINE, HEADER_LINE = 9999, 0


def transaction_lines(admin: Administration) -> list[dict]:
    return [*_sales_lines(admin), *_money_lines(admin)]


def _derived_id(entry_id: str, role: str) -> str:
    return str(uuid.uuid5(uuid.UUID(entry_id), role))


def _gl(admin: Administration, gl_id: str | None) -> dict:
    row = admin.get(GL_ACCOUNTS, gl_id) or {}
    return {"GLAccount": row.get("ID"), "GLAccountCode": row.get("Code"), "GLAccountDescription": row.get("Description")}


def _account(admin: Administration, account_id: str | None) -> dict:
    row = admin.get(ACCOUNTS, account_id) or {}
    return {"Account": row.get("ID"), "AccountCode": row.get("Code"), "AccountName": row.get("Name")}


def _money(amount: Decimal) -> dict:
    return {"AmountDC": amount, "AmountFC": amount}


def _sales_lines(admin: Administration) -> Iterator[dict]:
    debtors = next((g["ID"] for g in admin.tables[GL_ACCOUNTS.path].values() if g["Type"] == RECEIVABLE), None)
    for entry in admin.tables[SALES_ENTRIES.path].values():
        common = {
            "Division": admin.division,
            "EntryID": entry["EntryID"],
            "EntryNumber": entry["EntryNumber"],
            "InvoiceNumber": entry["InvoiceNumber"],
            "Date": entry["EntryDate"],
            "DueDate": entry["DueDate"],
            "FinancialYear": entry["ReportingYear"],
            "FinancialPeriod": entry["ReportingPeriod"],
            "JournalCode": entry["Journal"],
            "JournalDescription": entry["JournalDescription"],
            "Type": entry["Type"],
            "Status": entry["Status"],
            "Currency": entry["Currency"],
            "YourRef": entry.get("YourRef"),
            "Created": entry["Created"],
            "Modified": entry["Modified"],
            **_account(admin, entry["Customer"]),
        }
        vat: dict[str, list[Decimal]] = {}
        for line in entry["SalesEntryLines"]:
            yield {
                **common,
                **_gl(admin, line["GLAccount"]),
                **_money(-line["AmountFC"]),
                "ID": line["ID"],
                "LineNumber": line["LineNumber"],
                "Description": line.get("Description") or entry.get("Description"),
                "AmountVATBaseFC": -line["AmountFC"],
                "AmountVATFC": -line["VATAmountFC"],
                "VATCode": line["VATCode"],
                "VATCodeDescription": line.get("VATCodeDescription"),
                "VATPercentage": line["VATPercentage"],
                "Quantity": line.get("Quantity"),
            }
            sums = vat.setdefault(line["VATCode"], [Decimal("0.00"), Decimal("0.00")])
            sums[0] += line["AmountFC"]
            sums[1] += line["VATAmountFC"]
        for code, (base, tax) in vat.items():
            if tax:
                row = admin.by_code(VAT_CODES, code)
                yield {
                    **common,
                    **_gl(admin, row.get("GLToPay")),
                    **_money(-tax),
                    "ID": _derived_id(entry["EntryID"], f"vat {code.strip()}"),
                    "LineNumber": VAT_LINE,
                    "Description": row["Description"],
                    "AmountVATBaseFC": -base,
                    "AmountVATFC": -tax,
                    "VATCode": row["Code"],
                    "VATCodeDescription": row["Description"],
                    "VATPercentage": row["Percentage"],
                }
        yield {
            **common,
            **_gl(admin, debtors),
            **_money(entry["AmountFC"]),
            "ID": _derived_id(entry["EntryID"], "debtor"),
            "LineNumber": HEADER_LINE,
            "Description": entry.get("Description"),
        }


def _money_lines(admin: Administration) -> Iterator[dict]:
    for es in (BANK_ENTRIES, CASH_ENTRIES):
        nav = next(iter(es.children))
        for entry in admin.tables[es.path].values():
            journal = admin.by_code(JOURNALS, entry["JournalCode"]) or {}
            common = {
                "Division": admin.division,
                "EntryID": entry["EntryID"],
                "EntryNumber": entry["EntryNumber"],
                "FinancialYear": entry["FinancialYear"],
                "JournalCode": entry["JournalCode"],
                "JournalDescription": entry["JournalDescription"],
                "Type": CASH_FLOW,
                "Status": entry["Status"],
                "Currency": entry["Currency"],
                "Created": entry["Created"],
                "Modified": entry["Modified"],
            }
            total = Decimal("0.00")
            for line in entry[nav]:
                total += line["AmountFC"]
                yield {
                    **common,
                    **_gl(admin, line["GLAccount"]),
                    **_account(admin, line.get("Account")),
                    **_money(line["AmountFC"]),
                    "ID": line["ID"],
                    "LineNumber": line["LineNumber"],
                    "Date": line["Date"],
                    "FinancialPeriod": entry.get("FinancialPeriod") or line["Date"].month,
                    "Description": line.get("Description"),
                    "Notes": line.get("Notes"),
                }
            dates = [line["Date"] for line in entry[nav]]
            yield {
                **common,
                **_gl(admin, journal.get("GLAccount")),
                **_money(-total),
                "ID": _derived_id(entry["EntryID"], "journal"),
                "LineNumber": HEADER_LINE,
                "Date": max(dates) if dates else None,
                "FinancialPeriod": entry.get("FinancialPeriod") or (max(dates).month if dates else None),
                "Description": journal.get("Description"),
            }
