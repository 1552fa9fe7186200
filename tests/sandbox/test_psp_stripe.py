"""The Stripe simulator as Stripe's own Python client (stripe 15.3.1) reads it, for the calls
a payout booker makes, and its settings for what the reference leaves open [U]."""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe

from runner.sandbox.psp.stripe import SECRET_KEY
from runner.sandbox.psp.stripe_books import StripeSettings
from tests.sandbox.psp_support import providers


def official(url: str, key: str = SECRET_KEY) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)


def test_the_official_client_lists_payouts_and_what_each_paid_out_to_the_cent():
    with providers(sockets=True) as (woo, running, _):
        client = official(running.urls["stripe"])
        payouts = list(client.v1.payouts.list({"limit": 2}).auto_paging_iter())  # follows starting_after
        assert [p.id for p in payouts] == [p[0] for p in reversed(running.paid_out("stripe"))]
        by_charge = {o["transaction_id"]: o for o in woo.orders.values() if o["payment_method"] == "stripe"}
        kinds = set()
        for payout in payouts:
            assert payout.automatic and payout.status == "paid" and payout.reconciliation_status == "completed"
            rows = list(client.v1.balance_transactions.list({"payout": payout.id, "limit": 3, "expand": ["data.source"]}).auto_paging_iter())
            (own,) = [r for r in rows if r.type == "payout"]
            assert own.amount == -payout.amount == -sum(r.net for r in rows if r.type != "payout")
            for row in rows:
                kinds.add(row.reporting_category)
                if row.type == "charge":  # the order's transaction_id is the charge; its PaymentIntent names the order number
                    order = by_charge[row.source.id]
                    intent = client.v1.payment_intents.retrieve(row.source.payment_intent)
                    assert intent.metadata["order_id"] == order["number"]
                    assert Decimal(row.fee) / 100 == Decimal(next(m["value"] for m in order["meta_data"] if m["key"] == "_stripe_fee"))
        assert kinds == {"charge", "refund", "dispute", "payout"}
        again = client.v1.payouts.retrieve(payouts[0].id)
        own = client.v1.balance_transactions.retrieve(again.balance_transaction)
        assert own.type == "payout" and own.source == again.id and own.amount == -again.amount


def test_the_balance_is_what_stripe_holds():
    with providers(sockets=True) as (_, running, _):
        balance = official(running.urls["stripe"]).v1.balance.retrieve()
    held = Decimal(balance.available[0].amount + balance.pending[0].amount) / 100
    assert held == running.balance("stripe") == Decimal("-4.23")


def test_a_wrong_key_is_stripes_authentication_error_without_the_key():
    with providers(sockets=True) as (_, running, _):
        with pytest.raises(stripe.AuthenticationError) as refused:
            official(running.urls["stripe"], "sk_test_wrongKey9876").v1.payouts.list()
    assert "Invalid API Key provided" in str(refused.value) and "wrongKey" not in str(refused.value)


@pytest.mark.parametrize("listing", ["empty", "error"])
def test_asking_what_a_manual_payout_held_is_a_setting(listing):
    with providers(stripe=StripeSettings(automatic=False, manual_listing=listing)) as (_, running, _):
        payout = running.paid_out("stripe")[0][0]
        with running.servers["stripe"].client(base_url=running.urls["stripe"], headers={"Authorization": f"Bearer {SECRET_KEY}"}) as http:
            answer = http.get("/v1/balance_transactions", params={"payout": payout})
            listed = http.get(f"/v1/payouts/{payout}").json()
    assert listed["automatic"] is False and listed["reconciliation_status"] == "not_applicable"
    if listing == "empty":
        assert answer.status_code == 200 and answer.json()["data"] == []
    else:
        assert answer.status_code == 400 and answer.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("returns", [False, True])
def test_whether_a_refund_gives_its_fee_back_is_a_setting(returns):
    with providers(stripe=StripeSettings(refund_returns_fee=returns)) as (_, running, _):
        with running.servers["stripe"].client(base_url=running.urls["stripe"], headers={"Authorization": f"Bearer {SECRET_KEY}"}) as http:
            refunds = http.get("/v1/balance_transactions", params={"type": "refund", "limit": 100}).json()["data"]
    assert refunds and all((r["fee"] < 0) is returns and r["net"] == r["amount"] - r["fee"] for r in refunds)


@pytest.mark.parametrize("copied", [False, True])
def test_whether_a_charge_carries_the_payment_intents_metadata_is_a_setting(copied):
    with providers(stripe=StripeSettings(charge_metadata=copied)) as (woo, running, _):
        order = next(o for o in woo.orders.values() if o["payment_method"] == "stripe" and o["transaction_id"])
        with running.servers["stripe"].client(base_url=running.urls["stripe"], headers={"Authorization": f"Bearer {SECRET_KEY}"}) as http:
            charge = http.get(f"/v1/charges/{order['transaction_id']}").json()
            intent = http.get(f"/v1/payment_intents/{charge['payment_intent']}").json()
    assert intent["metadata"]["order_id"] == order["number"]  # the link that always holds
    assert (charge["metadata"].get("order_id") == order["number"]) is copied
