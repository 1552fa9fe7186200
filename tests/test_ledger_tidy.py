"""A ledger that stays small (issue 14 #4): orders whose documents are all done keep a short
row per document (ids, journal, number, date), and past the 60-day window only that they are
finished; what is open, failing or in progress stays whole. A run after tidying books nothing
twice and misses nothing; status and the report count as before; an old ledger still reads."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from runner.adapters.exact.accounts import AccountIndex
from runner.ledger import Ledger
from runner.ledger.beside import path_beside
from runner.pipeline.outcome import status

TODAY = datetime.now(UTC).date()  # the ledger dates its records in UTC
LATER = TODAY + timedelta(days=61)  # everything recorded today is then past the window


def fill(ledger: Ledger) -> None:
    for order in (1, 2, 4):
        ledger.intend(order, None, "document", steps=["document", "payment"], journal="70", description="x" * 200)
        ledger.done(order, None, "document", ref=f"guid-{order}", number=order)
        ledger.intend(order, None, "payment")
        ledger.done(order, None, "payment", ref=f"pay-{order}")
    ledger.intend(2, 9, "document", steps=["document"])
    ledger.done(2, 9, "document", ref="credit-9")
    ledger.intend(3, None, "document", steps=["document"])  # its outcome is unknown: kept whole
    ledger.fail(4, "Exact refused its payment", None)  # failing: kept whole
    ledger.intend(5, None, "document", steps=["document", "print"])
    ledger.done(5, None, "document", ref="guid-5")  # its print is still to do: kept whole


def counts(summary: dict) -> tuple:
    return summary["booked_total"], summary["credits_total"], summary["booked_today"], len(summary["pending"]), len(summary["failures"])


def filled_and_tidied(tmp_path, day):
    """A ledger `fill`ed and tidied on `day`: its path, and the status before."""
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        fill(ledger)
        before = status(ledger)
    size = path.stat().st_size
    with Ledger(path) as ledger:
        assert ledger.tidy(day) == 2  # orders 1 and 2; 3 is open, 4 failing, 5 in progress
    assert path.stat().st_size < size / 2
    return path, before


def test_finished_orders_shrink_and_still_count_as_booked(tmp_path):
    path, before = filled_and_tidied(tmp_path, LATER)
    with Ledger(path) as ledger:  # as the next run reads it
        for order, refund, step in [(1, None, "document"), (1, None, "payment"), (2, None, "document"), (2, 9, "document")]:
            assert ledger.step(order, refund, step)["state"] == "done"
        assert ledger.step(2, 10, "document") is None  # a refund that comes later is not finished
        assert ledger.step(3, None, "document")["state"] == "intent"
        assert ledger.step(4, None, "payment")["ref"] == "pay-4" and ledger.failure(4)
        assert ledger.step(5, None, "document")["ref"] == "guid-5" and ledger.step(5, None, "print") is None
        assert [(s["step"], s.get("ref")) for s in ledger.order_steps(1)] == [("document", None)]  # only that it is finished
        after = status(ledger)
    assert (after["booked_total"], after["credits_total"]) == (before["booked_total"], before["credits_total"]) == (4, 1)
    with Ledger(path) as ledger:  # a refund of order 1 long after: it joins the sale, never takes its place
        ledger.intend(1, 8, "document", steps=["document"])
        ledger.done(1, 8, "document", ref="credit-8")
        assert ledger.tidy(LATER + timedelta(days=61)) == 1
        assert ledger.step(1, None, "document")["state"] == ledger.step(1, 8, "document")["state"] == "done"
        assert counts(status(ledger))[:2] == (4, 2)


def test_a_finished_bucket_keeps_orders_without_refunds_as_bits():
    from runner.ledger import finished

    orders = {"5000": [0], "5001": [0, 77], "5999": [0], "5500": [12]}
    packed = {"b": 5, **finished.pack(orders, 5)}
    assert packed["orders"] == {"5001": [0, 77], "5500": [12]} and len(packed["sales"]) == 168
    assert finished.expand(packed) == orders and finished.sales_count(packed) == 2
    assert [finished.refunds_in(packed, n) for n in (5000, 5001, 5002, 5500, 5999)] == [[0], [0, 77], [], [12], [0]]
    assert finished.refunds_in({"b": 5, "orders": {"5003": [0]}}, 5003) == [0]  # as an older ledger wrote it


def test_inside_the_window_a_finished_order_keeps_a_row_per_document_with_its_ids(tmp_path):
    path, before = filled_and_tidied(tmp_path, TODAY)
    with Ledger.dry_copy(path) as ledger:  # as `runner status` and the next run read it
        document = ledger.step(1, None, "document")
        assert (document["state"], document["ref"], document["number"], document["journal"]) == ("done", "guid-1", 1, "70")
        assert ledger.step(1, None, "payment")["state"] == "done" and ledger.step(2, 9, "document")["ref"] == "credit-9"
        assert {s["ref"] for s in ledger.order_steps(2)} == {"guid-2", "credit-9"}  # a refund's lookup tells them apart
        assert ledger.step(2, 10, "document") is None
        assert ledger.step(3, None, "document")["state"] == "intent"
        assert ledger.step(4, None, "payment")["ref"] == "pay-4"  # failing: whole
        assert ledger.step(5, None, "print") is None  # in progress: whole
        documents = {(s["order"], s["refund"]): s for s in ledger.all_steps() if s["step"] == "document"}
        assert documents[(2, 9)]["number"] is None and documents[(1, 0)]["at"] == TODAY.isoformat()
        assert counts(status(ledger)) == counts(before) == (4, 1, 4, 1, 1)
    with Ledger(path) as ledger:  # the next day: the rows stay rows, and a later refund of order 1 is added to them
        ledger.intend(1, 7, "document", steps=["document"])
        ledger.done(1, 7, "document", ref="credit-7", number=70)
        assert ledger.tidy(TODAY + timedelta(days=1)) == 1
        assert {s["ref"] for s in ledger.order_steps(1)} == {"guid-1", "credit-7"}
        assert ledger.tidy(LATER) == 2  # past the window (orders 1 and 2): one number per document
        assert ledger.step(1, 7, "document")["state"] == "done" and ledger.step(1, 7, "document").get("ref") is None
        assert counts(status(ledger))[:2] == (4, 2)


@pytest.mark.parametrize("days", [0, 61], ids=["inside the window", "past the window"])
def test_a_run_after_tidying_books_nothing_twice_and_a_late_refund_once(sync_box, days):
    box = sync_box(orders=30, extra="booking:\n  status: paid\n")
    assert box.run("run").exit_code == 0
    posted = sum(n for (method, _), n in box.exact.calls.items() if method == "POST")
    with box.ledger() as ledger:
        assert ledger.tidy(TODAY + timedelta(days=days)) > 0
    again = box.run("run")
    assert again.exit_code == 0 and "booked 0 order(s)" in again.output
    assert sum(n for (method, _), n in box.exact.calls.items() if method == "POST") == posted
    order = next(o for o in box.due() if o["status"] == "completed" and not box.woo.refunds.get(o["id"]))
    box.woo.add_refund(order["id"], amount="5.00")
    late = box.run("run")
    assert late.exit_code == 0 and "1 credit document(s)" in late.output, late.output
    assert sum(1 for row in box.documents() if row["YourRef"].startswith(f"{order['number']}/")) == 1
    assert box.run("run").exit_code == 0
    assert sum(1 for row in box.documents() if row["YourRef"].startswith(f"{order['number']}/")) == 1


def _period(box) -> tuple[str, str]:
    days = [str(o.get("date_completed") or o["date_created"])[:10] for o in box.woo.orders.values()]
    days += [str(r["date_created"])[:10] for refunds in box.woo.refunds.values() for r in refunds]
    return min(days), max(days)


def test_status_and_the_report_say_the_same_after_tidying(sync_box):
    box = sync_box(orders=20)
    assert box.run("run").exit_code == 0
    start, end = _period(box)
    report = json.loads(box.run("report", "--from", start, "--to", end, "--format", "json").stdout)
    state = json.loads(box.run("status", "--json").stdout)
    with box.ledger() as ledger:
        assert ledger.tidy(TODAY) > 0
    assert json.loads(box.run("report", "--from", start, "--to", end, "--format", "json").stdout) == report
    after = json.loads(box.run("status", "--json").stdout)
    assert {k: after[k] for k in ("booked_total", "credits_total", "booked_today", "booked_month")} == {
        k: state[k] for k in ("booked_total", "credits_total", "booked_today", "booked_month")
    }
    gone = box.exact.entries.pop(sorted(box.exact.entries.values(), key=lambda e: e["EntryNumber"])[0]["EntryID"])  # deleted by hand
    data = json.loads(box.run("report", "--from", start, "--to", end, "--format", "json").stdout)
    missing = next(d for d in data["documents"] if d["problem"] == "missing in Exact")
    assert missing["your_ref"] == gone["YourRef"].strip() and f"booked as entry {gone['EntryNumber']}" in missing["note"]


def _as_written_before(state) -> None:
    """The ledger as the runner wrote it before the account index had a file of its own:
    customers_N tables (e-mail, `code:` and `item:` keys) and the index's cursors inside."""
    beside = path_beside(state)
    lines = [json.loads(line) for line in beside.read_text().splitlines()]
    beside.unlink()
    old = []
    for n, entry in enumerate(lines, start=1):
        kind, key = entry[0], entry[1]
        if kind == "t":
            old.append({"t": "cursors", "id": str(100 + n), "d": {"name": key, "value": entry[2], "at": "2026-01-05T10:00:00+00:00"}})
            continue
        email, code = {"e": (key, entry[3] if kind == "e" else ""), "c": (f"code:{key}", key), "i": (f"item:{key}", key)}[kind]
        record = {"email": email, "id": entry[2], "code": code, "created": False, "at": "2026-01-05T10:00:00+00:00"}
        old.append({"t": f"customers_{zlib.crc32(email.encode()) % 64}", "id": str(n), "d": record})
        if kind == "e" and entry[3]:  # the old index wrote an account's code as a record of its own
            old.append({"t": f"customers_{zlib.crc32(f'code:{code}'.encode()) % 64}", "id": str(1000 + n), "d": {**record, "email": f"code:{code}"}})
    numbered = [line for line in state.read_text().splitlines() if '"name": "format"' not in line]  # formats were not numbered yet
    state.write_text("".join(line + "\n" for line in numbered) + "".join(json.dumps(line) + "\n" for line in old))


