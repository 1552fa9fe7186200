"""DESIGN.md section 6, the error budget: Exact blocks an app after 10 error answers per
endpoint per hour, so what can be checked locally is, and an order Exact refused is
retried on a schedule (engine.RETRY_DELAYS), never on every run; `runner retry` retries now."""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from decimal import Decimal as D

import pytest

from runner.pipeline.engine import MAX_ATTEMPTS, RETRY_DELAYS
from runner.sandbox.exact.simulator import ManualClock
from runner.sandbox.woo.carts import Address, ProductLine
from tests.robust import assert_exactly_once, clocked_login, engine_run

BROKEN = {
    "unknown VAT code": 'mapping:\n  vat_code: "99"\n',
    "VAT code of another rate": 'mapping:\n  vat_code: "2"\n',
    "GL account not revenue": 'mapping:\n  gl_account: "1300"\n',
    "template fails on some lines": "mapping:\n  gl_account: \"{{ {'product': '8000'}[line.kind] }}\"\n",
    "bank journal as sales journal": 'booking:\n  journal: "20"\n',
    "payment condition unknown": 'booking:\n  payment_condition: "XX"\n',
    "account country not a code": 'customers:\n  account:\n    Country: "Nederland"\n',
    "account without a name": 'customers:\n  account:\n    Name: "{{ order.billing.company }}"\n',
}


def minutes(clock: ManualClock, start: float, at: float) -> None:
    clock.now = start + at * 60


def failures(box) -> dict[int, dict]:
    with box.ledger() as ledger:
        return {f["order"]: f for f in ledger.failures()}


@pytest.mark.parametrize("extra", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_mapping_costs_not_one_error_answer_in_any_run(sync_box, extra):
    clock = ManualClock()
    start = clock()
    box = sync_box(orders=100, seed=8, extra=extra, exact_options={"clock": clock})
    clocked_login(box, clock)
    seen = []
    for at in (0, 5, 16, 80):  # a run now and then; retries fall due at +15 min, then an hour later
        minutes(clock, start, at)
        report, _ = engine_run(box, clock)
        failed = failures(box)
        assert failed and all(f["next_retry"] for f in failed.values())
        seen.append(sorted({f["attempts"] for f in failed.values()}))
    assert box.exact.errors == []  # validated locally, in every run
    assert seen == [[1], [1], [2], [3]]


def an_order_in_a_month_of_its_own(box) -> dict:
    day = datetime(2025, 6, 14, 11, 30)
    return box.woo.place_order(
        lines=(ProductLine(188, "Espressobonen 1 kg", D("24.20"), 2, sku="ESP-1KG"),),
        billing=Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl"),
        created=day,
        paid=day,
        completed=day,
        status="completed",
    )


def test_an_order_exact_refuses_is_retried_on_the_schedule_and_by_runner_retry_now(sync_box):
    clock = ManualClock(datetime.now(UTC))
    start = clock()
    box = sync_box(orders=30, exact_options={"clock": clock})
    clocked_login(box, clock)
    refused = an_order_in_a_month_of_its_own(box)
    box.exact.close_period(2025, 6)
    posts = lambda: box.exact.calls[("POST", "salesentry/SalesEntries")]  # noqa: E731

    report, _ = engine_run(box, clock)
    assert list(report.failed) == [refused["id"]] and "Periode is afgesloten" in report.failed[refused["id"]]
    assert len(report.booked) == len(box.due()) - 1  # the others are booked
    first = failures(box)[refused["id"]]
    assert first["attempts"] == 1 and first["kind"] == "rejected"
    with box.ledger() as ledger:
        assert ledger.open_intents() == []  # Exact said no: nothing landed, nothing to look up later
    tried = posts()
    for at in (1, 5, 14):  # runs before the retry time leave it alone: no POST, no error answer
        minutes(clock, start, at)
        report, _ = engine_run(box, clock)
        assert report.failed == {} and report.waiting == [refused["id"]]
    assert posts() == tried and len(box.exact.errors) == 1
    minutes(clock, start, RETRY_DELAYS[0] / 60 + 1)
    report, _ = engine_run(box, clock)
    assert list(report.failed) == [refused["id"]] and posts() == tried + 1
    assert failures(box)[refused["id"]]["attempts"] == 2

    status = box.run("status")
    assert "Periode is afgesloten" in status.output and "failed: 1 order(s)" in status.output
    now = box.run("retry")  # whatever the schedule says
    assert now.exit_code == 1 and f"FAILED order {refused['id']}: Periode is afgesloten" in now.output
    assert posts() == tried + 2 and failures(box)[refused["id"]]["attempts"] == 3
    box.exact.open_period(2025, 6)  # the bookkeeper reopens the month
    done = box.run("retry", str(refused["id"]))
    assert done.exit_code == 0, done.output
    assert failures(box) == {} and len(box.exact.errors) == 3
    assert_exactly_once(box)


def test_after_max_attempts_an_order_waits_for_runner_retry(sync_box):
    clock = ManualClock()
    start = clock()
    box = sync_box(orders=30, exact_options={"clock": clock})
    clocked_login(box, clock)
    refused = an_order_in_a_month_of_its_own(box)
    box.exact.close_period(2025, 6)
    at = 0.0
    for attempt in range(MAX_ATTEMPTS):
        report, _ = engine_run(box, clock)
        assert list(report.failed) == [refused["id"]]
        at += RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)] / 60 + 1
        minutes(clock, start, at)
    last = failures(box)[refused["id"]]
    assert last["attempts"] == MAX_ATTEMPTS and last["next_retry"] is None
    minutes(clock, start, at + 3 * 24 * 60)
    report, _ = engine_run(box, clock)
    assert report.failed == {} and report.waiting == [refused["id"]]
    assert "after `runner retry`" in box.run("status").output
    assert len(box.exact.errors) == MAX_ATTEMPTS  # one error answer per attempt, none per run


def test_refusals_exact_alone_can_see_stop_at_half_its_hourly_budget_across_runs(sync_box):
    """Every month is closed, which only Exact knows: after 5 refusals on one endpoint the
    runner sends nothing more there for the hour (also in the next runs), so Exact never
    blocks the app; once the months are open again everything is booked."""
    clock = ManualClock(datetime.now(UTC))
    start = clock()
    box = sync_box(orders=40, exact_options={"clock": clock})
    clocked_login(box, clock)
    months = {(int(o["date_created"][:4]), int(o["date_created"][5:7])) for o in box.due()}
    months |= {(int(o[k][:4]), int(o[k][5:7])) for o in box.due() for k in ("date_paid", "date_completed") if o.get(k)}
    for year, month in months:
        box.exact.close_period(year, month)
    for at in (0, 16, 30, 45):  # the first run, the retries at +15 min, two more runs in the hour
        minutes(clock, start, at)
        engine_run(box, clock)
    assert len(box.exact.errors) == 5 and not any("Blocked" in e.message for e in box.exact.errors)
    held = [f["message"] for f in failures(box).values() if f["message"].startswith("not sent")]
    assert held and "blocks the app at 10" in held[0]
    for year, month in months:
        box.exact.open_period(year, month)
    for at in (80, 160, 400):  # the hour is over: the retries go out as they fall due
        minutes(clock, start, at)
        engine_run(box, clock)
    assert len(box.exact.errors) == 5
    assert_exactly_once(box)
