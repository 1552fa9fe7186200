"""Refunds as WooCommerce makes them: itemized (with shipping), amount-only and full."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest

from runner.sandbox.woo.carts import RefundItem, RefundRequest
from runner.sandbox.woo.invariants import check_order, check_refund
from runner.sandbox.woo.orders import build_order
from runner.sandbox.woo.refunds import refund_order
from runner.sandbox.woo.samples import ORDER_4101, ORDER_4140

LATER = datetime(2024, 9, 25, 10, 0)
TOTALS = ("total", "total_tax", "cart_tax", "shipping_total", "shipping_tax", "discount_total", "discount_tax")


def refund(order: dict, **fields) -> tuple[dict, dict]:
    after, made = refund_order(order, RefundRequest(id=order["id"] + 50, created=LATER, **fields))
    assert check_refund(after, made) == [] and check_order(after) == []
    assert {f: after[f] for f in TOTALS} == {f: order[f] for f in TOTALS}
    return after, made


def test_itemized_refund_with_shipping_negates_the_items_and_their_taxes():
    order = build_order(ORDER_4101)
    mok, shipping = order["line_items"][0], order["shipping_lines"][0]
    after, made = refund(order, items=(RefundItem(mok["id"], 1), RefundItem(shipping["id"])), reason="Kapot")
    item = made["line_items"][0]
    assert (item["quantity"], item["total"], item["total_tax"], item["price"]) == (-1, "-18.00", "-3.78", 18)
    assert item["taxes"] == [{"id": 1, "total": "-3.78", "subtotal": "-3.78"}]
    assert made["shipping_lines"][0]["total"] == "-5.00" and made["shipping_lines"][0]["total_tax"] == "-1.05"
    assert {m["key"]: m["value"] for m in made["shipping_lines"][0]["meta_data"]}["_refunded_item_id"] == str(shipping["id"])
    assert [(t["rate_id"], t["tax_total"], t["shipping_tax_total"]) for t in made["tax_lines"]] == [(1, "-3.78", "-1.05")]
    assert made["amount"] == "27.83"  # 18.00 + 3.78 + 5.00 + 1.05
    assert after["refunds"] == [{"id": 4151, "reason": "Kapot", "total": "-27.83"}]
    assert after["status"] == "processing" and after["date_modified"] == "2024-09-25T10:00:00"


def test_amount_only_refund_has_no_items_and_no_tax_lines():
    after, made = refund(build_order(ORDER_4140), amount=D("5.00"), reason="Coulance")
    assert (made["line_items"], made["shipping_lines"], made["fee_lines"], made["tax_lines"]) == ([], [], [], [])
    assert made["amount"] == "5.00" and after["refunds"][0]["total"] == "-5.00"
    assert after["status"] == "completed"


def test_refunds_that_reach_the_total_make_the_order_refunded_newest_first():
    order = build_order(ORDER_4140)
    first, _ = refund(order, amount=D("50.00"))
    second, made = refund_order(first, RefundRequest(id=4199, created=LATER, amount=D("40.75")))
    assert check_order(second) == [] and check_refund(second, made) == []
    assert second["status"] == "refunded" and second["total"] == "90.75"
    assert [r["id"] for r in second["refunds"]] == [4199, 4190]


def test_full_itemized_refund_sums_to_the_order_total():
    order = build_order(ORDER_4140)
    items = tuple(RefundItem(i["id"], i.get("quantity", 0)) for k in ("line_items", "shipping_lines") for i in order[k])
    after, made = refund(order, items=items)
    assert made["amount"] == order["total"] and after["status"] == "refunded"


def test_refunding_more_than_is_left_is_refused():
    order = build_order(ORDER_4140)
    with pytest.raises(ValueError, match="Invalid refund amount"):
        refund_order(order, RefundRequest(id=4199, created=LATER, amount=D("90.76")))
    with pytest.raises(ValueError):
        refund_order(order, RefundRequest(id=4199, created=LATER, items=(RefundItem(order["line_items"][0]["id"], 2),)))
    with pytest.raises(ValueError):
        refund_order(order, RefundRequest(id=4199, created=LATER, items=(RefundItem(999999, 1),)))
