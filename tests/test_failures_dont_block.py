"""Failures that do not block (issue 23 point 6) and a status that groups them (point 5):
`--limit` counts orders attempted, a plain run says how many wait and when and suggests
`runner retry` once the spec changed, `retry N` touches N alone, and `status` names one
message once with its count, its start and end labelled, in local time with the zone."""

from __future__ import annotations

import os
import time
from datetime import datetime
from decimal import Decimal


def refused_orders(box, n: int) -> list[int]:
    """`n` orders in June 2025, a period closed in Exact: each is refused with one message."""
    from runner.sandbox.woo.carts import Address, ProductLine

    box.exact.close_period(2025, 6)
    ids = []
    for day in range(1, n + 1):
        june = datetime(2025, 6, day, 11, 30)
        order = box.woo.place_order(
            lines=(ProductLine(188, "Espressobonen 1 kg", Decimal("24.20"), 1, sku="ESP-1KG"),),
            billing=Address("Iris", "Bos", city="Delft", country="NL", email=f"iris{day}@example.nl"),
            created=june,
            paid=june,
            completed=june,
            status="completed",
        )
        ids.append(order["id"])
    return ids


def test_limit_counts_orders_attempted_not_only_booked(sync_box):
    box = sync_box(orders=0)
    refused_orders(box, 5)
    result = box.run("run", "--limit", "1")
    assert result.exit_code == 1
    assert len(box.ledger().failures()) == 1, result.output  # one attempt, not five failures with back-off


def test_retry_of_one_order_touches_that_order_alone(sync_box):
    box = sync_box(orders=0)
    first, second, *_ = refused_orders(box, 3)
    assert box.run("run").exit_code == 1
    box.exact.open_period(2025, 6)
    result = box.run("retry", str(first))
    assert result.exit_code == 0, result.output
    assert "booked 1 order(s)" in result.output
    assert sorted(f["order"] for f in box.ledger().failures()) == sorted([second, _[0]])  # still waiting, untouched


def test_a_plain_run_says_what_waits_and_suggests_retry_once_the_spec_changed(sync_box):
    box = sync_box(orders=0)
    refused_orders(box, 3)
    assert box.run("run").exit_code == 1
    again = box.run("run")
    assert "3 failed order(s) wait to be retried; the next retry is due at " in again.output, again.output
    assert "runner retry" not in again.output.split("wait to be retried")[1].split("\n", 1)[1]
    later = time.time() + 5
    os.utime(box.spec, (later, later))  # saved again, as it was: the spec says the same, so nothing to suggest
    touched = box.run("run")
    assert "runner retry" not in touched.output.split("wait to be retried")[1].split("\n", 1)[1], touched.output
    box.spec.write_text(box.spec.read_text() + 'booking:\n  description: "Webwinkel {{ order.number }}"\n')  # the consultant changed it
    fixed = box.run("run")
    assert f"the spec changed since they failed: `runner retry {box.spec}` retries them now" in fixed.output, fixed.output


def test_status_groups_failures_by_message_and_labels_start_and_end_in_local_time(sync_box, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    try:
        box = sync_box(orders=2)
        refused_orders(box, 4)
        assert box.run("run").exit_code == 1
        shown = box.run("status").output
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "  4 orders: Periode is afgesloten" in shown, shown
    assert shown.count("Periode is afgesloten") == 1
    last = next(line for line in shown.splitlines() if line.startswith("last run: "))
    assert "started " in last and ", ended " in last and (" CET" in last or " CEST" in last), last


def test_status_of_several_specs_is_a_table_one_row_per_client(sync_box, cli):
    one, two = sync_box(orders=3), sync_box(orders=0)
    refused_orders(two, 2)
    assert one.run("run").exit_code == 0 and two.run("run").exit_code == 1
    result = cli("status", str(one.spec), str(two.spec))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["spec", "now", "booked", "failed", "last", "run", "ended", "login"]
    row = {line.split()[0]: line.split() for line in lines[1:]}
    assert row[str(one.spec)][1] == "ok" and row[str(two.spec)][1:4] == ["failures", "0", "2"]
