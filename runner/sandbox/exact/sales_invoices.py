"""Sales invoices (reference 5.2, 6): drafting an invoice and its lines, adding a line to an open
invoice, and printing it, which numbers it and books it as a sales entry."""

from __future__ import annotations

from decimal import Decimal

from runner.sandbox.exact.costs import checked_costs
from runner.sandbox.exact.entities import (
    ACCOUNTS,
    GL_ACCOUNTS,
    ITEMS,
    JOURNALS,
    PAYMENT_CONDITIONS,
    SALES_INVOICE_LINES,
    SALES_INVOICES,
    BusinessError,
)
from runner.sandbox.exact.references import (
    SALES_JOURNAL,
    account_ref,
    blank,
    check_descriptions,
    check_period,
    condition_ref,
    journal_ref,
    revenue_gl,
    vat_code_ref,
)
from runner.sandbox.exact.sales_entries import book_entry, line_amounts, priced
from runner.sandbox.exact.seed import Administration, ExactConfig


def _invoice_line(admin: Administration, config: ExactConfig, raw: dict, account: dict | None, errors: list[str]) -> dict:
    item = admin.get(ITEMS, raw.get("Item"))
    if item is None:
        errors.append("Verplicht: Artikel" if raw.get("Item") is None else "Ongeldige referentie: Artikel")
        return {}
    quantity = raw.get("Quantity") if raw.get("Quantity") is not None else Decimal(1)
    if raw.get("NetPrice") is not None:  # Exact makes the amount of quantity x price: quantity 0 is 0.00, whatever AmountFC says
        amount = quantity * raw["NetPrice"]
    elif raw.get("UnitPrice") is not None or raw.get("AmountFC") is None:
        unit = raw.get("UnitPrice") if raw.get("UnitPrice") is not None else item["StandardSalesPrice"]
        amount = quantity * unit * (1 - (raw.get("Discount") or 0))
    else:
        amount = raw["AmountFC"]
    gl = checked_costs(admin, raw, revenue_gl(admin, raw.get("GLAccount") or item.get("GLRevenue"), errors), errors)
    code = raw.get("VATCode") or item.get("SalesVatCode") or (account or {}).get("SalesVATCode")
    vat = vat_code_ref(admin, code, raw.get("VATPercentage"), errors)
    if vat is None or gl is None:
        return {}
    override = raw.get("VATAmountFC") if config.invoice_vat_override else None  # else Exact computes invoice VAT itself [U]
    net, tax = line_amounts(vat, amount, override, errors)
    line = {
        **raw,
        **priced(net, tax, vat),
        "Item": item["ID"],
        "ItemCode": item["Code"],
        "ItemDescription": item["Description"],
        "Quantity": quantity,
        "GLAccount": gl["ID"],
        "NetPrice": net / quantity if quantity else net,
        "Description": raw.get("Description") or item["Description"],
    }
    line.setdefault("UnitPrice", line["NetPrice"])
    return line


def post_sales_invoice(admin: Administration, config: ExactConfig, body: dict) -> dict:
    errors: list[str] = []
    ordered_by = account_ref(admin, body.get("OrderedBy"), "Besteld door", errors, customer=False)
    if body.get("InvoiceTo") is not None:
        account_ref(admin, body["InvoiceTo"], "Factuur voor", errors, customer=False)
    code = body.get("Journal")
    if blank(code) and not config.invoice_journal_required:
        code = next(j["Code"] for j in admin.tables[JOURNALS.path].values() if j["Type"] == SALES_JOURNAL)
    journal = journal_ref(admin, code, {SALES_JOURNAL}, "Invalid: Journal (type)", errors)
    condition = condition_ref(admin, config, body.get("PaymentCondition"), ordered_by, errors)
    if body.get("Type", 8020) not in (8020, 8021):
        errors.append("Ongeldig: Type")
    if not body.get("SalesInvoiceLines"):
        errors.append("Verplicht: Factuurregels")
    lines = [_invoice_line(admin, config, raw, ordered_by, errors) for raw in body.get("SalesInvoiceLines") or []]
    check_descriptions(config, body, "SalesInvoiceLines", errors)
    if errors or not (journal and ordered_by and condition):
        raise BusinessError(errors)
    invoice_id = admin.new_id()
    for number, line in enumerate(lines, 1):
        line.update(ID=admin.new_id(), InvoiceID=invoice_id, LineNumber=number, Division=admin.division)
        admin.pad(SALES_INVOICE_LINES, line)
    net = sum((line["AmountFC"] for line in lines), Decimal("0.00"))
    tax = sum((line["VATAmountFC"] for line in lines), Decimal("0.00"))
    invoice_to = admin.get(ACCOUNTS, body.get("InvoiceTo")) or ordered_by
    return admin.insert(
        SALES_INVOICES,
        {
            "Type": 8020,
            **body,
            "InvoiceID": invoice_id,
            "Journal": journal["Code"],
            "JournalDescription": journal["Description"],
            "OrderedByName": ordered_by["Name"],
            "InvoiceTo": invoice_to["ID"],
            "InvoiceToName": invoice_to["Name"],
            "Currency": "EUR",
            "PaymentCondition": condition["Code"],
            "PaymentConditionDescription": condition["Description"],
            "Status": 20,
            "StatusDescription": "Open",
            "InvoiceNumber": None,
            "InvoiceDate": None,
            "AmountFC": net + tax,
            "AmountFCExclVat": net,
            "AmountDC": net + tax,
            "VATAmountFC": tax,
            "VATAmountDC": tax,
            "SalesInvoiceLines": lines,
        },
    )


