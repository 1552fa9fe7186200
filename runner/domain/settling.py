"""A settlement becomes one bank entry in the provider's journal, dated on the payout
(issue 24, docs/settlements.md). Pure: the settlement, what the books know of the orders it
pays (`Link`s, found by the caller from the order's transaction_id and the provider's
metadata, never by amount alone) and the provider's accounts go in, the entry's lines come out.

Money on the provider's balance is positive in, negative out, as Exact wants a bank line
(`sign` turns it round for an administration shown to want the other sign):

    payment, its receipt not yet booked  +  debtors, on the customer, OurRef = the sale
    payment, receipt booked by the run      no line: it is in the journal already
    refund                               -  debtors, on the customer, OurRef = its credit
                                            (no credit booked: on the customer, named)
    chargeback (reversal)                -  (+) debtors, on the customer, OurRef = the sale:
                                            the sale is open again, to be chased
    anything without an order            ±  the differences account (chargebacks: the
                                            chargeback account), named
    fees, one line per kind              -  the fee account, VAT code per kind (chargeback
                                            and dispute fees: the chargeback account)
    the payout                           -  the clearing account (kruisposten)

so that opening balance + lines = closing balance, and the journal moves as the provider's
balance does, less what it held already (the receipts booked per order)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from runner.domain.money import ZERO, text
from runner.domain.settlement import CHARGEBACK, NAMES, PAYMENT, REFUND, REVERSAL, Movement, Settlement

LINE_KINDS = ("receipt", "refund", "chargeback", "difference", "fee", "payout")
CHARGEBACK_FEES = ("chargeback", "dispute")  # a fee kind naming one of these goes to the chargeback account


@dataclass(frozen=True)
class Link:
    """What the books know of the order (or refund) a movement belongs to."""

    order_id: int
    number: str
    account: str = ""  # the customer's account in the books; "" when the order is not booked yet
    our_ref: int | None = None  # the sale's entry number (a refund: its credit's), for matching
    booked: bool = False  # its receipt (a refund: its payment back) is in the journal already
    refund_id: int | None = None  # the WooCommerce refund a provider refund is


@dataclass(frozen=True)
class Accounts:
    """The provider's accounts from the spec (`settlements.<provider>`) and the debtors account."""

    journal: str
    debtors: str
    clearing: str
    fees: str
    differences: str
    chargebacks: str = ""
    fee_vat_code: Callable[[str], str] = lambda kind: ""  # the spec's template, by fee kind


@dataclass(frozen=True)
class EntryLine:
    kind: str  # one of LINE_KINDS
    gl_account: str
    amount: Decimal  # signed, as Exact takes AmountFC
    description: str
    account: str = ""
    our_ref: int | None = None
    vat_code: str = ""
    order_id: int | None = None
    refund_id: int | None = None
    ref: str = ""  # the provider's id of the movement


@dataclass(frozen=True)
class SettlementEntry:
    """The bank entry of one settlement, before its opening balance is known."""

    provider: str
    settlement_id: str
    tag: str
    journal: str
    day: date
    currency: str
    lines: tuple[EntryLine, ...]
    named: tuple[str, ...] = ()  # what the consultant must look at (differences, refunds without a credit)

    @property
    def total(self):
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def receipts(self) -> tuple[tuple[int, int | None, str], ...]:
        """The (order, refund, provider id) whose receipt or payment back this entry books
        (on the customer, or on the differences account for an order not booked yet)."""
        return tuple(
            (line.order_id, line.refund_id, line.ref) for line in self.lines if line.kind in ("receipt", "refund", "difference") and line.order_id
        )


def entry(settlement: Settlement, links: Mapping[str, Link], accounts: Accounts, sign: int = 1, more: tuple[EntryLine, ...] = ()) -> SettlementEntry:
    """The settlement's bank entry; `links` by the movement's provider id; `more`: lines of
    the provider's own besides (estimated fees given back, runner/domain/fee_estimates.py)."""
    settlement.check()
    name = NAMES.get(settlement.provider, settlement.provider)
    lines: list[EntryLine] = []
    named: list[str] = []
    for movement in settlement.movements:
        if not movement.amount:  # a fee on a row of its own: its fee line says it
            continue
        line = _line(movement, links.get(movement.ref), accounts, name, named)
        if line is not None:
            lines.append(line)
    for kind, fee in settlement.fee_kinds().items():
        to = accounts.chargebacks or accounts.differences if any(word in kind.lower() for word in CHARGEBACK_FEES) else accounts.fees
        vat = accounts.fee_vat_code(kind) if to == accounts.fees else ""
        lines.append(EntryLine("fee", to, -fee, f"{name} {kind} {settlement.reference or settlement.id}"[:60], vat_code=vat))
    payout = f"{name} payout {settlement.reference or settlement.id}"
    lines.append(EntryLine("payout", accounts.clearing, -settlement.payout, f"{payout[: 59 - len(settlement.tag)]} {settlement.tag}"))
    if sign != 1:
        lines = [EntryLine(**{**line.__dict__, "amount": line.amount * sign}) for line in lines]
    lines[-1:-1] = more  # signed already; the payout line, with the tag, stays last
    return SettlementEntry(
        settlement.provider, settlement.id, settlement.tag, accounts.journal, settlement.paid_out, settlement.currency, tuple(lines), tuple(named)
    )


def _line(movement: Movement, link: Link | None, accounts: Accounts, name: str, named: list[str]) -> EntryLine | None:
    what = {PAYMENT: "payment", REFUND: "refund", CHARGEBACK: "chargeback", REVERSAL: "chargeback reversal"}.get(movement.kind, movement.kind)
    if link is None or not link.account or movement.kind not in (PAYMENT, REFUND, CHARGEBACK, REVERSAL):
        # an adjustment (a PayPal hold, a correction) is the provider's, not the customer's, whatever order it names
        why = "without an order" if link is None else f"of order {link.number}, not booked in Exact yet" if not link.account else "(an adjustment)"
        to = accounts.chargebacks or accounts.differences if movement.kind in (CHARGEBACK, REVERSAL) else accounts.differences
        named.append(f"{name} {what} {movement.ref} ({text(movement.amount)}) {why}: booked on {to}")
        # an order not booked yet: its payment is here, so its own receipt must never follow it into the journal
        order = link.order_id if link is not None and movement.kind == PAYMENT else None
        return EntryLine("difference", to, movement.amount, f"{name} {what} {movement.ref} {why}"[:60], order_id=order, ref=movement.ref)
    if link.booked:  # its receipt (or payment back) is in the journal already: never twice
        return None
    said = f"{name} {what} order {link.number} {movement.ref}"[:60]
    if movement.kind == PAYMENT:
        kind = "receipt"
    elif movement.kind == REFUND:
        kind = "refund"
        if link.our_ref is None:
            named.append(f"{name} refund {movement.ref} of order {link.number} ({text(movement.amount)}) has no credit in Exact: on the customer")
    else:
        kind = "chargeback"
        if movement.kind == CHARGEBACK:
            named.append(f"{name} chargeback {movement.ref} of order {link.number} ({text(movement.amount)}): the sale is open again")
    return EntryLine(
        kind, accounts.debtors, movement.amount, said, link.account, link.our_ref, order_id=link.order_id, refund_id=link.refund_id, ref=movement.ref
    )
