"""Documents as Exact Online REST payloads, and the checks against the administration's
master data that must pass before anything is posted. Pure functions.

Money goes out as numeric strings ("84.96"): exact, and accepted by Exact for Edm.Double
fields (reference 4.5); a float never touches an amount."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from runner.adapters.exact.costs import cost_problems
from runner.domain.booking import Document, Line, PaymentPlan
from runner.domain.identity import member_notes
from runner.domain.money import ZERO, text

SALES_ENTRIES = "salesentry/SalesEntries"
SALES_ENTRY_LINES = "salesentry/SalesEntryLines"
SALES_INVOICES = "salesinvoice/SalesInvoices"
SALES_INVOICE_LINES = "salesinvoice/SalesInvoiceLines"
PRINTED_INVOICES = "salesinvoice/PrintedSalesInvoices"
BANK_ENTRIES = "financialtransaction/BankEntries"
CASH_ENTRIES = "financialtransaction/CashEntries"
RECEIVABLES_LIST = "read/financial/ReceivablesList"  # the open items only: a matched sale is not in it
ACCOUNTS = "crm/Accounts"

# Exact's type codes (reference section 5)
REVENUE = 110  # GLAccount.Type of a revenue account
CASH, BANK, SALES, PSP = 10, 12, 20, 16  # Journal.Type
SALES_INVOICE, SALES_CREDIT_NOTE = 8020, 8021  # SalesInvoice.Type
PROCESSED = 50  # SalesInvoice.Status once printed: then it is a booking

# Exact's text lengths. Items.Description: 60 [C, reference 5.4]. A document's, a line's and a
# payment line's Description: undocumented [U]; Exact's screens hold 60, so no more is sent.
# YourRef is never cut: it is how a document is found again.
DESCRIPTION = 60


def fit(value: str, limit: int = DESCRIPTION) -> str:
    """A text cut to Exact's length, the cut shown by "…"."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def described(doc: Document) -> str:
    """The document's Description as Exact holds it: the template's text, cut so that the
    identity tag (runner/domain/identity.py) fits after it whole: the index reads it there."""
    if not doc.tag:
        return fit(doc.description)
    text = fit(doc.description, DESCRIPTION - len(doc.tag) - 1)
    return f"{text} {doc.tag}" if text else doc.tag


@dataclass(frozen=True)
class Ids:
    """What the administration calls things. Offline, codes stand in for GUIDs."""

    customer: str
    gl: Mapping[str, str] = field(default_factory=dict)  # GL code -> GUID
    items: Mapping[str, str] = field(default_factory=dict)  # item code -> GUID
    cash_journals: frozenset[str] = frozenset()
    entry_number: int | None = None  # of the document a payment settles
    receipt_sign: int = 1  # money in on a bank or cash line: +1 (Exact, as the evidence says), -1 where an administration proves otherwise

    def gl_id(self, code: str) -> str:
        return self.gl.get(code, code)


@dataclass(frozen=True)
class VatCode:
    code: str
    percent: Decimal
    type: str  # E exclusive, I inclusive, B 0% base only, N no VAT
    eu_listing: str = "N"
    charged: bool = False
    blocked: bool = False


@dataclass(frozen=True)
class MasterData:
    """The administration's codes, read once per run."""

    vat_codes: Mapping[str, VatCode]
    gl_types: Mapping[str, int]  # GL code -> Exact account type (110 revenue)
    journal_types: Mapping[str, int]  # journal code -> type (20 sales, 12 bank, 10 cash, 16 PSP)
    payment_conditions: frozenset[str] = frozenset()
    gl_costs: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # GL code -> (UseCostcenter, UseCostunit)
    cost_centers: Any = None  # the codes of hrm/Costcenters (runner/adapters/exact/costs.py Codes); None: not checked
    cost_units: Any = None


