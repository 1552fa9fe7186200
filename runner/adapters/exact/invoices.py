"""Closing a sales invoice to WooCommerce's total, or taking it back. Exact may sum an open
invoice's VAT per line its own way (net x the code's percentage) instead of taking each line's
VATAmountFC [U]. A cent a taxed line is rounding: a rounding line closes it. More is a line
whose VAT is at no rate of its code (a plugin's discount carrying 0.31 on 1.92: 16 %), which
Exact books otherwise than the shop charged: the invoice is not printed, the pipeline deletes
it (`Withdrawn`, an intended step; Exact allows deleting an invoice not processed) and the
failure names the line and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from runner.adapters.exact.client import ExactApi
from runner.adapters.exact.master import decimal_of
from runner.adapters.exact.payloads import SALES_INVOICES, closing_payload
from runner.domain.booking import Document, Line
from runner.domain.money import CENT, ZERO, cents, text
from runner.errors import Withdrawn
from runner.pipeline.ports import Facts, Posting

HUNDRED = Decimal(100)
KINDS = {"product": "product", "shipping": "shipping", "fee": "fee", "discount": "discount", "rounding": "rounding"}


class Invoices:
    """Mixed into ExactSink: needs `api`, `invoice_status` and `_ids`."""

    api: ExactApi

    def _gap(self, document: Document, amount: str | None) -> Decimal:
        """WooCommerce's total minus the open invoice's, as Exact summed it."""
        return ZERO if amount is None else document.booked_total - decimal_of(amount)

    def _close(self, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        """What is printed, the receivable and the payment are WooCommerce's total: the cents
        per-line rounding leaves go on a rounding line of the open invoice; more is withdrawn."""
        doc, invoice = posting.document, done["document"]["ref"]
        amount = done["document"].get("amount")
        if amount is None:  # found in the books rather than posted now
            amount = text(decimal_of(self.invoice_status(invoice).get("AmountFC")))
        gap = self._gap(doc, amount)
        if not gap:
            return {}
        taxed = sum(1 for line in doc.lines if line.percent > 0)
        if abs(gap) > CENT * taxed:  # a net derived from a price with VAT may put each line's VAT a cent away
            raise mismatch(doc, amount, invoice)
        self.api.post(*closing_payload(invoice, doc.closing, gap, self._ids(posting, create_items=True, closing=True)))
        said = f"Exact summed the invoice's VAT {text(-gap)} away from WooCommerce's; a rounding line of {text(gap)} closes it"
        return {"amount": text(doc.booked_total), "warning": said}

    def withdraw(self, invoice: str) -> None:
        """Deletes an invoice not processed (Exact refuses a processed one)."""
        self.api.delete(f"{SALES_INVOICES}(guid'{invoice}')")

    def withdrawn(self, intent: Facts) -> Facts | None:
        """Whether the invoice a "withdraw" intent names is gone from Exact: {} when it is."""
        rows = self.api.get(SALES_INVOICES, "InvoiceID,Status", f"InvoiceID eq guid'{intent['withdraw']}'")
        return {} if next(rows, None) is None else None


def mismatch(doc: Document, amount: str, invoice: str) -> Withdrawn:
    """The failure of an invoice Exact sums otherwise than WooCommerce, naming the lines."""
    named = [said for line in doc.lines if (said := odd_line(line, {ln.percent for ln in doc.lines if ln.percent}))]
    head = f"order {doc.order_number}: Exact sums the open invoice to {amount}, WooCommerce to {text(doc.booked_total)}"
    if named:
        kinds = {line.kind for line in doc.lines if odd_line(line, set())}
        what = "the discount" if kinds == {"discount"} else "the line"
        return Withdrawn(
            f"{head}: " + "; ".join(named),
            f"correct {what}'s VAT in WooCommerce to the rate of what it is charged on (a plugin or a coupon set it), or book this "
            "order by hand in Exact; then `runner retry SPEC`",
            invoice,
        )
    return Withdrawn(
        f"{head}: more than rounding VAT per line explains (a cent a line), and no line's VAT is off its rate",
        "check that the VAT codes' percentages in Exact are the rates WooCommerce charged, then `runner retry SPEC`",
        invoice,
    )


def odd_line(line: Line, rates: set[Decimal]) -> str | None:
    """A line whose VAT is more than a cent off net x its code's percentage, said with the
    rate it does carry: "the discount line 'Korting' carries 0.31 VAT on 1.92: 16 %, not a
    rate the shop has; Exact books 0.40 (21 %)"."""
    exact = cents(line.net * line.percent / HUNDRED)
    if not line.net or abs(exact - line.vat) <= CENT:
        return None
    carried = abs(line.vat) / abs(line.net) * HUNDRED
    shown = f"{carried.quantize(Decimal(1))}" if abs(carried - carried.quantize(Decimal(1))) < Decimal("0.5") else f"{carried:.1f}"
    known = any(abs(carried - rate) < Decimal("0.5") for rate in rates)
    return (
        f"the {KINDS.get(line.kind, line.kind)} line '{line.description}' carries {text(abs(line.vat))} VAT on {text(abs(line.net))}: "
        f"{shown} %{'' if known else ', not a rate the shop has'}; Exact books {text(abs(exact))} ({line.percent.normalize():f} %)"
    )