def post_sales_invoice_line(admin: Administration, config: ExactConfig, body: dict) -> dict:
    """A line posted on its own (reference 5.2: `InvoiceID` "only when posting a line
    separately"): only on an open invoice; the invoice's totals follow."""
    invoice = _open_invoice(admin, body)
    errors: list[str] = []
    line = _invoice_line(admin, config, body, admin.get(ACCOUNTS, invoice.get("OrderedBy")), errors)
    check_descriptions(config, body, None, errors)
    if errors:
        raise BusinessError(errors)
    lines = invoice["SalesInvoiceLines"]
    line.update(ID=admin.new_id(), InvoiceID=invoice["InvoiceID"], LineNumber=len(lines) + 1, Division=admin.division)
    admin.pad(SALES_INVOICE_LINES, line)
    lines.append(line)
    net = sum((x["AmountFC"] for x in lines), Decimal("0.00"))
    tax = sum((x["VATAmountFC"] for x in lines), Decimal("0.00"))
    totals = {"AmountFC": net + tax, "AmountFCExclVat": net, "AmountDC": net + tax, "VATAmountFC": tax, "VATAmountDC": tax}
    admin.update(SALES_INVOICES, invoice, totals)
    return line


LINES = "SalesInvoiceLines"


def _open_invoice(admin: Administration, body: dict) -> dict:
    """The invoice a request names by InvoiceID, while it is still open (not processed)."""
    invoice = admin.get(SALES_INVOICES, body.get("InvoiceID"))
    if invoice is None:
        raise BusinessError(["Verplicht: Factuur" if body.get("InvoiceID") is None else "Ongeldige referentie: Factuur"])
    if invoice["Status"] == 50:
        raise BusinessError(["Ongeldig: Status (de factuur is al verwerkt)"])
    return invoice


def delete_sales_invoice(admin: Administration, invoice: dict) -> None:
    """Deleting a draft (reference "Deleting a draft"): an invoice not processed may be
    deleted, with its lines; a processed one is refused, in Exact's words."""
    if invoice["Status"] == 50:
        raise BusinessError(["Ongeldig: Status (de factuur is al verwerkt)"])
    del admin.tables[SALES_INVOICES.path][invoice["InvoiceID"]]


def print_sales_invoice(admin: Administration, config: ExactConfig, body: dict) -> dict:
    """Processing: status 50, the invoice number, a sales entry and a receivable."""
    invoice = _open_invoice(admin, body)
    errors: list[str] = []
    invoice_date = body.get("InvoiceDate") or invoice.get("OrderDate") or admin.today()
    year = check_period(config, invoice_date, errors, body.get("ReportingYear"), body.get("ReportingPeriod"))
    if errors:
        raise BusinessError(errors)
    journal = admin.by_code(JOURNALS, invoice["Journal"])
    number = admin.claim_number(journal["Code"], year)
    copied = (
        "AmountFC",
        "AmountDC",
        "VATAmountFC",
        "VATAmountDC",
        "VATCode",
        "VATPercentage",
        "GLAccount",
        "Description",
        "Quantity",
    )
    # an invoice line has no GLAccountCode of its own (metadata); the entry line shows it
    lines = [{**{k: line[k] for k in copied}, "GLAccountCode": admin.get(GL_ACCOUNTS, line["GLAccount"])["Code"]} for line in invoice[LINES]]
    header = {
        "EntryDate": invoice_date,
        "EntryNumber": number,
        "YourRef": invoice.get("YourRef"),
        "ReportingYear": year,
        "ReportingPeriod": body.get("ReportingPeriod") or invoice_date.month,
        "DueDate": invoice.get("DueDate"),
        "Description": invoice.get("Description"),
        "OrderNumber": invoice.get("OrderNumber"),
    }
    entry = book_entry(
        admin, header, journal, admin.get(ACCOUNTS, invoice["InvoiceTo"]), admin.by_code(PAYMENT_CONDITIONS, invoice["PaymentCondition"]), lines
    )
    admin.update(
        SALES_INVOICES,
        invoice,
        {"Status": 50, "StatusDescription": "Verwerkt", "InvoiceNumber": number, "InvoiceDate": invoice_date, "DueDate": entry["DueDate"]},
    )
    mail = bool(body.get("SendEmailToCustomer"))
    return {
        **body,
        "InvoiceID": invoice["InvoiceID"],
        "Document": admin.new_id(),
        "Division": admin.division,
        "DocumentCreationSuccess": "Het document is aangemaakt.",
        "DocumentCreationError": None,
        "EmailCreationSuccess": "De e-mail is aangemaakt." if mail else None,
        "EmailCreationError": None,
    }