def _quantity(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else f"{value.normalize():f}"


def document_payload(doc: Document, ids: Ids) -> tuple[str, dict[str, Any]]:
    header: dict[str, Any] = {"Journal": doc.journal, "YourRef": doc.your_ref, "Description": described(doc), "Currency": doc.currency}
    if doc.payment_condition:
        header["PaymentCondition"] = doc.payment_condition
    if doc.target == "sales_invoice":
        header.update(
            {
                "OrderedBy": ids.customer,
                "InvoiceTo": ids.customer,
                "OrderDate": doc.entry_date.isoformat(),
                "Type": SALES_CREDIT_NOTE if doc.total < 0 else SALES_INVOICE,
                "SalesInvoiceLines": _noted([_invoice_line(line, ids) for line in doc.lines], doc),
            }
        )
        return SALES_INVOICES, header
    lines = _noted([_entry_line(line, ids) for line in doc.lines], doc)
    if doc.members and doc.shop:  # a daily summary names its members, for a ledger that was lost (runner/domain/identity.py)
        for line, notes in zip(lines, member_notes(doc.shop, doc.members, len(lines)), strict=True):
            if notes:
                line["Notes"] = notes
    header.update({"Customer": ids.customer, "EntryDate": doc.entry_date.isoformat(), "SalesEntryLines": lines})
    return SALES_ENTRIES, header


def _noted(lines: list[dict[str, Any]], doc: Document) -> list[dict[str, Any]]:
    """VIES's answer on the VAT number a reverse-charge sale rests on, in each line's Notes:
    kept with the booking, where the accountant looks (issue 22 #5)."""
    for line in lines if doc.evidence else ():
        line["Notes"] = "; ".join(doc.evidence)[:250]
    return lines


def _entry_line(line: Line, ids: Ids) -> dict[str, Any]:
    out = {
        "GLAccount": ids.gl_id(line.gl_account),
        "Description": fit(line.description),
        "Quantity": _quantity(line.quantity),
        "AmountFC": text(line.net),
        "VATCode": line.vat_code,
    }
    return _with_vat(out, line)


def _with_vat(out: dict[str, Any], line: Line) -> dict[str, Any]:
    """WooCommerce's VAT on every line above 0 %, "0.00" too, or Exact computes its own;
    never on a 0 % code, which refuses it. The line's cost centre and cost unit, if any."""
    if line.vat or line.percent > 0:
        out["VATAmountFC"] = text(line.vat)
    return _with_costs(out, line)


def _with_costs(out: dict[str, Any], line: Line) -> dict[str, Any]:
    out.update({k: v for k, v in (("CostCenter", line.cost_center), ("CostUnit", line.cost_unit)) if v})
    return out


def _invoice_line(line: Line, ids: Ids) -> dict[str, Any]:
    """Exact may or may not take an invoice line's VATAmountFC [U]; where it sums its own,
    the sink closes the difference before printing (ExactSink, step `close`)."""
    quantity, price, description = _priced(line)
    out = {
        "Item": ids.items.get(line.item, line.item),
        "Description": fit(description),
        "Quantity": _quantity(quantity),
        "UnitPrice": f"{price.normalize():f}",
        "AmountFC": text(line.net),
        "VATCode": line.vat_code,
        "GLAccount": ids.gl_id(line.gl_account),
    }
    return _with_vat(out, line)


def closing_payload(invoice_id: str, line: Line, gap: Decimal, ids: Ids) -> tuple[str, dict[str, Any]]:
    """A line added to an open (unprinted) invoice whose total Exact summed other than
    WooCommerce: the difference, on the rounding account and code."""
    payload = {
        "InvoiceID": invoice_id,
        "Item": ids.items.get(line.item, line.item),
        "Description": fit(line.description),
        "Quantity": 1,
        "UnitPrice": text(gap),
        "AmountFC": text(gap),
        "VATCode": line.vat_code,
        "GLAccount": ids.gl_id(line.gl_account),
    }
    return SALES_INVOICE_LINES, _with_costs(payload, line)


def _priced(line: Line) -> tuple[Decimal, Decimal, str]:
    """Quantity and unit price whose product is the line amount to the cent, as Exact may
    compute the amount from them: as many decimals as that takes (1,000,000 labels for
    12,396.69 cost 0.01239669 each); where no price fits (10.00 for 3), one unit at the line
    amount, the quantity named in the description. A line of quantity 0 (a price reduction
    refunded, nothing came back) is one unit at its amount: Exact makes an invoice line's
    amount of quantity x price, so quantity 0 would invoice 0.00 (issue 22 point 10)."""
    quantity = line.quantity
    if not quantity:
        return (Decimal(1) if line.net else ZERO), line.net, line.description
    for places in range(2, 11):
        price = (line.net / quantity).quantize(Decimal(1).scaleb(-places))
        if price * quantity == line.net:
            return quantity, price, line.description
    return Decimal(1), line.net, f"{_quantity(quantity)} x {line.description}"


def print_payload(invoice_id: str, doc: Document) -> tuple[str, dict[str, Any]]:
    """Printing makes a sales invoice a financial transaction (status 50) dated the entry date."""
    return PRINTED_INVOICES, {"InvoiceID": invoice_id, "InvoiceDate": doc.entry_date.isoformat(), "SendEmailToCustomer": False}


def payment_payload(plan: PaymentPlan, ids: Ids) -> tuple[str, dict[str, Any]]:
    """A receipt line on the customer with OurRef = the entry number, so Exact can match it [U].
    The line is the money on the bank: a receipt positive, a refund paid out negative (bank
    entries: opening balance + lines = closing balance), times `ids.receipt_sign`."""
    cash = plan.journal in ids.cash_journals
    line = {
        "Date": plan.date.isoformat(),
        "GLAccount": ids.gl_id(plan.gl_account),
        "Account": ids.customer,
        "OurRef": ids.entry_number if ids.entry_number is not None else "<entry number>",
        "AmountFC": text(plan.amount * ids.receipt_sign),
        "Description": fit(plan.description),
    }
    header = {"JournalCode": plan.journal, "Currency": plan.currency} if plan.currency else {"JournalCode": plan.journal}
    return (CASH_ENTRIES if cash else BANK_ENTRIES), {**header, ("CashEntryLines" if cash else "BankEntryLines"): [line]}


MAX_LINES = 100  # receipt lines per bank or cash entry [U: Exact documents no limit]


def batched(payments: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any], list[int]]]:
    """Receipts (each a one-line entry, as payment_payload makes them) joined into as few
    entries as Exact takes: one per endpoint, journal, currency and month of the line's date
    (an entry belongs to one period [U]), at most MAX_LINES lines. Each entry with the
    indexes of the receipts it carries."""
    groups: dict[tuple, list[int]] = {}
    for n, (endpoint, payload) in enumerate(payments):
        header = tuple(sorted((k, v) for k, v in payload.items() if not k.endswith("EntryLines")))
        line = _only_line(payload)
        groups.setdefault((endpoint, header, line["Date"][:7]), []).append(n)
    out = []
    for (endpoint, header, _), members in groups.items():
        for start in range(0, len(members), MAX_LINES):
            chunk = members[start : start + MAX_LINES]
            key = next(k for k in payments[chunk[0]][1] if k.endswith("EntryLines"))
            out.append((endpoint, {**dict(header), key: [_only_line(payments[n][1]) for n in chunk]}, chunk))
    return out


