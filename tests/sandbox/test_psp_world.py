"""The providers pay out the sandbox shop's orders on a schedule: fees, a refund in a later
payout than its payment, a chargeback, Mollie's fee rounding paid back, balances to the cent."""

from __future__ import annotations

from decimal import Decimal

from runner.sandbox.psp import mollie_books
from runner.sandbox.psp.world import ZERO, floor_cents
from tests.sandbox.psp_support import NOW, providers


def test_each_provider_pays_out_its_own_orders_with_fees_and_holds_the_rest():
    with providers() as (woo, running, _):
        for name, gateway in (("mollie", "mollie_wc_gateway_"), ("stripe", "stripe"), ("paypal", "ppcp-gateway")):
            books = running.simulator(name).books
            paid = {m.sale.order_id for m in books.moves if m.kind == "payment"}
            expected = {
                o["id"] for o in woo.orders.values() if o["payment_method"].startswith(gateway) and o["date_paid_gmt"] and o["status"] != "cancelled"
            }
            assert paid == expected and paid, name
            payouts = books.payouts(NOW)
            assert len(payouts) >= 3, name
            assert all(p.amount == sum((m.net for m in p.moves), ZERO) for p in payouts), name
            assert all(m.fee > 0 for m in books.moves if m.kind == "payment"), name
            held = sum((m.net for m in books.moves if m.when <= NOW), ZERO) - sum((p.amount for p in payouts), ZERO)
            assert running.balance(name) == held
            assert [p[0] for p in running.paid_out(name)] == [p.id for p in payouts]


def test_the_balances_and_payouts_are_the_same_to_the_cent_in_every_run():
    with providers() as (_, first, _):
        before = {name: (first.balance(name), first.paid_out(name)) for name in ("mollie", "stripe", "paypal")}
    with providers() as (_, again, _):
        assert before == {name: (again.balance(name), again.paid_out(name)) for name in ("mollie", "stripe", "paypal")}
    assert before["mollie"][0] == Decimal("-50.31")
    assert before["stripe"][0] == Decimal("-4.23")
    assert before["paypal"][0] == Decimal("-22.96")


def test_a_refund_lands_in_a_later_payout_than_its_payment_and_is_in_the_shop_too():
    with providers() as (woo, running, _):
        for name in ("mollie", "stripe", "paypal"):
            books = running.simulator(name).books
            books.payouts(NOW)
            payment_payout = {m.sale.order_id: m.payout for m in books.moves if m.kind == "payment"}
            late = [m for m in books.moves if m.kind == "refund" and m.payout and payment_payout[m.sale.order_id] not in (None, m.payout)]
            assert late, name
            order_id = late[0].sale.order_id
            assert -late[0].amount in [Decimal(r["amount"]) for r in woo.refunds[order_id]]


def test_each_provider_takes_back_one_chargeback_in_a_payout():
    with providers() as (_, running, _):
        for name in ("mollie", "stripe", "paypal"):
            books = running.simulator(name).books
            books.payouts(NOW)
            (chargeback,) = [m for m in books.moves if m.kind == "chargeback"]
            assert chargeback.amount == -chargeback.sale.total and chargeback.payout, name


def test_mollie_rounds_each_fee_up_and_pays_the_surplus_back_next_month():
    with providers() as (_, running, _):
        running.mollie.books.payouts(NOW)
        moves = running.mollie.books.moves
        ideal = [m for m in moves if m.kind == "payment" and mollie_books.method_of(m.sale) == "ideal"]
        assert {m.fee for m in ideal} == {Decimal("0.36")}  # 0.29 + 21 % = 0.3509, charged 0.36
        october = [m for m in moves if m.fee and m.when.month == 10]
        exact = sum((mollie_books.exact_fee("refund" if m.kind == "refund" else "ideal", abs(m.amount)) * Decimal("1.21") for m in october), ZERO)
        (back,) = [m for m in moves if m.kind == "compensation" and m.when.month == 11]
        assert back.amount == sum((m.fee for m in october), ZERO) - floor_cents(exact) > 0
        assert back.when.weekday() < 5 and back.when.day <= 3
        assert back.payout is not None  # in the first settlement of November
