"""A payment provider's payout as the runner books it (issue 24): neutral of Mollie, Stripe
or PayPal, whose adapters (runner/adapters/psp/) make one from their own shapes. Pure, money
as Decimal, signed as the provider's balance moves: a payment in is positive, a refund or a
chargeback out negative, a fee a positive cost that the balance loses.

A settlement adds up: the movements it holds, less its fees, are its payout, to the cent
(`check`). Its identity in Exact is the provider and the payout id, as a tag at the end of the
payout line's description (`[mollie:stl_k2Jx8PqR4d]`), read back in bulk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from runner.domain.money import ZERO, text
from runner.errors import BookingError

PAYMENT, REFUND, CHARGEBACK, REVERSAL, ADJUSTMENT = "payment", "refund", "chargeback", "chargeback reversal", "adjustment"
KINDS = (PAYMENT, REFUND, CHARGEBACK, REVERSAL, ADJUSTMENT)
NAMES = {"mollie": "Mollie", "stripe": "Stripe", "paypal": "PayPal"}  # as people write them
TAG = re.compile(r"\[(?P<provider>mollie|stripe|paypal):(?P<id>[^\]\s]+)\]")


@dataclass(frozen=True)
class Movement:
    """One line of the provider's statement that a payout holds."""

    kind: str  # one of KINDS
    ref: str  # the provider's id of it (tr_, ch_, re_, chb_, a PayPal transaction id)
    amount: Decimal  # signed on the provider's balance
    day: date
    payment: str = ""  # the payment it belongs to (a payment: its own id; a refund or chargeback: the paid one)
    order: str = ""  # the WooCommerce order id or number the provider's metadata names ("" when none)
    links: tuple[str, ...] = ()  # other ids that may be an order's transaction_id (pi_, ord_, a capture id)
    fee: Decimal = ZERO  # what the provider kept of it (a positive cost; a fee returned: negative)
    fee_kind: str = ""  # how the provider names that fee (e.g. "stripe_fee", "Dispute fee")
    description: str = ""


@dataclass(frozen=True)
class Settlement:
    provider: str  # mollie | stripe | paypal
    id: str  # stl_..., po_..., the PayPal withdrawal's transaction id
    reference: str  # what the bank statement shows (Mollie's 1234567.2611.02)
    paid_out: date
    payout: Decimal  # what left the provider for the bank (positive)
    currency: str
    movements: tuple[Movement, ...]
    fees: tuple[tuple[str, Decimal], ...] = ()  # fees beyond the movements' own, by kind (Mollie: revenue less payout)
    opening: Decimal | None = None  # the provider's balance before the movements, where it says
    closing: Decimal | None = None  # and after the payout

    @property
    def tag(self) -> str:
        return f"[{self.provider}:{self.id}]"

    def fee_kinds(self) -> dict[str, Decimal]:
        """The fees, per kind, in the order first met (a returned fee lowers its kind)."""
        out: dict[str, Decimal] = {}
        for movement in self.movements:
            if movement.fee:
                kind = movement.fee_kind or "fees"
                out[kind] = out.get(kind, ZERO) + movement.fee
        for kind, fee in self.fees:
            out[kind] = out.get(kind, ZERO) + fee
        return {kind: fee for kind, fee in out.items() if fee}

    def check(self) -> None:
        """The movements less the fees are the payout (PayPal: what the balance held before,
        plus the movements less the fees, less the payout, is what it holds after), else the
        provider's answer is not whole."""
        moved = sum((m.amount for m in self.movements), ZERO)
        fees = sum(self.fee_kinds().values(), ZERO)
        before, after = (self.opening, self.closing) if self.opening is not None and self.closing is not None else (ZERO, ZERO)
        if before + moved - fees - self.payout != after:
            held = f"the {text(before)} held before and " if before else ""
            raise BookingError(
                f"{self.provider} payout {self.reference or self.id}: {held}its movements ({text(moved)}) less its fees ({text(fees)}) "
                f"are {text(before + moved - fees - after)}, not the payout of {text(self.payout)}",
                "the provider's list may not be complete yet (a Stripe payout still reconciling): `runner settle` again later",
            )


def tagged(description: str) -> tuple[str, str] | None:
    """The (provider, payout id) a line's description names, if any."""
    found = TAG.search(description or "")
    return (found["provider"], found["id"]) if found else None
