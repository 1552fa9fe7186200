"""booking.mode: daily_summary with booking.status: paid (issue 14 #2): one payment entry per
shop-local day and payment journal, whose line settles the day summary's receivable on the
collective account (OurRef = the summary's entry number) for the sum of that journal's
payments, to the cent; refunds are paid back the same way. Exactly-once per payment entry:
looked up after a lost answer or a lost ledger, never posted twice; a refused payment is
posted again by the next run without posting the summary again. In the sandbox throughout."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal as D

from runner.sandbox.host import Fault
from tests.test_daily_summary import BEANS, IRIS, TEA, after, summaries
from tests.test_exact_truth import engine

PAID = 'booking:\n  mode: daily_summary\n  status: paid\ncustomers:\n  collective: "2"\n'
JOURNAL = {"bacs": "20", "paypal": "21", "stripe": "22"}  # the preset's payments.journal


def payment_lines(box) -> list[dict]:
    """Every bank and cash line, with its entry's journal."""
    out = []
    for row in [*box.exact.bank_entries.values(), *box.exact.cash_entries.values()]:
        for line in row.get("BankEntryLines", row.get("CashEntryLines", [])):
            out.append({**line, "Journal": row["JournalCode"].strip()})
    return out


def two_days_ago(hour: int = 9) -> datetime:
    return datetime.now().replace(hour=hour, minute=0, second=0, microsecond=0) - timedelta(days=2)


def place(box, day: datetime, methods: list[str], lines=(BEANS,)) -> list[dict]:
    return [
        box.woo.place_order(lines=lines, billing=IRIS, status="completed", created=day + timedelta(minutes=n), payment_method=method)
        for n, method in enumerate(methods)
    ]


def test_a_paid_day_gets_one_payment_entry_per_journal_settling_the_summary_to_the_cent(sync_box):
    box = sync_box(orders=0, extra=PAID)
    day = two_days_ago()
    orders = place(box, day, ["bacs", "paypal", "stripe", "paypal", "bacs"], lines=(BEANS, TEA))
    outcome = engine(box)
    assert sorted(outcome.booked) == sorted(o["id"] for o in orders) and not outcome.failed, outcome.failed
    (entry,) = summaries(box).values()
    lines = payment_lines(box)
    assert len(box.exact.bank_entries) == 3 and len(lines) == 3  # one entry per day and journal, one line each
    collective = next(a for a in box.exact.accounts.values() if a["Code"].strip() == "2")
    for line in lines:
        assert line["OurRef"] == entry["EntryNumber"] and line["Account"] == collective["ID"]
        assert line["Date"].date() == day.date()
        paid = sum(D(o["total"]) for o in orders if JOURNAL[o["payment_method"]] == line["Journal"])
        assert D(str(line["AmountFC"])) == paid  # money in: positive
        assert line["Description"] == f"Payment WC {day.date().isoformat()}, journal {line['Journal']}"
    assert sum(D(str(line["AmountFC"])) for line in lines) == D(str(entry["AmountFC"]))
    assert not engine(box).booked and len(payment_lines(box)) == 3  # nothing twice


def test_a_day_paid_through_one_journal_is_matched_with_its_summary(sync_box):
    box = sync_box(orders=0, extra=PAID)
    place(box, two_days_ago(), ["bacs", "bacs", "bacs"])
    engine(box)
    (entry,) = summaries(box).values()
    (receivable,) = [r for r in box.exact.receivables.values() if r["YourRef"].strip() == entry["YourRef"].strip()]
    assert receivable["IsFullyPaid"] and receivable["Status"] == 50


def test_the_days_refunds_are_paid_back_against_the_credit_summary(sync_box):
    box = sync_box(orders=0, extra=PAID)
    order, other = place(box, two_days_ago(), ["paypal", "bacs"])
    engine(box)
    refund = box.woo.add_refund(order["id"], amount="10.00", reason="Coulance")
    today = box.woo.local_now().date()
    later = after(today)
    assert engine(box, clock=lambda: later).credits == [f"{order['id']}/{refund['id']}"]
    credit = summaries(box)[f"WC {today.isoformat()} R"]
    back = [line for line in payment_lines(box) if line["OurRef"] == credit["EntryNumber"]]
    assert [(line["Journal"], D(str(line["AmountFC"]))) for line in back] == [("21", D("-10.00"))]  # paid back: money out
    (receivable,) = [r for r in box.exact.receivables.values() if r["YourRef"].strip() == f"WC {today.isoformat()} R"]
    assert receivable["IsFullyPaid"]


