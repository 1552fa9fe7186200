"""Driving an incremental sync in-process: status changes, refunds and new orders on a
hand-moved clock, found again through modified_after; and the old-store behaviour."""

from __future__ import annotations

from decimal import Decimal

from woo_fixtures import all_pages, clock, http, woo, woo_server  # noqa: F401 - fixtures

from runner.sandbox.woo.carts import Address, ProductLine
from runner.sandbox.woo.invariants import check_order, check_refund


def cursor(clock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%S")


def changed_since(http, since: str) -> list[int]:
    return sorted(o["id"] for o in all_pages(http, "/orders", modified_after=since, dates_are_gmt="true", orderby="id", order="asc", per_page=100))


def test_changes_after_a_cursor_are_found_again(http, woo, clock):
    assert len(all_pages(http, "/orders", per_page=100)) == len(woo.orders)
    since = cursor(clock)
    assert changed_since(http, since) == []

    clock.advance(minutes=15)
    processing = next(o["id"] for o in woo.orders.values() if o["status"] == "processing")
    woo.set_status(processing, "completed")
    completed = next(
        o for o in woo.orders.values() if o["status"] == "completed" and not o["refunds"] and o["id"] != processing and Decimal(o["total"]) > 0
    )
    line = completed["line_items"][0]
    refund = woo.add_refund(completed["id"], [(line["id"], 1)], reason="Retour")
    new = woo.place_order(
        lines=(ProductLine(188, "Espressobonen 1 kg", Decimal("24.20"), 2),), billing=Address("Lies", "Smit", country="NL", email="Lies@Example.nl")
    )
    assert changed_since(http, since) == sorted([processing, completed["id"], new["id"]])

    after = woo.orders[processing]
    assert after["date_completed_gmt"] == after["date_modified_gmt"] == cursor(clock)
    assert new["date_created_gmt"] == cursor(clock) and check_order(new) == []
    assert check_refund(woo.orders[completed["id"]], refund) == []
    assert http.get(f"/orders/{completed['id']}/refunds").json()[0] == refund

    since = cursor(clock)
    clock.advance(minutes=15)
    woo.touch(new["id"])
    assert changed_since(http, since) == [new["id"]]


def test_a_full_refund_makes_the_order_refunded(http, woo, clock):
    order = next(o for o in woo.orders.values() if o["status"] == "completed" and not o["refunds"] and Decimal(o["total"]) > 0)
    clock.advance(days=1)
    refund = woo.add_refund(order["id"], amount=order["total"], reason="Geannuleerd")
    fetched = http.get(f"/orders/{order['id']}").json()
    assert fetched["status"] == "refunded" and fetched["total"] == order["total"]
    assert fetched["refunds"][0] == {"id": refund["id"], "reason": "Geannuleerd", "total": "-" + order["total"]}
    assert refund["line_items"] == [] and check_order(fetched) == []


def test_an_old_store_returns_everything_for_modified_after(http, woo, clock):
    woo.old_store = True
    assert len(changed_since(http, cursor(clock))) == len(woo.orders)
