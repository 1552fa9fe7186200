"""The Source port hands out the domain's listed orders and refunds, never WooCommerce's JSON
(issue 20 #2): the WooCommerce adapter reads the REST shape, the pipeline decides what is due
from what a listing says and reads an order (asking for its products' categories) only then."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from runner.adapters.woo.source import WooCommerce
from runner.domain.listed import Listed, ListedRefund
from runner.domain.model import Order, Refund
from runner.errors import BookingError
from runner.sandbox.woo.auth import DEFAULT_KEY

START = datetime(2026, 3, 2, 9, 0)  # the first order, shop-local: no test reads today's date


@pytest.fixture
def shop(sync_box):
    box = sync_box(orders=30, start=START)
    source = WooCommerce(box.box.woo_url, DEFAULT_KEY.consumer_key, DEFAULT_KEY.consumer_secret)
    yield box, source
    source.close()


def products_asked(box) -> list[str]:
    return [path for _, path in box.woo.log if "/products/" in path]


def test_a_listing_yields_listed_orders_that_say_what_is_due_without_being_read(shop):
    box, source = shop
    listed = list(source.orders())
    orders = box.woo.orders
    assert listed and all(isinstance(o, Listed) for o in listed)
    assert [o.id for o in listed] == sorted(orders)
    assert {o.id: (o.status, o.changed) for o in listed} == {n: (o["status"], o["date_modified_gmt"]) for n, o in orders.items()}
    due = {o.id for o in listed if o.reached({"completed", "processing"})}
    assert due == {o["id"] for o in box.due()}
    assert products_asked(box) == []  # deciding what is due reads no product


def test_a_listed_order_is_read_into_the_domain_order_asking_categories_only_then(shop):
    box, source = shop
    first = next(iter(source.orders()))
    raw = box.woo.orders[first.id]
    plain = first.read()
    assert isinstance(plain, Order) and plain.number == raw["number"] and plain.total == Decimal(raw["total"])
    assert products_asked(box) == [] and all(item.categories == () for item in plain.items)
    read = first.read(source.categories)
    asked = {int(path.split("/products/")[1].split("?")[0]) for path in products_asked(box)}
    assert asked == {item.product_id for item in read.items if item.product_id}
    assert all(item.categories == source.categories(item.product_id) for item in read.items)


def test_refunds_come_as_listed_refunds_read_against_their_order(shop):
    box, source = shop
    refunded = {n for n, o in box.woo.orders.items() if o.get("refunds")}
    assert refunded, "the demo shop has refunds"
    assert source.refund_parents(None) == refunded
    order_id = min(refunded)
    order = source.order(order_id).read()
    given = source.refunds(order_id)
    assert given and all(isinstance(r, ListedRefund) for r in given)
    assert sorted(r.id for r in given) == sorted(r["id"] for r in box.woo.orders[order_id]["refunds"])
    credit = given[0].read(order)
    assert isinstance(credit, Refund) and credit.id == given[0].id and credit.amount > 0


def test_an_order_whose_data_cannot_be_read_is_listed_and_fails_only_when_read(shop):
    box, source = shop
    nan, no_lines = box.due()[1], box.due()[2]
    nan["total"] = "NaN"
    no_lines["line_items"] = {"0": no_lines["line_items"][0]}
    listed = {o.id: o for o in source.orders()}
    assert listed[nan["id"]].reached({"completed", "processing"}) and listed[no_lines["id"]].reached({"completed", "processing"})
    with pytest.raises(BookingError, match="total is 'NaN', which is not an amount"):
        listed[nan["id"]].read()
    with pytest.raises(BookingError, match=f"order {no_lines['number']}: the shop's data cannot be read"):
        listed[no_lines["id"]].read()
