"""Sales entries (reference 5.1): the lines' net and VAT amounts, and the booking that stores an
entry and opens its receivable, shared with the printing of a sales invoice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from runner.sandbox.exact.costs import checked_costs
from runner.sandbox.exact.entities import RECEIVABLES, SALES_ENTRIES, SALES_ENTRY_LINES, BusinessError
from runner.sandbox.exact.references import (
    SALES_JOURNAL,
    account_ref,
    cents,
    check_descriptions,
    check_entry_number,
    check_period,
    condition_ref,
    journal_ref,
    revenue_gl,
    vat_code_ref,
)
from runner.sandbox.exact.seed import Administration, ExactConfig

NO_VAT_AMOUNT = "Een btw bedrag is niet toegestaan als u gebruikmaakt van een btw-code van het type 'geen btw'"


def line_amounts(vat: dict, amount: Decimal, given_vat: Decimal | None, errors: list[str]) -> tuple[Decimal, Decimal]:
    """(net, VAT) of a line: computed half-up per line unless VATAmountFC overrides it; an
    inclusive code (Type I) takes the amount as gross."""
    amount, rate = cents(amount), vat["Percentage"]
    if vat["Type"] == "N":
        if given_vat:
            errors.append(NO_VAT_AMOUNT)
        return amount, Decimal("0.00")
    if vat["Type"] == "I":
        tax = cents(given_vat) if given_vat is not None else cents(amount * rate / (1 + rate))
        return amount - tax, tax
    return amount, cents(given_vat) if given_vat is not None else cents(amount * rate)


def priced(net: Decimal, tax: Decimal, vat: dict) -> dict:
    return {"AmountFC": net, "AmountDC": net, "VATAmountFC": tax, "VATAmountDC": tax, "VATCode": vat["Code"], "VATPercentage": vat["Percentage"]}


# ---- sales entries -----------------------------------------------------------------------


def _entry_line(admin: Administration, raw: dict, errors: list[str]) -> dict:
    gl = checked_costs(admin, raw, revenue_gl(admin, raw.get("GLAccount"), errors), errors)
    vat = vat_code_ref(admin, raw.get("VATCode") or (gl or {}).get("VATCode"), raw.get("VATPercentage"), errors)
    if raw.get("AmountFC") is None:
        errors.append("Verplicht: Bedrag")
    if vat is None or gl is None or raw.get("AmountFC") is None:
        return {}
    net, tax = line_amounts(vat, raw["AmountFC"], raw.get("VATAmountFC"), errors)
    return {
        **raw,
        **priced(net, tax, vat),
        "VATBaseAmountFC": net,
        "VATCodeDescription": vat["Description"],
        "GLAccountCode": gl["Code"],
        "GLAccountDescription": gl["Description"],
    }


def book_entry(admin: Administration, header: dict, journal: dict, customer: dict, condition: dict, lines: list[dict]) -> dict:
    """Store a sales entry (from a POST or a printed invoice) and open its receivable."""
    entry_id = admin.new_id()
    for number, line in enumerate(lines, 1):
        line.update(ID=admin.new_id(), EntryID=entry_id, LineNumber=number, Division=admin.division)
        admin.pad(SALES_ENTRY_LINES, line)
    total = sum((line["AmountFC"] + line["VATAmountFC"] for line in lines), Decimal("0.00"))
    tax = sum((line["VATAmountFC"] for line in lines), Decimal("0.00"))
    due = header.get("DueDate") or header["EntryDate"] + timedelta(days=condition["PaymentDays"])
    entry = admin.insert(
        SALES_ENTRIES,
        {
            **header,
            "EntryID": entry_id,
            "Journal": journal["Code"],
            "JournalDescription": journal["Description"],
            "Customer": customer["ID"],
            "CustomerName": customer["Name"],
            "InvoiceNumber": header["EntryNumber"],
            "Currency": "EUR",
            "PaymentCondition": condition["Code"],
            "PaymentConditionDescription": condition["Description"],
            "DueDate": due,
            "AmountFC": total,
            "AmountDC": total,
            "VATAmountFC": tax,
            "VATAmountDC": tax,
            "Status": 20,
            "StatusDescription": "Open",
            "Type": 21 if total < 0 else 20,
            "TypeDescription": "Verkoopcreditnota" if total < 0 else "Verkoopfactuur",
            "SalesEntryLines": lines,
        },
    )
    receivable = admin.insert(
        RECEIVABLES,
        {
            "Account": customer["ID"],
            "AccountCode": customer["Code"],
            "AccountName": customer["Name"],
            "AmountDC": total,
            "AmountFC": total,
            "Currency": "EUR",
            "Description": entry.get("Description"),
            "DueDate": due,
            "EntryDate": entry["EntryDate"],
            "EntryNumber": entry["EntryNumber"],
            "InvoiceDate": entry["EntryDate"],
            "InvoiceNumber": entry["EntryNumber"],
            "IsFullyPaid": total == 0,
            "Journal": journal["Code"],
            "JournalDescription": journal["Description"],
            "Status": 50 if total == 0 else 20,
            "TransactionEntryID": entry_id,
            "TransactionID": lines[0]["ID"],
            "TransactionType": entry["Type"],
            "YourRef": entry.get("YourRef"),
        },
    )
    if total:
        admin.open_receivables.setdefault(entry["EntryNumber"], []).append(receivable["ID"])
    return entry


def post_sales_entry(admin: Administration, config: ExactConfig, body: dict) -> dict:
    errors: list[str] = []
    journal = journal_ref(admin, body.get("Journal"), {SALES_JOURNAL}, "Invalid: Journal (type)", errors)
    customer = account_ref(admin, body.get("Customer"), "Klant", errors, customer=True)
    entry_date = body.get("EntryDate") or admin.today()
    year = check_period(config, entry_date, errors, body.get("ReportingYear"), body.get("ReportingPeriod"))
    condition = condition_ref(admin, config, body.get("PaymentCondition"), customer, errors)
    if body.get("Currency") not in (None, "EUR"):
        errors.append("Ongeldig: Valuta")
    if not body.get("SalesEntryLines"):
        errors.append("Verplicht: Boekingsregels")
    lines = [_entry_line(admin, raw, errors) for raw in body.get("SalesEntryLines") or []]
    check_descriptions(config, body, "SalesEntryLines", errors)
    check_entry_number(admin, journal, year, body.get("EntryNumber"), errors)
    if errors or not (journal and customer and condition):
        raise BusinessError(errors)
    number = admin.claim_number(journal["Code"], year, body.get("EntryNumber"))
    header = {k: v for k, v in body.items() if k != "SalesEntryLines"}
    header.update(EntryDate=entry_date, EntryNumber=number, ReportingYear=year, ReportingPeriod=body.get("ReportingPeriod") or entry_date.month)
    return book_entry(admin, header, journal, customer, condition, lines)