def test_a_lost_answer_to_a_payment_entry_is_looked_up_never_posted_twice(sync_box):
    box = sync_box(orders=0, extra=PAID)
    orders = place(box, two_days_ago(), ["bacs", "paypal"])
    box.box.exact_server.faults.queue(
        Fault(lost=True, match=lambda r: r.method == "POST" and r.path.endswith("/BankEntries") and "journal 21" in r.body.decode())
    )
    first = engine(box)
    paypal = next(o for o in orders if o["payment_method"] == "paypal")
    assert list(first.failed) == [paypal["id"]] and "payment (journal 21)" in first.failed[paypal["id"]]
    second = engine(box)
    assert second.settled >= 1 and not second.failed, second.failed
    assert box.posts("financialtransaction/BankEntries") == 2 and len(payment_lines(box)) == 2
    assert box.posts("salesentry/SalesEntries") == 1


def test_a_refused_payment_is_posted_again_by_the_next_run_without_the_summary(sync_box):
    box = sync_box(orders=0, extra=PAID)
    orders = place(box, two_days_ago(), ["bacs", "bacs"])
    refusal = json.dumps({"error": {"code": "", "message": {"lang": "", "value": "Ongeldig: Betaling"}}}).encode()
    box.box.exact_server.faults.queue(Fault(500, html=False, body=refusal, match=lambda r: r.method == "POST" and "BankEntries" in r.path))
    first = engine(box)
    assert sorted(first.failed) == sorted(o["id"] for o in orders) and "Ongeldig: Betaling" in first.failed[orders[0]["id"]]
    assert not payment_lines(box) and len(summaries(box)) == 1
    later = datetime.now().timestamp() + 16 * 60  # after the first retry delay
    second = engine(box, clock=lambda: later)
    assert not second.failed, second.failed
    assert len(payment_lines(box)) == 1 and box.posts("salesentry/SalesEntries") == 1
    with box.ledger() as ledger:
        assert not ledger.failures()


def test_a_lost_ledger_finds_the_summary_and_its_payments_in_the_books(sync_box):
    box = sync_box(orders=0, extra=PAID)
    place(box, two_days_ago(), ["bacs", "paypal", "stripe"])
    engine(box)
    (box.dir / ".runner" / "state.json").unlink()  # the ledger is lost
    again = engine(box)
    assert not again.failed, again.failed
    assert len(summaries(box)) == 1 and len(payment_lines(box)) == 3
    assert box.posts("salesentry/SalesEntries") == 1 and box.posts("financialtransaction/BankEntries") == 3
    assert sum(1 for found in again.found if "payment, journal" in found) == 3


def test_a_summary_whose_payment_exact_no_longer_holds_is_reported_incomplete(sync_box):
    box = sync_box(orders=0, extra=PAID)
    (order,) = place(box, two_days_ago(), ["paypal"])
    assert box.run("run").exit_code == 0
    (entry_id,) = list(box.exact.bank_entries)
    line_ids = [line["ID"] for line in box.exact.bank_entries[entry_id]["BankEntryLines"]]
    del box.exact.bank_entries[entry_id]  # deleted in Exact after it was booked
    for line_id in line_ids:
        del box.exact.admin.tables["financialtransaction/BankEntryLines"][line_id]
    box.woo.touch(order["id"])
    result = box.run("run")
    assert result.exit_code == 1
    day = two_days_ago().date().isoformat()
    assert f"INCOMPLETE: 1 document(s) the ledger has as booked are not in Exact (WC {day} payment, journal 21)" in result.stdout


def test_a_daily_summary_exact_no_longer_holds_is_reported_incomplete(sync_box):
    box = sync_box(orders=0, extra=PAID.replace("status: paid", "status: sent"))
    (order,) = place(box, two_days_ago(), ["bacs"])
    assert box.run("run").exit_code == 0
    (gone,) = list(box.exact.entries)
    del box.exact.entries[gone]
    box.woo.touch(order["id"])
    result = box.run("run")
    assert result.exit_code == 1
    day = two_days_ago().date().isoformat()
    assert f"INCOMPLETE: 1 document(s) the ledger has as booked are not in Exact (WC {day} (the summary of 1 document(s)))" in result.stdout
    assert "INCOMPLETE" in box.run("status").stdout


