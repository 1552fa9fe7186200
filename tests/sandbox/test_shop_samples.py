"""The fidelity test of the order builder: the reference samples rebuilt from cart
descriptions, field for field, and the section-12 checks on samples and on tampered copies."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from woo_fixtures import sample_orders, sample_refunds

from runner.sandbox.woo.invariants import check_order, check_refund
from runner.sandbox.woo.orders import build_order
from runner.sandbox.woo.refunds import apply_refund, build_refund
from runner.sandbox.woo.samples import ORDER_4101, ORDER_4120, ORDER_4140, REFUND_4150, REFUND_4150_SAVED

ORDER_MONEY = ("discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax", "total", "total_tax")


def rebuilt(order_id: int) -> dict:
    if order_id == 4140:
        order = build_order(ORDER_4140)
        return apply_refund(order, build_refund(order, REFUND_4150), REFUND_4150_SAVED)
    return build_order({4101: ORDER_4101, 4120: ORDER_4120}[order_id])


@pytest.mark.parametrize("order_id", [4101, 4120, 4140])
def test_money_fields_tax_lines_and_tax_entries_equal_the_sample(order_id):
    sample, built = sample_orders()[order_id], rebuilt(order_id)
    assert {f: built[f] for f in ORDER_MONEY} == {f: sample[f] for f in ORDER_MONEY}
    assert built["tax_lines"] == sample["tax_lines"]
    for kind in ("line_items", "shipping_lines", "fee_lines", "coupon_lines"):
        assert built[kind] == sample[kind], kind
    assert built["refunds"] == sample["refunds"]


@pytest.mark.parametrize("order_id", [4101, 4120, 4140])
def test_whole_order_equals_the_sample_including_key_order(order_id):
    sample, built = sample_orders()[order_id], rebuilt(order_id)
    assert built == sample
    assert list(built) == list(sample)


def test_refund_4150_equals_the_sample():
    refund = build_refund(build_order(ORDER_4140), REFUND_4150)
    assert refund == sample_refunds()["4140"][0]


def test_partial_refund_keeps_totals_and_status():
    before = build_order(ORDER_4140)
    after = rebuilt(4140)
    assert after["status"] == before["status"] == "completed"
    assert {f: after[f] for f in ORDER_MONEY} == {f: before[f] for f in ORDER_MONEY}
    assert before["refunds"] == [] and after["refunds"] == [{"id": 4150, "reason": "Retour: verkeerde maat", "total": "-18.15"}]


def test_price_is_a_json_number_and_taxes_are_raw_strings():
    line = rebuilt(4101)["line_items"][0]
    assert line["price"] == 18 and isinstance(line["price"], int)
    assert line["taxes"] == [{"id": 1, "total": "7.56", "subtotal": "8.4"}]


@pytest.mark.parametrize("order_id", [4101, 4120, 4140])
def test_check_order_passes_on_the_samples(order_id):
    assert check_order(sample_orders()[order_id]) == []


def test_check_refund_passes_on_the_sample_refund():
    assert check_refund(sample_orders()[4140], sample_refunds()["4140"][0]) == []


def tampered(order_id: int, change) -> list[str]:
    order = copy.deepcopy(sample_orders()[order_id])
    change(order)
    return check_order(order)


def test_check_order_catches_a_total_one_cent_off():
    problems = tampered(4101, lambda o: o.update(total="69.24"))
    assert any("total vs" in p for p in problems)


def test_check_order_catches_a_tax_entry_that_does_not_add_up():
    def change(order):
        order["line_items"][0]["taxes"][0]["total"] = "7.57"

    assert any("total_tax vs" in p for p in tampered(4101, change))


def test_check_order_catches_a_wrong_split_of_a_negative_fee():
    def change(order):
        fee = order["fee_lines"][0]
        fee["taxes"][0]["total"], fee["taxes"][1]["total"] = "-1.17", "-0.27"
        order["tax_lines"][0]["tax_total"], order["tax_lines"][1]["tax_total"] = "11.43", "1.53"

    assert any("fee" in p and "rate 1" in p for p in tampered(4120, change))


def test_check_order_catches_customer_link_on_a_guest_and_gmt_drift():
    assert any("_links.customer" in p for p in tampered(4101, lambda o: o["_links"].update(customer=[{"href": "x"}])))
    assert any("date_paid" in p for p in tampered(4101, lambda o: o.update(date_paid_gmt="2024-03-12T14:06:02")))


def test_check_order_catches_a_non_money_string():
    assert any("money string" in p for p in tampered(4120, lambda o: o.update(cart_tax="12.960")))


def test_check_refund_catches_an_amount_that_does_not_match_its_items():
    refund = copy.deepcopy(sample_refunds()["4140"][0])
    refund["amount"] = "18.16"
    assert any("items sum to" in p for p in check_refund(sample_orders()[4140], refund))


def test_sample_totals_are_what_the_customer_paid():
    for order in sample_orders().values():
        gross = sum(Decimal(i["total"]) + Decimal(i["total_tax"]) for kind in ("line_items", "fee_lines", "shipping_lines") for i in order[kind])
        assert gross == Decimal(order["total"])
