"""The sales bookings (reference 5.1, 5.2, 6): sales entries, sales invoices and their printing,
and the receivables they open, plus the reference checks the payment entries share. Every
business rule answers with Exact's Dutch text through BusinessError, all problems at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal

from runner.sandbox.exact.entities import (
    ACCOUNTS,
    GL_ACCOUNTS,
    ITEMS,
    JOURNALS,
    PAYMENT_CONDITIONS,
    RECEIVABLES,
    SALES_ENTRIES,
    SALES_ENTRY_LINES,
    SALES_INVOICE_LINES,
    SALES_INVOICES,
    VAT_CODES,
    BusinessError,
)
from runner.sandbox.exact.seed import Administration, ExactConfig

CENT = Decimal("0.01")
WIDE = Context(prec=60)  # quantity x price may outgrow the default 28 digits
REVENUE, RECEIVABLE, SALES_JOURNAL, GENERAL = 110, 20, 20, 90  # GENERAL: a balance-sheet account a sales line may take [U]
NO_VAT_AMOUNT = "Een btw bedrag is niet toegestaan als u gebruikmaakt van een btw-code van het type 'geen btw'"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=WIDE)


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_descriptions(config: ExactConfig, body: dict, lines_key: str | None, errors: list[str]) -> None:
    """A document's and its lines' Description within `description_max` [U]."""
    limit = config.description_max
    texts = [body.get("Description")] + [raw.get("Description") for raw in (body.get(lines_key) or [] if lines_key else [])]
    if limit is not None and any(isinstance(t, str) and len(t) > limit for t in texts):
        errors.append("Ongeldig: Omschrijving")


# ---- references --------------------------------------------------------------------------


def journal_ref(
    admin: Administration, code: str | None, types: set[int], wrong_type: str, errors: list[str], unknown: str = "Ongeldige referentie: Journals"
) -> dict | None:
    if blank(code):
        errors.append("Verplicht: Dagboek")
        return None
    row = admin.by_code(JOURNALS, code)  # a journal GUID is no code: unknown, as PICQER#31 saw
    if row is None or row["Type"] not in types:
        errors.append(unknown if row is None else wrong_type)
        return None
    return row


def _account(admin: Administration, key: str | None, label: str, errors: list[str], customer: bool) -> dict | None:
    if key is None:
        errors.append(f"Verplicht: {label}")
        return None
    row = admin.get(ACCOUNTS, key)
    if row is None:
        errors.append(f"Ongeldige referentie: {label}")
    elif customer and row["Status"] != "C":
        errors.append(f"Ongeldig: {label} (Type)")
    return row


def _revenue_gl(admin: Administration, key: str | None, errors: list[str]) -> dict | None:
    row = admin.get(GL_ACCOUNTS, key)
    if row is None:
        errors.append("Verplicht: Grootboekrekening" if key is None else "Ongeldige referentie: Grootboekrekening")
    elif row["Type"] not in (REVENUE, GENERAL):  # debtor, VAT, bank accounts refused [C3] PICQER#121
        errors.append("Ongeldig: Grootboekrekeningtype")
        return None
    return row


def _vat_code(admin: Administration, code: str | None, percentage: Decimal | None, errors: list[str]) -> dict | None:
    """A line's VAT code; with only a percentage, the one exclusive code of that rate (not for 0 %)."""
    if blank(code):
        found = [
            v
            for v in admin.tables[VAT_CODES.path].values()
            if percentage is not None and v["Type"] == "E" and v["Percentage"] == percentage and not v["OssCountry"]
        ]
        if len(found) != 1:
            errors.append("Ontbrekend: Btw code" if percentage is None else "Ongeldig: Btw-percentage []")
        return found[0] if len(found) == 1 else None
    row = admin.by_code(VAT_CODES, code)
    if row is None:
        errors.append("Ongeldige referentie: Btw-code")
    return row


def check_period(config: ExactConfig, day: datetime, errors: list[str], year: int | None = None, period: int | None = None) -> int:
    """The booking year; a year outside the fiscal years or a closed month is refused."""
    year, period = year or day.year, period or day.month
    first, last = config.fiscal_years or (2020, 2100)
    if not first <= year <= last:
        errors.append("Unknown: Fiscal year (Period - date table)")
    elif (year, period) in config.closed_periods:
        errors.append("Periode is afgesloten")
    return year


def _condition(admin: Administration, config: ExactConfig, code: str | None, account: dict | None, errors: list[str]) -> dict | None:
    code = code or (account or {}).get("PaymentConditionSales") or config.default_payment_condition
    row = admin.by_code(PAYMENT_CONDITIONS, code)
    if row is None:
        errors.append("Ongeldige referentie: Betalingsconditie")
    return row


