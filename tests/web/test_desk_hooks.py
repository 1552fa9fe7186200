"""WooCommerce's webhooks on the desk: a ping answered, a wrong signature or an oversized body
refused before anything runs, and a signed delivery booking the order within a generous
deadline (never a timed assertion); a burst of deliveries is one run."""

from __future__ import annotations

import json

from runner.web.hooks import MAX_BODY, signature
from tests.web.conftest import SECRET, with_hook_secret

DEADLINE = 120  # seconds: only a hung worker reaches it


def deliver(browser, order: dict, secret: str = SECRET, name: str = "client0"):
    body = json.dumps(order).replace("/", "\\/").encode()  # as PHP's json_encode writes it
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Signature": signature(body, secret)}
    return browser.post(f"/hooks/{name}", content=body, headers=headers)


def completed_now(box) -> dict:
    """An order completed in the shop just now, after the last run."""
    from decimal import Decimal

    from runner.sandbox.woo.carts import Address, ProductLine

    now = box.woo.local_now()
    return box.woo.place_order(
        lines=(ProductLine(188, "Espressobonen 1 kg", Decimal("24.20"), 1, sku="ESP-1KG"),),
        billing=Address("Sem", "Vos", city="Gouda", country="NL", email="sem@example.nl"),
        paid=now,
        completed=now,
        status="completed",
    )


def test_a_ping_is_answered_and_books_nothing(sync_box, desk_of):
    box = sync_box(orders=2)
    with_hook_secret(box)
    desk, _, browser = desk_of(box)
    response = browser.post("/hooks/client0", content=b"webhook_id=17", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and desk.due == {}


def test_a_wrong_signature_or_a_huge_body_is_refused(sync_box, desk_of):
    box = sync_box(orders=2)
    with_hook_secret(box)
    desk, _, browser = desk_of(box)
    order = next(iter(box.woo.orders.values()))
    assert deliver(browser, order, secret="not-the-secret").status_code == 401
    unsigned = browser.post("/hooks/client0", content=json.dumps(order).encode(), headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    assert browser.post("/hooks/client0", content=b"x" * (MAX_BODY + 1), headers={"X-WC-Webhook-Signature": "x"}).status_code == 413
    assert desk.due == {} and box.documents() == []


def test_a_spec_without_a_webhook_secret_takes_no_delivery(sync_box, desk_of):
    box = sync_box(orders=2)
    desk, _, browser = desk_of(box)
    order = next(iter(box.woo.orders.values()))
    assert deliver(browser, order, secret="").status_code == 401 and desk.due == {}


def test_a_signed_delivery_books_the_order_within_seconds(sync_box, desk_of):
    box = sync_box(orders=3)
    with_hook_secret(box)
    assert box.run("run").exit_code == 0
    new = completed_now(box)
    desk, _, browser = desk_of(box)
    for _ in range(3):  # WooCommerce sends order.updated more than once for one save; the worker starts after, so no timing decides
        assert deliver(browser, new).status_code == 202
    desk.start()
    assert desk.wait_for_runs(1, DEADLINE)
    assert new["number"] in {str(d.get("YourRef")) for d in box.documents()}
    assert desk.runs == 1 and desk.due == {}  # the burst was one run


def test_a_delivery_while_cron_runs_waits_for_the_lock(sync_box, desk_of):
    from runner.ledger.lock import run_lock
    from runner.spec import load
    from runner.web import desk as desk_module
    from runner.web.data import lock_path

    box = sync_box(orders=2)
    with_hook_secret(box)
    desk, _, browser = desk_of(box)
    lock = run_lock(lock_path(load(box.spec)))
    lock.acquire()
    try:
        desk.start()
        assert deliver(browser, next(iter(box.woo.orders.values()))).status_code == 202
        assert desk.wait_for_runs(1, DEADLINE)
        assert box.documents() == [] and "client0" in desk.due  # busy: tried again later, nothing booked beside cron
        assert desk.next_run("client0") <= desk_module.BUSY_AGAIN
    finally:
        lock.release()


def test_serve_every_runs_each_client_on_the_schedule(sync_box):
    """`serve --every`: every client runs at once, then again an interval later (the safety
    net beside the webhooks); the overview says when."""
    from runner.web.desk import Desk

    boxes = [sync_box(orders=2), sync_box(orders=2, seed=9)]
    desk = Desk([box.spec for box in boxes], every=3600)
    try:
        desk.start()
        assert desk.wait_for_runs(2, DEADLINE)
        assert all(len(box.documents()) == 2 for box in boxes)
        assert all(0 < desk.next_run(name) <= 3600 for name in desk.clients)
    finally:
        desk.stop()


def test_a_clients_webhook_runs_are_a_minute_apart_at_least(sync_box):
    """Every run costs Exact calls even when nothing is due: a shop sending a delivery a second
    gets a run within seconds of a quiet spell, and then one a minute (the clock is the test's)."""
    from runner.web.desk import GAP, Desk

    box = sync_box(orders=2)
    now = [1000.0]
    desk = Desk([box.spec], debounce=0.0, clock=lambda: now[0])
    try:
        desk.start()
        desk.poke("client0")
        assert desk.wait_for_runs(1, DEADLINE)
        desk.poke("client0")  # the next delivery, right after
        assert desk.next_run("client0") == GAP and desk.runs == 1
        now[0] += GAP
        desk.poke("client0")  # a delivery a minute later wakes the worker: the run is due now
        assert desk.wait_for_runs(2, DEADLINE)
    finally:
        desk.stop()
