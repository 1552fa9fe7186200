"""The seeded demo history: deterministic, sound (every order and refund passes the
checks), varied enough to exercise a sync, consistent with the demo catalogue, and fast."""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

import pytest

from runner.sandbox.woo.catalog import demo_catalog
from runner.sandbox.woo.demo import DemoData, generate_orders
from runner.sandbox.woo.invariants import check_order, check_refund

EU = {"NL", "BE", "DE", "FR"}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_orders(1500, seed=5)


def test_same_seed_same_history_other_seed_other_history():
    assert generate_orders(80, seed=3) == generate_orders(80, seed=3)
    assert generate_orders(80, seed=3).orders != generate_orders(80, seed=4).orders


def test_every_order_and_refund_passes_the_checks(demo):
    problems = [p for o in demo.orders for p in check_order(o)]
    problems += [p for o in demo.orders for r in demo.refunds.get(o["id"], []) for p in check_refund(o, r)]
    assert problems == []


def test_ids_are_unique_and_increase_with_time(demo):
    ids = [o["id"] for o in demo.orders] + [r["id"] for rs in demo.refunds.values() for r in rs]
    assert len(ids) == len(set(ids))
    created = [o["date_created_gmt"] for o in demo.orders]
    assert created == sorted(created)
    for order in demo.orders:
        for r in demo.refunds.get(order["id"], []):
            assert r["id"] > order["id"] and r["date_created_gmt"] > order["date_created_gmt"]


def taxes_of(order: dict) -> set[int]:
    return {t["rate_id"] for t in order["tax_lines"]}


def test_sixteen_orders_hold_every_special_case():
    data = generate_orders(16, seed=1)
    orders = data.orders
    meta = [{m["key"]: m["value"] for m in o["meta_data"]} for o in orders]
    assert any(
        m["is_vat_exempt"] == "yes" and m.get("_billing_vat_number", "")[:2] in EU and o["billing"]["country"] != "NL" and not o["tax_lines"]
        for o, m in zip(orders, meta)
    )
    assert any(o["billing"]["country"] not in EU and not o["tax_lines"] for o in orders)
    assert any(o["billing"]["country"] == "DE" and 4 in taxes_of(o) for o in orders)
    assert any(o["total"] == "0.00" and o["coupon_lines"] for o in orders)
    assert {"processing", "completed", "on-hold", "cancelled", "pending", "refunded"} <= {o["status"] for o in orders}
    refunds = [r for rs in data.refunds.values() for r in rs]
    assert any(r["line_items"] for r in refunds) and any(not r["line_items"] for r in refunds)
    assert any(o["status"] == "refunded" for o in orders)
    assert any(f["total"].startswith("-") for o in orders for f in o["fee_lines"])
    assert any(Decimal(f["total"]) > 0 for o in orders for f in o["fee_lines"])
    assert {True, False} <= {o["prices_include_tax"] for o in orders}


def test_repeat_customers_type_their_email_in_another_case(demo):
    by_address = defaultdict(set)
    for o in demo.orders:
        by_address[(o["billing"]["first_name"], o["billing"]["address_1"])].add(o["billing"]["email"])
    assert any(len(emails) > 1 and len({e.lower() for e in emails}) == 1 for emails in by_address.values())
    assert any(o["customer_id"] == 0 for o in demo.orders) and any(o["customer_id"] for o in demo.orders)


def test_the_history_mixes_rates_coupons_shipping_and_payment(demo):
    assert {1, 2, 3, 4} <= set().union(*(taxes_of(o) for o in demo.orders))
    assert {"percent", "fixed_cart", "fixed_product"} <= {c["discount_type"] for o in demo.orders for c in o["coupon_lines"]}
    methods = {s["method_id"] for o in demo.orders for s in o["shipping_lines"]}
    assert {"flat_rate", "free_shipping", "local_pickup"} <= methods
    assert len({o["payment_method"] for o in demo.orders}) >= 5


def test_order_lines_match_the_catalogue(demo):
    catalog = demo_catalog()
    products = {p["id"]: p for p in catalog.products}
    variations = {v["id"]: (pid, v) for pid, vs in catalog.variations.items() for v in vs}
    for line in (li for o in demo.orders for li in o["line_items"]):
        if line["variation_id"]:
            parent, variation = variations[line["variation_id"]]
            assert parent == line["product_id"] and variation["sku"] == line["sku"]
        else:
            assert products[line["product_id"]]["sku"] == line["sku"]
            assert products[line["product_id"]]["tax_class"] == line["tax_class"]
    assert all(isinstance(p["price"], str) for p in catalog.products)
    assert {"simple", "variable"} == {p["type"] for p in catalog.products}


def test_ten_thousand_orders_in_a_few_seconds():
    began = time.process_time()  # CPU time: what else runs on the machine does not count
    data = generate_orders(10_000, seed=2)
    assert len(data.orders) == 10_000
    assert time.process_time() - began < 15
