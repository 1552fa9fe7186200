"""`runner preview` of a booking.mode daily_summary spec (issue 14 #2) shows what a run would
post: one summary per day, journal and kind with its Exact payload and the orders behind it,
in paid mode its payment entries per payment journal, and a day not closed yet as such; the
JSON names for every order the summary it lands in. Offline from an orders file, and online
against the sandbox, where the preview's payloads are what the run then posts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal as D

from runner.sandbox.woo.carts import Cart
from runner.sandbox.woo.orders import build_order
from tests.conftest import write_spec
from tests.test_daily_paid import PAID, payment_lines, place, two_days_ago
from tests.test_daily_summary import BEANS, IRIS, TEA, mixed_day, summaries


def orders_file(tmp_path) -> tuple[list[dict], dict]:
    """A closed day of five orders, and one order of today (its day is still open)."""
    day = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    closed = mixed_day(day)
    today = build_order(
        Cart(id=80_000, billing=IRIS, lines=(BEANS,), created=datetime.now().replace(microsecond=0), status="completed", payment_method="paypal")
    )
    path = tmp_path / "orders.json"
    path.write_text(json.dumps([*closed, today]))
    return closed, today


def test_an_offline_preview_shows_the_days_summaries_and_their_payments(tmp_path, cli):
    closed, today = orders_file(tmp_path)
    spec = str(write_spec(tmp_path, PAID))
    day, now = closed[0]["date_created"][:10], today["date_created"][:10]
    table = cli("preview", spec, "--orders-file", str(tmp_path / "orders.json"))
    assert table.exit_code == 0, table.output
    rows = [line for line in table.stdout.splitlines() if line.startswith("WC ")]
    assert [row.split()[:2] for row in rows] == [["WC", day], ["WC", now]]  # one row per day summary, none per order
    assert f"  WC {day}: sale summary in journal 70, 5 document(s): " + ", ".join(o["number"] for o in closed) in table.stdout
    assert f"payment entry in journal 20: {sum(D(o['total']) for o in closed)} for 5 document(s)" in table.stdout
    assert f"payment entry in journal 21: {today['total']} for 1 document(s)" in table.stdout
    assert "the day is not closed yet: a run keeps its orders" in table.stdout
    assert "2 day summary(ies) of 6 document(s) from 6 order(s)" in table.stdout

    items = json.loads(cli("preview", spec, "--orders-file", str(tmp_path / "orders.json"), "--format", "json").stdout)
    per_order = {item["order"]: item["summary"] for item in items if "order" in item}
    assert per_order == {**{o["id"]: f"WC {day}" for o in closed}, today["id"]: f"WC {now}"}  # every order, and where it lands
    first, second = [item for item in items if "orders" in item]
    assert (first["closed"], second["closed"]) == (True, False)
    assert first["endpoint"] == "salesentry/SalesEntries" and first["payload"]["YourRef"] == f"WC {day}"
    assert first["payload"]["Customer"] == "<account 2>" and first["orders"] == [o["number"] for o in closed]
    booked = sum(D(line["AmountFC"]) + D(line.get("VATAmountFC", "0")) for line in first["payload"]["SalesEntryLines"])
    assert booked == sum(D(o["total"]) for o in closed)
    (paying,) = first["payments"]
    assert paying["endpoint"] == "financialtransaction/BankEntries" and paying["payload"]["BankEntryLines"][0]["AmountFC"] == f"{booked}"


def test_an_online_preview_shows_what_the_run_then_posts(sync_box):
    box = sync_box(orders=0, extra=PAID)
    place(box, two_days_ago(), ["bacs", "paypal", "stripe"], lines=(BEANS, TEA))
    shown = box.run("preview", "--format", "json")
    assert shown.exit_code == 0, shown.output
    (summary,) = [item for item in json.loads(shown.stdout) if "orders" in item]
    assert box.run("run").exit_code == 0
    (entry,) = summaries(box).values()
    lines = lambda ls: sorted((ln["GLAccount"], D(str(ln["AmountFC"])), D(str(ln.get("VATAmountFC") or 0))) for ln in ls)  # noqa: E731
    assert lines(summary["payload"]["SalesEntryLines"]) == lines(entry["SalesEntryLines"])
    assert summary["payload"]["Customer"] == entry["Customer"]
    paid = {line["Journal"]: D(str(line["AmountFC"])) for line in payment_lines(box)}
    assert {p["journal"]: D(p["amount"]) for p in summary["payments"]} == paid


def test_an_online_preview_after_the_day_was_booked_shows_the_correction(sync_box):
    box = sync_box(orders=0, extra=PAID)
    day = two_days_ago()
    place(box, day, ["bacs"])
    assert box.run("run").exit_code == 0
    late = box.woo.place_order(lines=(TEA,), billing=IRIS, status="completed", created=day + timedelta(hours=1))
    box.woo.orders[late["id"]]["date_completed"] = box.woo.orders[late["id"]]["date_paid"] = (day + timedelta(hours=1)).isoformat()
    items = json.loads(box.run("preview", "--format", "json").stdout)
    assert {item["order"]: item["summary"] for item in items if "order" in item} == {late["id"]: f"WC {day.date().isoformat()} #2"}
