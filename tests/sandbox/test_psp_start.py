"""The providers start beside the demo sandbox (`embedded.start(providers=True)`), before the
shop is read: the shop serves the ids and meta the providers gave its orders, the demo history
has each provider's late refund and chargeback, and a balance reads the same over HTTP."""

from __future__ import annotations

from decimal import Decimal

from runner.sandbox.embedded import embedded, start
from runner.sandbox.psp.mollie import ACCESS_TOKEN
from runner.sandbox.psp.start import start as start_providers
from runner.sandbox.woo.api import DEFAULT_KEY
from runner.spec.check import load
from tests.conftest import write_spec
from tests.sandbox.psp_support import NOW, shop


def test_the_demo_sandbox_starts_the_providers_first_and_stops_them():
    box = start(orders=120, providers=True)  # the 30-order demo has too few Stripe sales for a chargeback
    try:
        running = box.providers
        key = (DEFAULT_KEY.consumer_key, DEFAULT_KEY.consumer_secret)
        with box.woo_server.client(base_url=box.woo_url) as http:
            orders = http.get("/wp-json/wc/v3/orders", params={"per_page": 100}, auth=key).json()
        stripe = [o for o in orders if o["payment_method"] == "stripe" and o["transaction_id"]]
        assert stripe and all(o["transaction_id"].startswith("ch_") for o in stripe)
        assert all(any(m["key"] == "_stripe_fee" for m in o["meta_data"]) for o in stripe)
        for name in ("mollie", "stripe", "paypal"):
            kinds = {m.kind for m in running.simulator(name).books.moves}
            assert {"payment", "refund", "chargeback"} <= kinds, name
        with running.servers["mollie"].client(base_url=running.urls["mollie"], headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}) as http:
            balance = http.get("/v2/balances/primary").json()
        held = Decimal(balance["availableAmount"]["value"]) + Decimal(balance["pendingAmount"]["value"])
        assert held == running.balance("mollie")
    finally:
        box.stop()
    assert all(server.transport.closed for server in running.servers.values())


def test_a_balance_can_be_read_as_it_was_at_any_moment():
    woo, clock = shop()
    running = start_providers(woo, clock)
    try:
        first = running.paid_out("stripe")[0]
        just_after = running.balance("stripe", at=first[1])
        assert (
            just_after == running.balance("stripe", at=first[1].replace(second=1)) < running.balance("stripe", at=first[1].replace(minute=0, hour=4))
        )
        assert running.balance("stripe", at=NOW) == running.balance("stripe") == Decimal("-4.23")
    finally:
        running.stop()


def test_a_spec_sandbox_can_bring_the_providers(tmp_path):
    with embedded(load(write_spec(tmp_path), environ={}), providers=True) as (_, box):
        assert set(box.providers.urls) == {"mollie", "stripe", "paypal"}
        running = box.providers
    assert all(server.transport.closed for server in running.servers.values())
