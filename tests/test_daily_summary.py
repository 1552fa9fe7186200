"""booking.mode: daily_summary (issue 14 #2): one sales entry per shop-local day and journal on
the collective account, summed from the per-order documents to the cent; a day is booked once
it is closed, late orders go into a correction, a lost answer is looked up, refunds make the
day's credit entry. Pure tests for the summing, the sandbox end to end for the rest."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

from runner import spec as spec_module
from runner.adapters.woo.rest import parse_order
from runner.domain.booking import Booker
from runner.domain.summary import Day, closed, day_of, member, record, summarize
from runner.errors import SpecError
from runner.sandbox.host import Fault
from runner.sandbox.woo.carts import Address, Cart, Coupon, Fee, ProductLine, Shipping
from runner.sandbox.woo.orders import build_order
from tests.conftest import write_spec
from tests.test_exact_truth import engine

DAILY = 'booking:\n  mode: daily_summary\ncustomers:\n  collective: "2"\n'
IRIS = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")
BEANS = ProductLine(188, "Espressobonen 1 kg", D("24.20"), 2, sku="ESP-1KG")  # 21 %
TEA = ProductLine(190, "Thee assortiment", D("10.90"), 3, "reduced-rate", "THEE-ASS")  # 9 %
VOUCHER = ProductLine(180, "Cadeaubon 25 euro", D("25.00"), 1, "zero-rate", "BON-25")  # 0 %


def mixed_day(day: datetime, first_id: int = 70_000) -> list[dict]:
    """A day of orders at 21, 9 and 0 %, with shipping, coupons and a cart discount, prices
    with and without VAT."""
    carts = [
        dict(lines=(BEANS, TEA), shipping=(Shipping(cost=D("4.95")),)),
        dict(lines=(TEA, VOUCHER), coupons=(Coupon("welkom10", "percent", D(10)),)),
        dict(lines=(BEANS, TEA, VOUCHER), fees=(Fee("Korting", D("-5.00")),), shipping=(Shipping(cost=D("6.95")),)),
        dict(lines=(BEANS,), prices_include_tax=False, coupons=(Coupon("vijf", "fixed_cart", D(5)),)),
        dict(lines=(VOUCHER,)),
    ]
    return [
        build_order(Cart(id=first_id + n * 100, billing=IRIS, created=day + timedelta(hours=n + 1), status="completed", **cart))
        for n, cart in enumerate(carts)
    ]


def daily_spec(tmp_path: Path):
    return spec_module.load(write_spec(tmp_path, DAILY), environ={})


# ---- pure: the summing ----------------------------------------------------------------------


def test_a_days_summary_has_woocommerces_total_and_vat_per_code_to_the_cent(tmp_path):
    booker = Booker(daily_spec(tmp_path))
    raws = mixed_day(datetime(2026, 11, 26, 8))
    documents = [booker.book_order(parse_order(raw)) for raw in raws]
    summary = summarize([member(record(d, "2")) for d in documents], day_of(documents[0]))
    assert summary.your_ref == "WC 2026-11-26" and summary.entry_date == date(2026, 11, 26)
    assert summary.total == summary.booked_total == sum(D(raw["total"]) for raw in raws)
    code = {D(21): "2", D(9): "1", D(0): "0"}
    woo_vat: Counter = Counter()
    for raw in raws:  # WooCommerce's tax per rate (items and shipping), summed over the day
        for tax in raw["tax_lines"]:
            woo_vat[code[D(str(tax["rate_percent"]))]] += D(tax["tax_total"]) + D(tax["shipping_tax_total"])
    assert {c: v for c, v in summary.vat_by_code().items() if v} == {c: v for c, v in woo_vat.items() if v}
    assert len({(line.gl_account, line.vat_code) for line in summary.lines}) == len(summary.lines)  # one line per GL account and VAT code
    assert {line.gl_account for line in summary.lines} >= {"8000", "8010", "8020", "8050", "8070"}
    assert summary.members == tuple((d.order_id, None) for d in documents)


def test_a_correction_and_a_credit_say_so_in_their_your_ref():
    day = date(2026, 11, 26)
    assert Day("sale", "70", day).your_ref(2) == "WC 2026-11-26 #2"
    assert Day("credit", "70", day).your_ref() == "WC 2026-11-26 R"


def test_a_day_is_closed_after_the_shops_midnight_plus_the_grace():
    midnight = datetime.fromisoformat("2026-11-27T00:00:00+01:00").timestamp()  # Amsterdam, winter
    day, grace = date(2026, 11, 26), timedelta(hours=2)
    assert not closed(day, midnight + 2 * 3600 - 1, "Europe/Amsterdam", grace)
    assert closed(day, midnight + 2 * 3600, "Europe/Amsterdam", grace)


def test_the_spec_asks_for_a_collective_account_and_refuses_invoices_saying_why(tmp_path):
    path = write_spec(tmp_path, "booking:\n  mode: daily_summary\n  status: paid\n  target: sales_invoice\npayments:\n  journal: '20'\n")
    try:
        spec_module.load(path, environ={})
    except SpecError as error:
        text = " ".join(error.problems)
    else:
        raise AssertionError("a daily summary without a collective account was taken")
    assert "customers.collective is needed when booking.mode is daily_summary" in text
    assert "an invoice is a document for one customer" in text and "set booking.target: sales_entry" in text
    assert "paid" not in text  # paying a daily summary is built (tests/test_daily_paid.py)


# ---- end to end, in the sandbox ---------------------------------------------------------------


def summaries(box) -> dict[str, dict]:
    return {row["YourRef"]: row for row in box.exact.entries.values() if row["YourRef"].startswith("WC ")}


def after(day: date, hours: float = 3) -> float:
    """The runner's clock `hours` after the shop's midnight that ends `day` (Amsterdam)."""
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), ZoneInfo("Europe/Amsterdam"))
    return midnight.timestamp() + hours * 3600


def test_a_mixed_day_books_one_entry_on_the_collective_account_with_woocommerces_vat(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    raws = [box.woo.add_order(raw) for raw in mixed_day(day)]
    outcome = engine(box)
    assert sorted(outcome.booked) == sorted(raw["id"] for raw in raws) and not outcome.failed
    books = summaries(box)
    entry = books[f"WC {day.date().isoformat()}"]
    assert len(box.exact.entries) == 1
    collective = next(a for a in box.exact.accounts.values() if a["Code"].strip() == "2")
    assert entry["Customer"] == collective["ID"]
    assert D(str(entry["AmountFC"])) == sum(D(raw["total"]) for raw in raws)
    booked_vat = Counter()
    for line in entry["SalesEntryLines"]:
        booked_vat[line["VATCode"].strip()] += D(str(line.get("VATAmountFC") or 0))
    woo_vat: Counter = Counter()
    for raw in raws:
        for tax in raw["tax_lines"]:
            woo_vat[{21: "2", 9: "1", 0: "0"}[int(tax["rate_percent"])]] += D(tax["tax_total"]) + D(tax["shipping_tax_total"])
    assert {c: v for c, v in booked_vat.items() if v} == {c: v for c, v in woo_vat.items() if v}
    report = box.run("report", "--from", day.date().isoformat(), "--to", day.date().isoformat(), "--format", "json")
    assert report.exit_code == 0, report.output
    (summary,) = json.loads(report.output)["summaries"]
    assert summary["shop_total"] == summary["exact_total"] == f"{sum(D(raw['total']) for raw in raws):.2f}"
    assert sorted(summary["orders"]) == sorted(str(raw["id"]) for raw in raws)


def test_an_open_day_waits_in_the_ledger_and_is_booked_once_it_closes(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    today = box.woo.local_now()
    created = max(today - timedelta(minutes=5), datetime.combine(today.date(), datetime.min.time()))  # today, also just after midnight
    order = box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", created=created)
    first = engine(box)
    assert not first.booked and not box.exact.entries and not first.failed
    assert any("wait for their day to close" in note for note in first.notes)
    tomorrow = after(today.date(), hours=1)  # before the grace: still open
    assert not engine(box, clock=lambda: tomorrow).booked
    later = after(today.date(), hours=3)  # the order was not modified again: the ledger kept it
    assert engine(box, clock=lambda: later).booked == [order["id"]]
    assert list(summaries(box)) == [f"WC {today.date().isoformat()}"]
    assert not engine(box, clock=lambda: later).booked


def test_an_order_completed_after_its_day_was_booked_lands_in_a_correction(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    first = box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", created=day, completed=day)
    engine(box)
    late = box.woo.place_order(lines=(TEA,), billing=IRIS, status="processing", created=day + timedelta(hours=1))
    box.woo.set_status(late["id"], "completed")  # completed now, but paid on its day: orders.entry_date dates it then
    box.woo.orders[late["id"]]["date_completed"] = box.woo.orders[late["id"]]["date_paid"] = (day + timedelta(hours=1)).isoformat()
    outcome = engine(box)
    assert outcome.booked == [late["id"]]
    books = summaries(box)
    ref = f"WC {day.date().isoformat()}"
    assert sorted(books) == [ref, f"{ref} #2"]
    assert D(str(books[ref]["AmountFC"])) == D(first["total"]) and D(str(books[f"{ref} #2"]["AmountFC"])) == D(late["total"])
    assert not engine(box).booked


def test_a_lost_answer_to_a_summary_is_looked_up_never_posted_twice(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    orders = [box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", created=day + timedelta(minutes=n)) for n in range(3)]
    box.box.exact_server.faults.queue(Fault(lost=True, match=lambda r: r.method == "POST" and r.path.endswith("/salesentry/SalesEntries")))
    first = engine(box)
    assert not first.booked and set(first.failed) == {o["id"] for o in orders}
    second = engine(box)
    assert second.settled >= 1 and sorted(second.booked) == sorted(o["id"] for o in orders)
    assert len(box.exact.entries) == 1 and box.posts("salesentry/SalesEntries") == 1
    assert not engine(box).booked


def test_a_refund_makes_the_days_credit_entry(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    order = box.woo.place_order(lines=(BEANS, TEA), billing=IRIS, status="completed", created=day)
    engine(box)
    refund = box.woo.add_refund(order["id"], amount="10.00", reason="Coulance")
    today = box.woo.local_now().date()
    assert not engine(box).credits  # refunded today: the day is still open
    later = after(today)
    assert engine(box, clock=lambda: later).credits == [f"{order['id']}/{refund['id']}"]
    credit = summaries(box)[f"WC {today.isoformat()} R"]
    assert D(str(credit["AmountFC"])) == D("-10.00")


def test_a_busy_year_costs_under_five_hundredths_of_a_call_per_order(tmp_path):
    """bench/calls.py's daily_summary row, small: the calls of a run are a few reads and one
    post per day, whatever the number of orders. The dates are pinned: payments go out per
    journal and month, and 200 minutes of orders may cross midnight, so the wall clock would
    change the count. Every tenth order is an ICP supply, booked per order on its company's
    account (issue 22 #11): one post each, and the account made once per company. A payment
    entry opens on its journal's balance (Exact: opening + lines = closing), read once a run per
    journal: a cost per run and journal, not per order."""
    import bench.calls as calls

    now = datetime(2026, 3, 20, 12, 0)
    shop = calls.orders(200, 100, start=datetime(2026, 3, 2, 9, 0))
    for status in ("sent", "paid"):  # paid: one payment entry more per day and payment journal
        (tmp_path / status).mkdir()
        result = calls.book("sales_entry", status, shop, tmp_path / status, mode="daily_summary", now=now)
        assert result["booked"] == 200 and not result["failed"] and result["new_accounts"] == 3
        icp = 20  # bench/calls.py orders: every tenth to a company in another member state
        summed = result["calls"] - icp - 2 * result["new_accounts"]  # an ICP entry each; each account looked up once, then made
        assert result["balance_reads"] <= (3 if status == "paid" else 0)  # the payment journals 20, 21 and 22
        summed -= result["balance_reads"]
        assert summed / (result["booked"] - icp) < 0.05, (status, result)


def test_a_lost_ledger_after_a_late_order_says_so_instead_of_taking_the_day_as_booked(sync_box):
    """The books hold the day's summary without the late order; a new ledger cannot know which
    orders it holds, so the day's orders fail with both totals rather than pass as booked."""
    box = sync_box(orders=0, extra=DAILY)
    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", created=day, completed=day)
    engine(box)
    late = box.woo.place_order(lines=(TEA,), billing=IRIS, status="completed", created=day + timedelta(hours=1))
    box.woo.orders[late["id"]]["date_completed"] = box.woo.orders[late["id"]]["date_paid"] = (day + timedelta(hours=1)).isoformat()
    (box.dir / ".runner" / "state.json").unlink()  # the ledger is lost
    outcome = engine(box)
    assert late["id"] in outcome.failed and "Exact holds WC " in outcome.failed[late["id"]], outcome.failed
    assert len(summaries(box)) == 1  # nothing posted on a guess


def test_members_and_summaries_of_a_ledger_of_before_are_read_moved_and_dropped(tmp_path):
    """Members and summaries now sit in small tables (a year's backfill was quadratic in one);
    a ledger written with the one `members` and `summaries` tables still reads and moves on."""
    from runner.ledger import Ledger
    from runner.ledger.store import TinyStore

    path = tmp_path / "state.json"
    kept = {"kind": "sale", "journal": "70", "day": "2026-11-26", "currency": "EUR", "target": "sales_entry", "account": "2", "lines": []}
    with TinyStore(path) as before:  # the shape a ledger of the previous version holds (format 1: no format recorded)
        before.insert("members", [{**kept, "order": n, "refund": 0, "number": str(n), "total": "1.00"} for n in (101, 102)])
        intent = {"key": "sale|70|2026-11-26|1", "day_key": "sale|70|2026-11-26", "state": "intent", "members": [[101, 0]]}
        before.insert("summaries", [intent])
    with Ledger(path) as ledger:
        ledger.keep_member({**kept, "order": 250, "refund": 0, "number": "250", "total": "2.00"})
        assert sorted(m["order"] for m in ledger.members()) == [101, 102, 250]
        ledger.drop_members([(101, 0), (250, 0)])
        assert [m["order"] for m in ledger.members()] == [102]
        ledger.save_summary({"key": "sale|70|2026-11-26|1", "day_key": "sale|70|2026-11-26", "state": "done", "members": [[101, 0]]})
        assert [(s["key"], s["state"]) for s in ledger.summaries()] == [("sale|70|2026-11-26|1", "done")]
    with Ledger(path) as again:  # as written, read back
        assert [m["order"] for m in again.members()] == [102] and [s["state"] for s in again.summaries()] == ["done"]
        again.drop_summary("sale|70|2026-11-26|1")
        assert again.summaries() == []