def test_a_ledger_written_in_the_old_format_still_reads_and_moves_on_the_daily_tidy(sync_box):
    box = sync_box(orders=30, extra="booking:\n  status: paid\n")
    assert box.run("run").exit_code == 0
    state = box.dir / ".runner" / "state.json"
    with box.ledger() as ledger:
        emails = dict(AccountIndex.of(ledger).emails)
    _as_written_before(state)
    posted = sum(n for (method, _), n in box.exact.calls.items() if method == "POST")
    with Ledger.dry_copy(state) as ledger:  # a reader takes the old tables as they are
        assert dict(AccountIndex.of(ledger).emails) == emails
    assert not path_beside(state).exists()
    again = box.run("run")  # tidied today already: the old tables are read along
    assert again.exit_code == 0 and "booked 0 order(s)" in again.output
    assert sum(n for (method, _), n in box.exact.calls.items() if method == "POST") == posted  # no account created twice
    with box.ledger() as ledger:
        ledger.tidy(TODAY)
    text = state.read_text()
    assert '"customers_' not in text and "exact_accounts_timestamp" not in text
    with Ledger(state) as ledger:
        assert dict(AccountIndex.of(ledger).emails) == emails and AccountIndex.of(ledger).cursor("exact_accounts_timestamp")
    assert box.run("run").exit_code == 0  # from the index's own file now
    assert sum(n for (method, _), n in box.exact.calls.items() if method == "POST") == posted