def test_the_report_reconciles_each_days_payments_per_journal(sync_box):
    box = sync_box(orders=0, extra=PAID)
    day = two_days_ago()
    orders = place(box, day, ["bacs", "paypal", "paypal"])
    assert box.run("run").exit_code == 0
    when = day.date().isoformat()
    report = box.run("report", "--from", when, "--to", when, "--format", "json")
    assert report.exit_code == 0, report.output
    (summary,) = json.loads(report.output)["summaries"]
    paypal = sum(D(o["total"]) for o in orders if o["payment_method"] == "paypal")
    assert summary["payments"] == [
        {"journal": "20", "shop": f"{orders[0]['total']}", "exact": f"{orders[0]['total']}", "differs": False},
        {"journal": "21", "shop": f"{paypal}", "exact": f"{paypal}", "differs": False},
    ]
    gone = next(key for key, row in box.exact.bank_entries.items() if row["JournalCode"].strip() == "21")
    for line in box.exact.bank_entries.pop(gone)["BankEntryLines"]:  # deleted in Exact
        del box.exact.admin.tables["financialtransaction/BankEntryLines"][line["ID"]]
    table = box.run("report", "--from", when, "--to", when)
    assert table.exit_code == 1
    assert f"!   paid in journal 21: shop {paypal}, not in Exact" in table.output
    assert f"    paid in journal 20: shop {orders[0]['total']}, Exact {orders[0]['total']}" in table.output


def test_a_backfill_pays_its_days_in_one_entry_per_journal_and_month_a_line_per_day(sync_box):
    box = sync_box(orders=0, extra=PAID)
    days = [two_days_ago() - timedelta(days=n) for n in range(6)]
    for day in days:
        place(box, day, ["bacs", "bacs"])
    outcome = engine(box)
    assert len(outcome.booked) == 12 and not outcome.failed, outcome.failed
    entries = summaries(box)
    lines = payment_lines(box)
    assert len(lines) == 6 and sorted(line["OurRef"] for line in lines) == sorted(e["EntryNumber"] for e in entries.values())
    months = {day.strftime("%Y-%m") for day in days}
    assert box.posts("financialtransaction/BankEntries") == len(box.exact.bank_entries) == len(months)  # not one per day
    for line in lines:
        entry = next(e for e in entries.values() if e["EntryNumber"] == line["OurRef"])
        assert D(str(line["AmountFC"])) == D(str(entry["AmountFC"])) and line["Date"].date().isoformat() == entry["YourRef"][3:13]
    assert not engine(box).booked and len(payment_lines(box)) == 6  # nothing twice


def test_a_refused_day_in_a_batch_fails_that_day_alone(sync_box):
    box = sync_box(orders=0, extra=PAID)
    bad, good = two_days_ago(), two_days_ago() - timedelta(days=1)
    if bad.month != good.month:  # one entry per month: the two days must share one to share a batch
        bad, good = bad + timedelta(days=1), bad
    bad_orders, good_orders = place(box, bad, ["bacs"]), place(box, good, ["bacs"])
    refusal = json.dumps({"error": {"code": "", "message": {"lang": "", "value": "Ongeldig: Betaling"}}}).encode()
    marked = f"Payment WC {bad.date().isoformat()}, journal 20"
    box.box.exact_server.faults.queue(
        Fault(500, html=False, body=refusal, match=lambda r: r.method == "POST" and "BankEntries" in r.path and marked in r.body.decode()), 2
    )  # the batch, then that day's line on its own
    first = engine(box)
    assert list(first.failed) == [bad_orders[0]["id"]] and "Ongeldig: Betaling" in first.failed[bad_orders[0]["id"]]
    assert [line["Description"] for line in payment_lines(box)] == [f"Payment WC {good.date().isoformat()}, journal 20"]
    assert good_orders[0]["id"] in first.booked
    later = datetime.now().timestamp() + 16 * 60  # after the first retry delay
    assert not engine(box, clock=lambda: later).failed
    assert len(payment_lines(box)) == 2 and box.posts("salesentry/SalesEntries") == 2


def test_a_review_folder_holds_the_days_payments_beside_its_summary(sync_box, tmp_path):
    box = sync_box(orders=0, extra=PAID)
    day = two_days_ago()
    orders = place(box, day, ["bacs", "paypal", "bacs"])
    folder = tmp_path / "review"
    first = box.run("run", "--to", str(folder))
    assert first.exit_code == 0, first.output
    ref = f"WC-{day.date().isoformat()}"
    assert sorted(p.name for p in folder.glob("summary-*.json")) == [
        f"summary-{ref}-payment-20.json",
        f"summary-{ref}-payment-21.json",
        f"summary-{ref}.json",
    ]
    for journal in ("20", "21"):
        paid = json.loads((folder / f"summary-{ref}-payment-{journal}.json").read_text())
        assert D(paid["amount"]) == sum(D(o["total"]) for o in orders if JOURNAL[o["payment_method"]] == journal)
        assert paid["account"] == "2" and paid["date"] == day.date().isoformat() and paid["summary"] == f"WC {day.date().isoformat()}"
    assert box.exact.entries == {} and box.exact.bank_entries == {}
    again = box.run("run", "--to", str(folder))
    assert again.exit_code == 0 and len(list(folder.glob("summary-*.json"))) == 3
