"""Exact is the truth (issue 10): nothing booked twice and nothing skipped, even when the
ledger, the clock or the shop's list lies. Each test drives the runner the way a consultant
does (the CLI, or one engine run where a clock or a Ctrl-C must be injected) against the
in-process sandbox, and checks the books."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.sandbox.host import Fault
from runner.sandbox.woo.carts import Address, ProductLine
from tests.robust import assert_exactly_once, documents_by_ref

BEANS = (ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1, sku="ESP-1KG"),)
IRIS = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")


def state(box):
    return box.dir / ".runner" / "state.json"


def engine(box, clock=time.time, progress=None, since=None):
    """One engine run of the box's spec, with the runner's clock and progress injected."""
    from runner import spec as spec_module
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.adapters.woo.source import source_from_spec
    from runner.ledger import Ledger
    from runner.pipeline import engine as engine_module

    spec = spec_module.load(box.spec)
    with Ledger(state(box)) as ledger:
        sink = sink_from_spec(spec, ledger, store_from_spec(spec, clock=clock))
        return engine_module.Run(spec, source_from_spec(spec), sink, ledger, clock=clock, progress=progress)(since=since)


# ---- the ledger is a cache -------------------------------------------------------------------


def deleted(path):
    path.unlink()


def garbage(path):
    path.write_text("this is not a ledger {{{\n")


def truncated(path):
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


@pytest.mark.parametrize("damage", [deleted, garbage, truncated], ids=lambda f: f.__name__)
def test_a_lost_or_damaged_ledger_books_nothing_twice_and_nothing_is_missing(sync_box, damage):
    box = sync_box(orders=30)
    assert box.run("run").exit_code == 0
    booked = documents_by_ref(box)
    damage(state(box))
    new = box.woo.place_order(lines=BEANS, billing=IRIS, status="completed")
    again = box.run("run")
    assert again.exit_code == 0, again.output
    assert "already in Exact (recorded, not posted again)" in again.stdout
    assert documents_by_ref(box) - booked == {(new["number"], D(new["total"])): 1}
    assert_exactly_once(box)


def test_a_garbage_ledger_is_set_aside_with_a_warning_and_status_still_reads_it(sync_box):
    box = sync_box(orders=12)
    assert box.run("run").exit_code == 0
    lines = state(box).read_text().splitlines(keepends=True)
    state(box).write_text("".join(lines[:3]) + "a line of something else entirely\n" + "".join(lines[3:]))
    status = box.run("status")
    assert status.exit_code == 0 and "WARNING: the ledger cannot be read in full (line 4 is not a ledger entry" in status.stdout
    again = box.run("run")
    assert again.exit_code == 0, again.output
    [aside] = list(state(box).parent.glob("state.json.damaged-*"))
    assert f"the ledger could not be read (line 4 is not a ledger entry); it was set aside as {aside}" in again.output
    assert "WARNING" not in box.run("status").stdout
    assert_exactly_once(box)


def test_an_older_copy_of_the_ledger_books_nothing_twice(sync_box):
    box = sync_box(orders=30)
    assert box.run("run").exit_code == 0
    backup = state(box).with_suffix(".backup")
    shutil.copy(state(box), backup)
    later = box.woo.place_order(lines=BEANS, billing=IRIS, status="completed")
    assert box.run("run").exit_code == 0
    shutil.copy(backup, state(box))  # restored from last week's backup
    newest = box.woo.place_order(lines=BEANS, billing=IRIS, status="completed")
    again = box.run("run")
    assert again.exit_code == 0, again.output
    refs = [ref for ref, _ in documents_by_ref(box).elements()]
    assert refs.count(later["number"]) == 1 and refs.count(newest["number"]) == 1
    assert_exactly_once(box)


def test_a_ledger_of_another_shop_is_refused_naming_both(sync_box):
    first, second = sync_box(orders=8), sync_box(orders=8, seed=5)
    assert first.run("run").exit_code == 0
    shutil.copy(state(first), state(second))
    result = second.run("run")
    assert result.exit_code == 2
    assert first.box.woo_url in result.output and second.box.woo_url in result.output and "a ledger of its own" in result.output
    assert second.documents() == []


def test_two_specs_in_one_folder_keep_a_ledger_and_a_login_each(sync_box):
    a, b = sync_box(orders=12), sync_box(orders=12, seed=5)
    klant_b = a.dir / "klant-b.yaml"
    klant_b.write_text(b.spec.read_text())
    b.box.log_in(a.dir / ".runner" / "klant-b.exact-token.json")  # where `runner auth klant-b.yaml` puts it
    result = a.run("run", str(klant_b))
    assert result.exit_code == 0, result.output
    assert (a.dir / ".runner" / "klant-b.state.json").exists()
    b.dir, b.spec = a.dir, klant_b  # the second client now lives beside the first
    assert_exactly_once(a)
    assert {ref for ref, _ in documents_by_ref(b)} == {o["number"] for o in b.due()} | {
        f"{o['number']}/{r['id']}" for o in b.due() for r in b.woo.refunds.get(o["id"], [])
    }


# ---- nothing skipped -------------------------------------------------------------------------


def test_a_backfill_stopped_by_ctrl_c_is_finished_by_the_next_plain_run(sync_box):
    box = sync_box(orders=40, since=None)

    def ctrl_c_after_five(tick) -> None:
        if tick.booked == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine(box, progress=ctrl_c_after_five, since="2020-01-01")
    status = box.run("status")
    assert "interrupted" in status.stdout and "last run without failures" not in status.stdout
    result = box.run("run")  # no --since: the backfill carries on where it stopped
    assert result.exit_code == 0, result.output
    assert_exactly_once(box)


def test_an_earlier_since_on_a_later_run_widens_the_window(sync_box):
    box = sync_box(orders=30, since=None)
    assert box.run("run").exit_code == 0  # a first run without a start books from today on
    assert box.documents() == []
    assert box.run("run", "--since", "2020-01-01").exit_code == 0
    assert_exactly_once(box)


@pytest.mark.parametrize("skew", [2 * 3600, -2 * 3600], ids=["runner 2 h ahead", "runner 2 h behind"])
def test_the_window_runs_on_the_shops_clock_not_the_runners(sync_box, skew):
    box = sync_box(orders=20)
    clock = lambda: time.time() + skew  # noqa: E731
    engine(box, clock)
    new = box.woo.place_order(lines=BEANS, billing=IRIS, status="completed")
    outcome = engine(box, clock)
    assert outcome.booked == [new["id"]]
    assert_exactly_once(box)


def test_an_order_trashed_between_two_pages_pushes_no_other_order_out_of_sight(sync_box):
    box = sync_box(orders=260)
    listed = sorted(o["id"] for o in box.due())
    trashed = listed[3]

    def trash_once_page_one_was_read(request) -> None:
        offset = request.query.get("offset", ["0"])[-1]
        if request.path.endswith("/orders") and offset != "0" and box.woo.orders[trashed]["status"] != "trash":
            box.woo.set_status(trashed, "trash")

    box.woo.hooks.append(trash_once_page_one_was_read)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    sales = {ref for ref, amount in documents_by_ref(box) if "/" not in ref}
    assert sales == {box.woo.orders[i]["number"] for i in listed}  # the trashed one was booked before it was trashed


def test_a_refund_that_leaves_the_orders_date_modified_alone_is_credited(sync_box):
    box = sync_box(orders=30, woo_options={"refund_touches_order": False})
    assert box.run("run").exit_code == 0
    booked = next(o for o in box.woo.orders.values() if o["status"] == "completed" and not box.woo.refunds.get(o["id"]) and D(o["total"]) > 10)
    box.woo.add_refund(booked["id"], amount="5.00", reason="Coulance")
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert "1 credit document(s)" in result.stdout
    assert_exactly_once(box)


@pytest.mark.parametrize("refunds_list", [True, False], ids=["store-wide refunds list", "an older store without it"])
def test_an_empty_embedded_refunds_array_hides_no_refund(sync_box, refunds_list):
    box = sync_box(orders=30, woo_options={"embedded_refunds": False, "refunds_list": refunds_list})
    assert any(box.woo.refunds.values())
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert_exactly_once(box)


def test_a_500_with_a_message_after_the_entry_was_committed_books_it_once(sync_box):
    box = sync_box(orders=12)
    timeout = json.dumps({"error": {"code": "", "message": {"lang": "", "value": "Timeout expired"}}}).encode()
    box.box.exact_server.faults.queue(
        Fault(500, html=False, body=timeout, after_work=True, match=lambda r: r.method == "POST" and r.path.endswith("/salesentry/SalesEntries"))
    )
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert box.run("retry").exit_code == 0
    assert_exactly_once(box)


def since_box(sync_box, **options):
    return sync_box(orders=6, since=(datetime.now() - timedelta(days=10)).date().isoformat(), **options)


def test_an_order_created_before_since_and_completed_after_it_is_booked(sync_box):
    box = since_box(sync_box)
    start = datetime.now().replace(microsecond=0)
    order = box.woo.place_order(
        lines=BEANS, billing=IRIS, status="completed", created=start - timedelta(days=12), completed=start - timedelta(days=8)
    )
    assert box.run("run").exit_code == 0
    assert (order["number"], D(order["total"])) in documents_by_ref(box)


def test_a_refund_after_since_of_a_sale_before_it_is_credited_and_the_sale_left_alone(sync_box):
    box = since_box(sync_box)
    start = datetime.now().replace(microsecond=0)
    order = box.woo.place_order(
        lines=BEANS, billing=IRIS, status="completed", created=start - timedelta(days=20), completed=start - timedelta(days=19)
    )
    refund = box.woo.add_refund(order["id"], amount="24.20", reason="Retour")
    assert box.run("run").exit_code == 0
    books = documents_by_ref(box)
    assert books[(f"{order['number']}/{refund['id']}", D("-24.20"))] == 1  # booked by the previous connector: its sale is not ours
    assert not any(ref == order["number"] for ref, _ in books)


def test_a_your_ref_that_cannot_tell_documents_apart_is_refused(tmp_path, cli):
    from tests.conftest import write_spec

    spec = write_spec(tmp_path, "booking:\n  your_ref: webshop\n  refund_your_ref: '{{ order.number }}-credit'\n")
    result = cli("validate", str(spec))
    assert result.exit_code == 2
    assert "booking.your_ref: does not use order.id or order.number" in result.output
    assert "booking.refund_your_ref: does not use refund.id" in result.output


def test_every_run_checks_that_the_books_hold_what_the_ledger_has_as_booked(sync_box):
    box = sync_box(orders=6)
    first = box.woo.place_order(lines=BEANS, billing=IRIS, status="completed")
    assert box.run("run").exit_code == 0
    gone = next(key for key, row in box.exact.entries.items() if row["YourRef"].strip() == first["number"])
    del box.exact.entries[gone]  # deleted in Exact after it was booked
    box.woo.touch(first["id"])
    box.woo.place_order(lines=BEANS, billing=IRIS, status="completed")
    result = box.run("run")
    assert result.exit_code == 1
    assert f"INCOMPLETE: 1 document(s) the ledger has as booked are not in Exact ({first['id']})" in result.stdout
    assert "INCOMPLETE" in box.run("status").stdout


def test_the_report_finds_the_refunds_the_run_found(sync_box):
    box = sync_box(orders=30, woo_options={"embedded_refunds": False, "refund_touches_order": False})
    assert box.run("run").exit_code == 0
    booked = next(o for o in box.woo.orders.values() if o["status"] == "completed" and not box.woo.refunds.get(o["id"]) and D(o["total"]) > 10)
    box.woo.add_refund(booked["id"], amount="5.00", reason="Coulance")
    assert box.run("run").exit_code == 0
    days = sorted(str(row["EntryDate"])[:10] for row in box.exact.entries.values())
    report = box.run("report", "--from", days[0], "--to", days[-1], "--format", "json")
    assert report.exit_code == 0, report.output  # every credit in Exact is in the shop's view too
    assert json.loads(report.stdout)["shop_documents"] == len(box.exact.entries)