def test_run_records_leave_out_their_empty_fields_and_old_runs_go(tmp_path):
    from runner.pipeline.engine import INTERRUPTED
    from runner.pipeline.outcome import Outcome

    with Ledger(tmp_path / "state.json") as ledger:
        old = Outcome(started=(TODAY - timedelta(days=90)).isoformat() + "T10:00:00+00:00", finished="x")
        ledger.record_run(old.as_dict())  # the last run without failures: kept, whatever its age
        failed = Outcome(started=(TODAY - timedelta(days=20)).isoformat() + "T10:00:00+00:00", failed={5: "refused"})
        ledger.record_run(failed.as_dict())
        run = Outcome(started=TODAY.isoformat() + "T10:00:00+00:00", booked=[1, 2])
        ledger.record_run({**run.as_dict(), "stopped": INTERRUPTED})  # until it ends
        run.finished, run.failed = TODAY.isoformat() + "T10:01:00+00:00", {3: "refused"}
        ledger.record_run(run.as_dict())
        kept = ledger.runs()[-1]
        assert "stopped" not in kept and "warnings" not in kept and kept["booked"] == [1, 2]
        summary = status(ledger)
        assert summary["last_run"]["stopped"] == "" and summary["last_run"]["warnings"] == [] and summary["last_run"]["failed"] == {"3": "refused"}
        assert summary["last_success"] == "x"
        ledger.tidy(TODAY)
        assert [r["run"] for r in ledger.runs()] == [old.run, run.run]
