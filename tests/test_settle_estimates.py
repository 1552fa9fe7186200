"""Without an API key (issue 24 point 5): the fees the gateway plugins note in the order meta
(Stripe `_stripe_fee`, PayPal Payments `_ppcp_paypal_fees`) booked per day as an estimate on
the fee account; once the key is given, each settlement gives back the estimates of the
orders it pays and books the real fees: no fee twice."""

from __future__ import annotations

from decimal import Decimal as D

from runner.domain.fee_estimates import meta_fee
from runner.domain.settlement import tagged
from tests.settle_world import NOW, book_orders, settle, world


def fee_lines(w, journal: str) -> list[dict]:
    return [
        line
        for row in w.exact.bank_entries.values()
        if row["JournalCode"].strip() == journal
        for line in row["BankEntryLines"]
        if line["GLAccountCode"].strip() == "4600"
    ]


def test_fees_are_estimated_per_day_from_the_meta_then_given_back_by_the_settlements(tmp_path):
    w = world(tmp_path, orders=320)
    try:
        keyed = w.spec.read_text()
        w.spec.write_text(keyed.replace("api_key: ${STRIPE_KEY}", 'api_key: ""'))
        book_orders(w)
        first = settle(w, providers=("stripe",))
        (stripe,) = first.providers
        assert stripe.estimated >= 3 and not stripe.failed and stripe.provider_balance is None
        estimates = fee_lines(w, "22")
        assert all(tagged(line["Description"])[1].startswith("est-") and "estimate" in line["Description"] for line in estimates)
        paid = [
            o for o in w.woo.orders.values() if o["payment_method"] == "stripe" and o["date_paid"] and o["date_paid"][:10] < NOW.date().isoformat()
        ]
        meta = {o["id"]: meta_fee(o) for o in paid if meta_fee(o) is not None}
        assert -sum((D(str(line["AmountFC"])) for line in estimates), D(0)) == sum(meta.values(), D(0))
        assert settle(w, providers=("stripe",)).providers[0].estimated == 0  # each day once
        w.spec.write_text(keyed)  # the key arrives
        second = settle(w, providers=("stripe",))
        assert second.providers[0].booked and not second.providers[0].failed
        books = w.providers.simulator("stripe").books
        books.payouts(NOW)
        settled_fees = sum((m.fee for m in books.moves if m.payout and m.when <= NOW and m.kind != "chargeback"), D(0))  # a dispute fee: 4610
        in_payouts = {m.sale.order_id for m in books.moves if m.kind == "payment" and m.payout}
        still_estimated = sum((fee for order, fee in meta.items() if order not in in_payouts), D(0))
        total = sum((D(str(line["AmountFC"])) for line in fee_lines(w, "22")), D(0))
        assert total == -settled_fees - still_estimated  # the real fees, and estimates only of orders no payout holds yet
    finally:
        w.stop()
