"""Stripe's side of the sandbox shop: charges, refunds, a dispute and weekly automatic
payouts, and the JSON objects the API serves for them (reference psp-settlements.md 3).

The link to the shop is what the WooCommerce Stripe Gateway stores (3.4 [C]): the order's
`transaction_id` is the charge `ch_...` (the demo shop's placeholder id is replaced by one),
meta `_stripe_intent_id` the PaymentIntent, `_stripe_fee`/`_stripe_net`/`_stripe_currency`
the fee and net in the account's currency (net less refunds); the PaymentIntent's metadata
`order_id` is the order **number**. Fees [I: Stripe's public EEA card price]: 1.5 % + 0.25,
in whole cents rounded half up (the fee rounding case: 1.5 % of 33.30 is 0.4995, charged
0.50); refunds carry no fee (unless `refund_returns_fee` [U]); a lost dispute takes the
amount and a 20.00 dispute fee in one `adjustment` (reporting category `dispute`) [C3]."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from runner.sandbox.psp.world import LEAD_DAYS, ZERO, Books, Move, Payout, Sale, add_late_refund, cents, ident, pick, set_meta, shop_sales

GATEWAYS = ("stripe", "woocommerce_payments")
PERCENT, FIXED, DISPUTE_FEE = Decimal("1.5"), Decimal("0.25"), Decimal("20.00")
BLOG = "Webwinkel Demo"


@dataclass
class StripeSettings:
    payout_weekday: str = "wednesday"  # a weekly automatic payout schedule [C: schedules are configurable]
    hold_days: int = 3  # funds become available three days after the charge [I]
    automatic: bool = True  # automatic payouts (only those are itemised by ?payout=) [C]
    manual_listing: str = "empty"  # [U] ?payout= on a manual payout: "empty" list or "error" (400)
    refund_returns_fee: bool = False  # [U] a refund gives back its share of the fee (negative fee) instead of none
    charge_metadata: bool = False  # [U] the charge carries the PaymentIntent's metadata too (only the intent's is documented)


def minor(value: Decimal) -> int:
    return int((value * 100).to_integral_value(ROUND_HALF_UP))


def charge_fee(amount: Decimal) -> Decimal:
    return cents(amount * PERCENT / 100) + FIXED


def stripe_books(woo, settings: StripeSettings, seed: int, now: datetime) -> Books:
    sales = shop_sales(woo, GATEWAYS)
    for sale in sales:
        if not sale.transaction_id.startswith(("ch_", "py_", "pi_")):
            sale.order["transaction_id"] = ident("ch_3", seed, "charge", sale.order_id, size=24)
        set_meta(sale.order, "_stripe_intent_id", intent_id(sale, seed))
        set_meta(sale.order, "_stripe_currency", "EUR")
    taken: set[int] = set()
    late = pick(sales, seed, "stripe-refund", taken, now - timedelta(days=LEAD_DAYS))
    if late is not None:
        add_late_refund(woo, late, days=9 + settings.hold_days)
    disputed = pick(sales, seed, "stripe-dispute", taken, now - timedelta(days=LEAD_DAYS))
    moves: list[Move] = []
    for sale in sales:
        fee = charge_fee(sale.total)
        moves.append(Move(ident("txn_3", seed, sale.transaction_id, size=24), "payment", sale.paid, sale.total, fee, sale, sale.transaction_id))
        refunded = ZERO
        for refund in sale.refunds:
            back = -cents(fee * refund.amount / sale.total) if settings.refund_returns_fee else ZERO
            ref = ident("re_3", seed, refund.id, size=24)
            moves.append(Move(ident("txn_3", seed, ref, size=24), "refund", refund.when, -refund.amount, back, sale, ref))
            refunded += refund.amount + back
        set_meta(sale.order, "_stripe_fee", f"{fee:.2f}")
        set_meta(sale.order, "_stripe_net", f"{sale.total - fee - refunded:.2f}")
    if disputed is not None:
        ref = ident("dp_1", seed, disputed.order_id, size=24)
        when = disputed.paid + timedelta(days=12)
        moves.append(Move(ident("txn_3", seed, ref, size=24), "chargeback", when, -disputed.total, DISPUTE_FEE, disputed, ref))
    return Books(moves, settings.payout_weekday, timedelta(days=settings.hold_days), lambda n, when: ident("po_1", seed, "payout", n, size=24))


def intent_id(sale: Sale, seed: int) -> str:
    return ident("pi_3", seed, "intent", sale.order_id, size=24)


def unix(when: datetime) -> int:
    return int(when.timestamp())


def move_json(move: Move, hold: timedelta, now: datetime) -> dict:
    kind = {"payment": ("charge", "charge"), "refund": ("refund", "refund"), "chargeback": ("adjustment", "dispute")}[move.kind]
    details = []
    if move.fee:
        label = "Dispute fee" if move.kind == "chargeback" else "Stripe processing fees"
        details = [{"amount": minor(move.fee), "currency": "eur", "type": "stripe_fee", "description": label, "application": None}]
    sale = move.sale
    description = {
        "payment": f"{BLOG} - Order {sale.number}",
        "refund": f"REFUND FOR CHARGE ({BLOG} - Order {sale.number})",
        "chargeback": f"Chargeback withdrawal for {sale.transaction_id}",
    }[move.kind]
    available = move.when + hold
    return {
        "id": move.id,
        "object": "balance_transaction",
        "type": kind[0],
        "reporting_category": kind[1],
        "amount": minor(move.amount),
        "fee": minor(move.fee),
        "fee_details": details,
        "net": minor(move.net),
        "currency": "eur",
        "source": move.ref,
        "status": "available" if available <= now else "pending",
        "created": unix(move.when),
        "available_on": unix(available),
        "exchange_rate": None,
        "description": description,
        "balance_type": "payments",
    }


def payout_json(payout: Payout, seed: int, automatic: bool, now: datetime) -> dict:
    arrival = payout.when + timedelta(days=1)
    return {
        "id": payout.id,
        "object": "payout",
        "amount": minor(payout.amount),
        "currency": "eur",
        "arrival_date": unix(arrival),
        "created": unix(payout.when),
        "automatic": automatic,
        "balance_transaction": payout_txn(payout, seed),
        "status": "paid" if arrival <= now else "in_transit",
        "reconciliation_status": ("completed" if arrival <= now else "in_progress") if automatic else "not_applicable",
        "method": "standard",
        "source_type": "card",
        "type": "bank_account",
        "destination": ident("ba_1", seed, "bank", size=24),
        "statement_descriptor": None,
        "failure_code": None,
        "failure_message": None,
        "failure_balance_transaction": None,
        "livemode": True,
        "metadata": {},
    }


def payout_txn(payout: Payout, seed: int) -> str:
    return ident("txn_1", seed, payout.id, size=24)


def payout_move_json(payout: Payout, seed: int) -> dict:
    return {
        "id": payout_txn(payout, seed),
        "object": "balance_transaction",
        "type": "payout",
        "reporting_category": "payout",
        "amount": -minor(payout.amount),
        "fee": 0,
        "fee_details": [],
        "net": -minor(payout.amount),
        "currency": "eur",
        "source": payout.id,
        "status": "available",
        "created": unix(payout.when),
        "available_on": unix(payout.when),
        "exchange_rate": None,
        "description": "STRIPE PAYOUT",
        "balance_type": "payments",
    }


def source_json(move: Move, seed: int, charge_metadata: bool = False) -> dict:
    """The object a balance transaction's `source` names: charge, refund or dispute."""
    sale: Sale = move.sale
    intent = intent_id(sale, seed)
    charge_txn = ident("txn_3", seed, sale.transaction_id, size=24)
    if move.kind == "payment":
        refunded = sum((r.amount for r in sale.refunds), ZERO)
        return {
            "id": sale.transaction_id,
            "object": "charge",
            "amount": minor(sale.total),
            "amount_refunded": minor(refunded),
            "currency": "eur",
            "balance_transaction": charge_txn,
            "payment_intent": intent,
            "description": f"{BLOG} - Order {sale.number}",
            "metadata": intent_metadata(sale) if charge_metadata else {},
            "paid": True,
            "refunded": refunded == sale.total,
            "status": "succeeded",
            "created": unix(sale.paid),
            "livemode": True,
        }
    if move.kind == "refund":
        return {
            "id": move.ref,
            "object": "refund",
            "amount": minor(-move.amount),
            "currency": "eur",
            "charge": sale.transaction_id,
            "payment_intent": intent,
            "balance_transaction": move.id,
            "status": "succeeded",
            "reason": "requested_by_customer",
            "created": unix(move.when),
            "metadata": {},
        }
    return {
        "id": move.ref,
        "object": "dispute",
        "amount": minor(-move.amount),
        "currency": "eur",
        "charge": sale.transaction_id,
        "payment_intent": intent,
        "balance_transactions": [move.id],
        "reason": "fraudulent",
        "status": "lost",
        "created": unix(move.when),
        "livemode": True,
        "metadata": {},
    }


def intent_metadata(sale: Sale) -> dict:
    email = sale.order.get("billing", {}).get("email", "")
    name = " ".join(p for p in (sale.order.get("billing", {}).get(k, "") for k in ("first_name", "last_name")) if p)
    return {
        "customer_name": name,
        "customer_email": email,
        "site_url": "https://webwinkel.example.nl",
        "order_id": sale.number,
        "order_key": sale.order.get("order_key", ""),
        "payment_type": "single",
    }


def intent_json(sale: Sale, seed: int) -> dict:
    return {
        "id": intent_id(sale, seed),
        "object": "payment_intent",
        "amount": minor(sale.total),
        "currency": "eur",
        "latest_charge": sale.transaction_id,
        "status": "succeeded",
        "description": f"{BLOG} - Order {sale.number}",
        "metadata": intent_metadata(sale),
        "created": unix(sale.paid),
        "livemode": True,
    }
