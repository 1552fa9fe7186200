"""The official `woocommerce` Python client against the sandbox over http://127.0.0.1: it
signs with OAuth 1.0a (HMAC-SHA256) and must page through every order exactly once. It is no
httpx client (it uses requests), so the shop is served on a real socket here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from woo_fixtures import all_pages
from woocommerce import API

from runner.sandbox.server import SandboxServer
from runner.sandbox.woo.api import DEFAULT_KEY, ManualClock, WooSimulator
from tests.conftest import HANG


@pytest.fixture(scope="module")
def store() -> Iterator[tuple[WooSimulator, API]]:
    sim = WooSimulator.demo(57, seed=3, clock=ManualClock())  # the client signs with the real time
    with SandboxServer(sim) as server:
        yield (
            sim,
            API(url=server.url, consumer_key=DEFAULT_KEY.consumer_key, consumer_secret=DEFAULT_KEY.consumer_secret, version="wc/v3", timeout=HANG),
        )


@pytest.mark.parametrize("params", [{"per_page": 10}, {"per_page": 25, "orderby": "id", "order": "asc"}, {"per_page": 100, "orderby": "modified"}])
def test_the_client_gets_every_order_exactly_once(store, params):
    sim, api = store
    ids = [o["id"] for o in all_pages(api, "orders", **params)]
    assert len(ids) == len(set(ids)) == len(sim.orders)


def test_the_client_filters_by_a_comma_separated_status_list(store):
    sim, api = store
    wanted = {o["id"] for o in sim.orders.values() if o["status"] in ("completed", "refunded")}
    assert {o["id"] for o in all_pages(api, "orders", status="completed,refunded", per_page=20)} == wanted


def test_the_client_reads_single_orders_refunds_and_products(store):
    sim, api = store
    order_id, refunds = next(iter(sim.refunds.items()))
    assert api.get(f"orders/{order_id}").json() == sim.orders[order_id]
    assert api.get(f"orders/{order_id}/refunds").json() == refunds
    assert api.get("products/310/variations").status_code == 200
    assert api.get("orders/1").json()["code"] == "woocommerce_rest_shop_order_invalid_id"
