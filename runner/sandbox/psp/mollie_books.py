"""Mollie's side of the sandbox shop: its payments, refunds, chargebacks, fee prepayments and
settlements, and the JSON objects the API serves for them (reference psp-settlements.md 2.3).

Fees [C M-HELP]: per transaction, excluding VAT, iDEAL 0.29, credit card 0.25 + 1.8 %, a
refund 0.25; 21 % Dutch VAT on top; each prepayment is rounded **up** to the cent (0.3509 is
charged as 0.36). The monthly invoice rounds down, and the surplus comes back to the balance
on the first business day of the next month as an `invoice-rounding-compensation`, in the
next settlement: the fee rounding case. A chargeback carries no fee here [I]."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from runner.sandbox.psp.world import (
    LEAD_DAYS,
    ZERO,
    Books,
    Move,
    Payout,
    Sale,
    add_late_refund,
    ceil_cents,
    floor_cents,
    ident,
    pick,
    set_meta,
    shop_sales,
)

GATEWAY = "mollie_wc_gateway_"
VAT = Decimal("1.21")
RATES = {"ideal": (Decimal("0.29"), ZERO), "creditcard": (Decimal("0.25"), Decimal("1.8")), "refund": (Decimal("0.25"), ZERO)}
LABELS = {"ideal": "iDEAL", "creditcard": "Credit card", "bancontact": "Bancontact", "refund": "Refunds", "chargeback": "Chargebacks"}
MERCHANT = "1234567"
PROFILE = "pfl_QkEhN94Ba"


@dataclass
class MollieSettings:
    """The Mollie simulator's knobs; each [U] one is tested with both values."""

    transfer_frequency: str = "every-monday"  # one of every-monday..every-friday (the schedule of this sandbox)
    hold_days: int = 1  # a payment becomes available a day after it is paid [I]
    profile_keys: bool = False  # [U] whether a profile API key (live_...) may read settlements; False: 403
    max_limit: int = 250  # [U] the largest `limit` (documented default 50; commonly 250); more is a 400
    list_pending: bool = True  # [U] whether balance transactions list payments before they are available
    chargeback_positive: bool = False  # [U] a chargeback's settlementAmount positive (M-PY fixture) instead of negative (docs)


def method_of(sale: Sale) -> str:
    return sale.order["payment_method"][len(GATEWAY) :] or "ideal"


def exact_fee(kind: str, amount: Decimal) -> Decimal:
    """The fee excluding VAT, unrounded (4 decimals on the invoice)."""
    fixed, percent = RATES.get(kind, RATES["ideal"])
    return fixed + amount * percent / 100


def prepaid(kind: str, amount: Decimal) -> Decimal:
    """What is deducted from the balance: fee plus 21 % VAT, rounded up to the cent."""
    return ceil_cents(exact_fee(kind, amount) * VAT)


def mollie_books(woo, settings: MollieSettings, seed: int, now: datetime) -> Books:
    """Mollie's movements from the shop's Mollie orders; adds (in the shop too) a late refund
    and picks a chargeback when the history is long enough, and stores the plugin's meta."""
    sales = shop_sales(woo, (GATEWAY,))
    for sale in sales:
        set_meta(sale.order, "_mollie_payment_id", sale.transaction_id)
        set_meta(sale.order, "_mollie_payment_mode", "live")
    taken: set[int] = set()
    late = pick(sales, seed, "mollie-refund", taken, now - timedelta(days=LEAD_DAYS))
    if late is not None:
        add_late_refund(woo, late, days=9 + settings.hold_days)
    disputed = pick(sales, seed, "mollie-chargeback", taken, now - timedelta(days=LEAD_DAYS))
    moves: list[Move] = []
    for sale in sales:
        method = method_of(sale)
        moves.append(Move(ident("baltr_", seed, sale.transaction_id, size=16), "payment", sale.paid, sale.total, prepaid(method, sale.total), sale))
        for refund in sale.refunds:
            ref = ident("re_", seed, refund.id)
            moves.append(
                Move(ident("baltr_", seed, ref, size=16), "refund", refund.when, -refund.amount, prepaid("refund", refund.amount), sale, ref)
            )
    if disputed is not None:
        ref = ident("chb_", seed, disputed.order_id, size=6)
        moves.append(
            Move(ident("baltr_", seed, ref, size=16), "chargeback", disputed.paid + timedelta(days=12), -disputed.total, ZERO, disputed, ref)
        )
    moves += compensations(moves, seed)
    return Books(
        moves,
        settings.transfer_frequency.removeprefix("every-"),
        timedelta(days=settings.hold_days),
        lambda n, when: ident("stl_", seed, "settlement", n),
        lambda n, when: f"{MERCHANT}.{when:%y%m}.{n:02d}",
    )