def check_entry_number(admin: Administration, journal: dict | None, year: int, wanted: int | None, errors: list[str]) -> None:
    if wanted is not None and wanted <= 0:
        errors.append("Ongeldig: Boekstuknummer")
    elif journal and wanted is not None and wanted in admin.numbers.get((journal["Code"], year), ()):
        errors.append("In gebruik: Boekstuknummer")


def _amounts(vat: dict, amount: Decimal, given_vat: Decimal | None, errors: list[str]) -> tuple[Decimal, Decimal]:
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


def _priced(net: Decimal, tax: Decimal, vat: dict) -> dict:
    return {"AmountFC": net, "AmountDC": net, "VATAmountFC": tax, "VATAmountDC": tax, "VATCode": vat["Code"], "VATPercentage": vat["Percentage"]}


# ---- sales entries -----------------------------------------------------------------------


def _entry_line(admin: Administration, raw: dict, errors: list[str]) -> dict:
    gl = _revenue_gl(admin, raw.get("GLAccount"), errors)
    vat = _vat_code(admin, raw.get("VATCode") or (gl or {}).get("VATCode"), raw.get("VATPercentage"), errors)
    if raw.get("AmountFC") is None:
        errors.append("Verplicht: Bedrag")
    if vat is None or gl is None or raw.get("AmountFC") is None:
        return {}
    net, tax = _amounts(vat, raw["AmountFC"], raw.get("VATAmountFC"), errors)
    return {
        **raw,
        **_priced(net, tax, vat),
        "VATBaseAmountFC": net,
        "VATCodeDescription": vat["Description"],
        "GLAccountCode": gl["Code"],
        "GLAccountDescription": gl["Description"],
    }


def _book(admin: Administration, header: dict, journal: dict, customer: dict, condition: dict, lines: list[dict]) -> dict:
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
    customer = _account(admin, body.get("Customer"), "Klant", errors, customer=True)
    entry_date = body.get("EntryDate") or admin.today()
    year = check_period(config, entry_date, errors, body.get("ReportingYear"), body.get("ReportingPeriod"))
    condition = _condition(admin, config, body.get("PaymentCondition"), customer, errors)
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
    return _book(admin, header, journal, customer, condition, lines)


# ---- sales invoices ----------------------------------------------------------------------


def _invoice_line(admin: Administration, config: ExactConfig, raw: dict, account: dict | None, errors: list[str]) -> dict:
    item = admin.get(ITEMS, raw.get("Item"))
    if item is None:
        errors.append("Verplicht: Artikel" if raw.get("Item") is None else "Ongeldige referentie: Artikel")
        return {}
    quantity = raw.get("Quantity") if raw.get("Quantity") is not None else Decimal(1)
    if raw.get("AmountFC") is not None:
        amount = raw["AmountFC"]
    elif raw.get("NetPrice") is not None:
        amount = quantity * raw["NetPrice"]
    else:
        unit = raw.get("UnitPrice") if raw.get("UnitPrice") is not None else item["StandardSalesPrice"]
        amount = quantity * unit * (1 - (raw.get("Discount") or 0))
    gl = _revenue_gl(admin, raw.get("GLAccount") or item.get("GLRevenue"), errors)
    code = raw.get("VATCode") or item.get("SalesVatCode") or (account or {}).get("SalesVATCode")
    vat = _vat_code(admin, code, raw.get("VATPercentage"), errors)
    if vat is None or gl is None:
        return {}
    override = raw.get("VATAmountFC") if config.invoice_vat_override else None  # else Exact computes invoice VAT itself [U]
    net, tax = _amounts(vat, amount, override, errors)
    line = {
        **raw,
        **_priced(net, tax, vat),
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
    ordered_by = _account(admin, body.get("OrderedBy"), "Besteld door", errors, customer=False)
    if body.get("InvoiceTo") is not None:
        _account(admin, body["InvoiceTo"], "Factuur voor", errors, customer=False)
    code = body.get("Journal")
    if blank(code) and not config.invoice_journal_required:
        code = next(j["Code"] for j in admin.tables[JOURNALS.path].values() if j["Type"] == SALES_JOURNAL)
    journal = journal_ref(admin, code, {SALES_JOURNAL}, "Invalid: Journal (type)", errors)
    condition = _condition(admin, config, body.get("PaymentCondition"), ordered_by, errors)
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
    entry = _book(
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