def _only_line(payload: dict[str, Any]) -> dict[str, Any]:
    return next(v for k, v in payload.items() if k.endswith("EntryLines"))[0]


def master_data_problems(doc: Document, master: MasterData, payment: PaymentPlan | None = None, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Everything Exact would refuse about this document's codes, found before posting."""
    problems = []
    if master.journal_types.get(doc.journal) != SALES:
        problems.append(f"journal '{doc.journal}' is not a sales journal in this administration")
    if doc.payment_condition and doc.payment_condition not in master.payment_conditions:
        problems.append(f"payment condition '{doc.payment_condition}' does not exist in this administration")
    for line in doc.lines:
        problems += line_problems(line, master, allowed)
    if payment and master.journal_types.get(payment.journal) not in (CASH, BANK, PSP):
        problems.append(f"payments journal '{payment.journal}' is not a bank or cash journal in this administration")
    if payment and payment.gl_account not in master.gl_types:
        problems.append(f"payments GL account '{payment.gl_account}' does not exist in this administration")
    return list(dict.fromkeys(problems))


def line_problems(line: Line, master: MasterData, allowed: frozenset[str] = frozenset()) -> list[str]:
    """`allowed`: GL accounts outside revenue that the spec books lines on on purpose (booking.balance_sheet_accounts)."""
    problems = []
    gl_type = master.gl_types.get(line.gl_account)
    if gl_type is None:
        problems.append(f"GL account '{line.gl_account}' ({line.kind} line) does not exist in this administration")
    elif gl_type != REVENUE and line.gl_account not in allowed:
        problems.append(f"GL account '{line.gl_account}' ({line.kind} line) is not a revenue account (type {gl_type})")
    problems += cost_problems(line, master.gl_costs.get(line.gl_account, (0, 0)), master.cost_centers, master.cost_units)
    code = master.vat_codes.get(line.vat_code)
    if code is None:
        return problems + [f"VAT code '{line.vat_code}' ({line.kind} line) does not exist in this administration"]
    if code.blocked:
        problems.append(f"VAT code '{line.vat_code}' is blocked in this administration")
    if code.type == "I":
        problems.append(f"VAT code '{line.vat_code}' is an inclusive code; lines are sent excluding VAT, so map to the exclusive code")
    zero_exception = line.percent == 0 and (code.charged or code.eu_listing in ("L", "S", "T") or code.type in ("B", "N"))
    if code.percent != line.percent and not zero_exception and line.kind != "rounding":
        problems.append(
            f"VAT code '{line.vat_code}' is {code.percent.normalize():f}% but the {line.kind} line '{line.description}' "
            f"is taxed at {line.percent.normalize():f}%"
        )
    return problems