def compensations(moves: list[Move], seed: int) -> list[Move]:
    """Per month of fee prepayments, the rounding surplus paid back on the next month's
    first business day (06:00 UTC): prepaid in total less the invoice, rounded down."""
    months: dict[tuple[int, int], tuple[Decimal, Decimal]] = defaultdict(lambda: (ZERO, ZERO))
    for move in moves:
        if move.fee:
            kind = "refund" if move.kind == "refund" else method_of(move.sale) if move.sale else "ideal"
            paid, exact = months[(move.when.year, move.when.month)]
            months[(move.when.year, move.when.month)] = (paid + move.fee, exact + exact_fee(kind, abs(move.amount)) * VAT)
    out = []
    for (year, month), (paid, exact) in sorted(months.items()):
        back = paid - floor_cents(exact)
        if back <= 0:
            continue
        first = datetime(year + month // 12, month % 12 + 1, 1, 6, 0, tzinfo=moves[0].when.tzinfo)
        while first.weekday() >= 5:
            first += timedelta(days=1)
        invoice = ident("inv_", seed, year, month, size=8)
        out.append(Move(ident("baltr_", seed, invoice, size=16), "compensation", first, back, ZERO, None, invoice))
    return out


def money(value: Decimal, places: int = 2) -> dict[str, str]:
    return {"currency": "EUR", "value": f"{value:.{places}f}"}


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def payment_json(sale: Sale, payout: str | None, base: str) -> dict:
    refunded = sum((r.amount for r in sale.refunds), ZERO)
    return {
        "resource": "payment",
        "id": sale.transaction_id,
        "mode": "live",
        "status": "paid",
        "createdAt": stamp(sale.paid - timedelta(seconds=25)),
        "paidAt": stamp(sale.paid),
        "amount": money(sale.total),
        "settlementAmount": money(sale.total),
        "amountRefunded": money(refunded),
        "amountRemaining": money(sale.total - refunded),
        "description": f"Order {sale.number}",
        "method": method_of(sale),
        "metadata": {"order_id": sale.order_id},
        "profileId": PROFILE,
        **({"settlementId": payout} if payout else {}),
        "_links": {"self": link(f"{base}/v2/payments/{sale.transaction_id}")},
    }


def refund_json(move: Move, base: str) -> dict:
    sale = move.sale
    return {
        "resource": "refund",
        "id": move.ref,
        "paymentId": sale.transaction_id,
        **({"settlementId": move.payout} if move.payout else {}),
        "status": "refunded",
        "amount": money(-move.amount),
        "settlementAmount": money(move.amount),
        "description": f"Refund order {sale.number}",
        "metadata": None,
        "createdAt": stamp(move.when),
        "_links": {"self": link(f"{base}/v2/payments/{sale.transaction_id}/refunds/{move.ref}")},
    }


def chargeback_json(move: Move, base: str, positive: bool) -> dict:
    sale = move.sale
    return {
        "resource": "chargeback",
        "id": move.ref,
        "paymentId": sale.transaction_id,
        **({"settlementId": move.payout} if move.payout else {}),
        "amount": money(-move.amount),
        "settlementAmount": money(-move.amount if positive else move.amount),
        "createdAt": stamp(move.when),
        "reversedAt": None,
        "_links": {"self": link(f"{base}/v2/payments/{sale.transaction_id}/chargebacks/{move.ref}")},
    }


TYPES = {"payment": "payment", "refund": "refund", "chargeback": "chargeback", "compensation": "invoice-rounding-compensation"}


def transaction_json(move: Move) -> dict:
    context: dict = {}
    if move.kind == "payment":
        context = {"paymentId": move.sale.transaction_id, "paymentDescription": f"Order {move.sale.number}"}
    elif move.kind in ("refund", "chargeback"):
        context = {"paymentId": move.sale.transaction_id, f"{move.kind}Id": move.ref}
    elif move.kind == "compensation":
        context = {"invoiceId": move.ref}
    out = {
        "resource": "balance-transaction",
        "id": move.id,
        "type": TYPES[move.kind],
        "createdAt": stamp(move.when),
        "initialAmount": money(move.amount),
    }
    if move.fee:
        out |= {"deductions": money(-move.fee), "deductionDetails": {"fees": money(-move.fee)}}
    else:
        out["deductions"] = None
    return out | {"resultAmount": money(move.net), "context": context}


def transfer_json(payout: Payout, seed: int) -> dict:
    return {
        "resource": "balance-transaction",
        "id": ident("baltr_", seed, payout.id, size=16),
        "type": "outgoing-transfer",
        "createdAt": stamp(payout.when),
        "initialAmount": money(-payout.amount),
        "deductions": None,
        "resultAmount": money(-payout.amount),
        "context": {"settlementId": payout.id, "transferId": ident("trf_", seed, payout.id, size=8)},
    }


def link(href: str) -> dict[str, str]:
    return {"href": href, "type": "application/hal+json"}


def periods(moves: list[Move]) -> dict:
    """Revenue and costs per calendar month the settlement touches (4-decimal amounts)."""
    out: dict = {}
    for move in moves:
        month = out.setdefault(str(move.when.year), {}).setdefault(str(move.when.month), {"revenue": {}, "costs": {}})
        kind = "refund" if move.kind == "refund" else "chargeback" if move.kind == "chargeback" else None
        if move.kind == "payment":
            kind = method_of(move.sale)
        if kind is None:
            continue
        revenue = month["revenue"].setdefault(kind, [0, ZERO])
        revenue[0] += 1
        revenue[1] += move.amount
        if move.fee:
            cost = month["costs"].setdefault(kind, [0, ZERO])
            cost[0] += 1
            cost[1] += exact_fee(kind, abs(move.amount))
    for months in out.values():
        for key, month in months.items():
            months[key] = {
                "revenue": [_revenue(kind, count, total) for kind, (count, total) in month["revenue"].items()],
                "costs": [_cost(kind, count, net) for kind, (count, net) in month["costs"].items()],
            }
    return out


def _revenue(kind: str, count: int, total: Decimal) -> dict:
    method = kind if kind in ("refund", "chargeback") else kind
    return {
        "description": LABELS.get(kind, kind),
        "method": method,
        "count": count,
        "amountNet": money(total, 4),
        "amountVat": None,
        "amountGross": money(total, 4),
    }


def _cost(kind: str, count: int, net: Decimal) -> dict:
    fixed, percent = RATES.get(kind, RATES["ideal"])
    vat = net * (VAT - 1)
    rate = {"fixed": money(fixed, 4), "percentage": f"{percent}" if percent else None}
    return {
        "description": LABELS.get(kind, kind),
        "method": kind,
        "count": count,
        "rate": rate,
        "amountNet": money(net, 4),
        "amountVat": money(vat, 4),
        "amountGross": money(net + vat, 4),
    }
