"""PayPal's side of the sandbox shop: captures, refunds, a chargeback and weekly withdrawals to
the bank, as Transaction Search rows (reference psp-settlements.md 4 and 7.3).

The link to the shop is what WooCommerce PayPal Payments stores (4.3 [C]): the order's
`transaction_id` is the capture id (17 characters; the demo shop's placeholder id is replaced),
the capture's `custom_id` the order id (shown as `custom_field` [I]) and its `invoice_id`
"WC-" + the order number; meta `_ppcp_paypal_fees` the capture's seller receivable breakdown.
Fees [I: PayPal's public NL rate]: 2.89 % + 0.35, rounded half up to the cent; a chargeback
costs a separate T0106 fee of 14.00 [I]; whether a refund gives part of the fee back is
unconfirmed (`refund_returns_fee` [U]). A withdrawal is a T0400 row of minus the balance
(T0401, the auto-sweep, with `withdrawal_code` [U])."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from runner.sandbox.psp.world import LEAD_DAYS, ZERO, Books, Move, Payout, add_late_refund, cents, ident, pick, set_meta, shop_sales

GATEWAYS = ("ppcp-gateway", "ppcp-credit-card-gateway")
PERCENT, FIXED, CHARGEBACK_FEE = Decimal("2.89"), Decimal("0.35"), Decimal("14.00")
UPPER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ACCOUNT = "7QK2HLM9XWXYZ"


@dataclass
class PayPalSettings:
    withdrawal_weekday: str = "friday"  # the merchant's weekly withdrawal to the bank [I]
    delay_hours: float = 3.0  # a row shows in Transaction Search this long after it happens [C: "up to 3 hours"]
    refund_returns_fee: bool = True  # [U] a refund returns the fee's share (a positive fee_amount) or keeps it
    withdrawal_code: str = "T0400"  # [U] how a withdrawal appears: T0400 (general) or T0401 (auto-sweep)
    search_enabled: bool = True  # the REST app has Transaction Search enabled; False: tokens lack the scope (403)
    custom_field: bool = True  # [U] a row's custom_field carries the capture's custom_id (the order id); False: left out


def capture_fee(amount: Decimal) -> Decimal:
    return cents(amount * PERCENT / 100) + FIXED


def paypal_books(woo, settings: PayPalSettings, seed: int, now: datetime) -> Books:
    sales = shop_sales(woo, GATEWAYS)
    for sale in sales:
        if len(sale.transaction_id) != 17:
            sale.order["transaction_id"] = ident("", seed, "capture", sale.order_id, size=17, alphabet=UPPER)
        fee = capture_fee(sale.total)
        set_meta(sale.order, "_ppcp_paypal_order_id", ident("", seed, "order", sale.order_id, size=17, alphabet=UPPER))
        set_meta(sale.order, "_ppcp_paypal_intent", "CAPTURE")
        breakdown = {"gross_amount": money(sale.total), "paypal_fee": money(fee), "net_amount": money(sale.total - fee)}
        set_meta(sale.order, "_ppcp_paypal_fees", breakdown)
        set_meta(sale.order, "PayPal Transaction Fee", f"{fee:.2f}")
    taken: set[int] = set()
    late = pick(sales, seed, "paypal-refund", taken, now - timedelta(days=LEAD_DAYS))
    if late is not None:
        add_late_refund(woo, late, days=9)
    disputed = pick(sales, seed, "paypal-chargeback", taken, now - timedelta(days=LEAD_DAYS))
    moves: list[Move] = []
    for sale in sales:
        fee = capture_fee(sale.total)
        moves.append(Move(sale.transaction_id, "payment", sale.paid, sale.total, fee, sale, sale.transaction_id))
        for refund in sale.refunds:
            back = -cents(fee * refund.amount / sale.total) if settings.refund_returns_fee else ZERO
            ref = ident("", seed, "refund", refund.id, size=17, alphabet=UPPER)
            moves.append(Move(ref, "refund", refund.when, -refund.amount, back, sale, ref))
        if sale.refunds and settings.refund_returns_fee:
            returned = sum((m.fee for m in moves if m.sale is sale and m.kind == "refund"), ZERO)
            set_meta(
                sale.order,
                "_ppcp_paypal_refund_fees",
                {"gross_amount": money(sum((r.amount for r in sale.refunds), ZERO)), "paypal_fee": money(-returned)},
            )
    if disputed is not None:
        ref = ident("", seed, "chargeback", disputed.order_id, size=17, alphabet=UPPER)
        moves.append(Move(ref, "chargeback", disputed.paid + timedelta(days=12), -disputed.total, CHARGEBACK_FEE, disputed, ref))
    return Books(moves, settings.withdrawal_weekday, timedelta(0), lambda n, when: ident("", seed, "withdrawal", n, size=17, alphabet=UPPER))


def money(value: Decimal) -> dict[str, str]:
    return {"currency_code": "EUR", "value": f"{value:.2f}"}


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+0000")


def rows(books: Books, now: datetime, settings: PayPalSettings) -> list[tuple[datetime, dict]]:
    """Every balance-affecting row up to `now`, oldest first, with the running balance."""
    events: list[tuple[datetime, int, str, dict]] = []  # a withdrawal after what happened at its moment
    for move in books.seen(now):
        events += [(move.when, 0, move.id, row) for row in _move_rows(move, settings.custom_field)]
    for payout in books.payouts(now):
        events.append((payout.when, 1, payout.id, _withdrawal(payout, settings.withdrawal_code)))
    events.sort(key=lambda e: (e[0], e[1], e[2], e[3]["transaction_event_code"]))
    balance, out = ZERO, []
    for when, _, _, info in events:
        balance += Decimal(info["transaction_amount"]["value"]) + Decimal((info.get("fee_amount") or money(ZERO))["value"])
        info["available_balance"] = money(balance)
        info["ending_balance"] = money(balance)
        out.append((when, info))
    return out


def _move_rows(move: Move, custom_field: bool) -> list[dict]:
    sale = move.sale
    base = {
        "paypal_account_id": "7QK2HLM9XABCD",
        "transaction_id": move.id,
        "transaction_initiation_date": stamp(move.when),
        "transaction_updated_date": stamp(move.when),
        "transaction_status": "S",
        "invoice_id": f"WC-{sale.number}",
        **({"custom_field": str(sale.order_id)} if custom_field else {}),
        "protection_eligibility": "01",
    }
    if move.kind == "payment":
        return [base | {"transaction_event_code": "T0006", "transaction_amount": money(move.amount), "fee_amount": money(-move.fee)}]
    linked = base | {"paypal_reference_id": sale.transaction_id, "paypal_reference_id_type": "TXN", "transaction_amount": money(move.amount)}
    if move.kind == "refund":
        return [linked | {"transaction_event_code": "T1107", **({"fee_amount": money(-move.fee)} if move.fee else {})}]
    fee_row = linked | {
        "transaction_id": move.id[:-1] + "F",
        "transaction_event_code": "T0106",
        "transaction_amount": money(-move.fee),
    }
    return [linked | {"transaction_event_code": "T1201"}, fee_row]


def _withdrawal(payout: Payout, code: str) -> dict:
    return {
        "paypal_account_id": "7QK2HLM9XABCD",
        "transaction_id": payout.id,
        "transaction_event_code": code,
        "transaction_initiation_date": stamp(payout.when),
        "transaction_updated_date": stamp(payout.when),
        "transaction_amount": money(-payout.amount),
        "transaction_status": "S",
        "bank_reference_id": payout.id[:10],
    }


def payer(move_row: dict, books: Books) -> dict:
    """payer_info of a row's order, for `fields=payer_info|all`."""
    sale = next((m.sale for m in books.moves if m.id == move_row["transaction_id"] and m.sale), None)
    if sale is None:
        return {}
    billing = sale.order.get("billing", {})
    return {
        "account_id": ident("", sale.order_id, "payer", size=13, alphabet=UPPER),
        "email_address": billing.get("email", ""),
        "payer_name": {"given_name": billing.get("first_name", ""), "surname": billing.get("last_name", "")},
        "country_code": billing.get("country", "NL"),
    }
