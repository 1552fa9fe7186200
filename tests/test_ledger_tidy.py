"""A ledger that stays small (issue 14 #4): orders whose documents were all done more than
60 days ago keep only that they are finished; what is open, failing or recent stays whole,
and a run after tidying books nothing twice and misses nothing."""

from __future__ import annotations

from datetime import date, timedelta

from runner.ledger import Ledger
from runner.outcome import status

LATER = date.today() + timedelta(days=61)  # everything recorded today is then past the window


def fill(ledger: Ledger) -> None:
    for order in (1, 2, 4):
        ledger.intend(order, None, "document", steps=["document", "payment"], description="x" * 200)
        ledger.done(order, None, "document", exact_id=f"guid-{order}", number=order)
        ledger.intend(order, None, "payment")
        ledger.done(order, None, "payment", exact_id=f"pay-{order}")
    ledger.intend(2, 9, "document", steps=["document"])
    ledger.done(2, 9, "document", exact_id="credit-9")
    ledger.intend(3, None, "document", steps=["document"])  # its outcome is unknown: kept whole
    ledger.fail(4, "Exact refused its payment", None)  # failing: kept whole
    ledger.intend(5, None, "document", steps=["document", "print"])
    ledger.done(5, None, "document", exact_id="guid-5")  # its print is still to do: kept whole


def test_finished_orders_shrink_and_still_count_as_booked(tmp_path):
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        fill(ledger)
        before = status(ledger)
    size = path.stat().st_size
    with Ledger(path) as ledger:
        assert ledger.tidy(LATER) == 2
    assert path.stat().st_size < size / 2
    with Ledger(path) as ledger:  # as the next run reads it
        for order, refund, step in [(1, None, "document"), (1, None, "payment"), (2, None, "document"), (2, 9, "document")]:
            assert ledger.step(order, refund, step)["state"] == "done"
        assert ledger.step(2, 10, "document") is None  # a refund that comes later is not finished
        assert ledger.step(3, None, "document")["state"] == "intent"
        assert ledger.step(4, None, "payment")["exact_id"] == "pay-4" and ledger.failure(4)
        assert ledger.step(5, None, "document")["exact_id"] == "guid-5" and ledger.step(5, None, "print") is None
        assert [(s["step"], s.get("exact_id")) for s in ledger.order_steps(1)] == [("document", None)]  # only that it is finished
        after = status(ledger)
    assert (after["booked_total"], after["credits_total"]) == (before["booked_total"], before["credits_total"]) == (4, 1)


def test_a_run_after_tidying_books_nothing_twice_and_a_late_refund_once(sync_box):
    box = sync_box(orders=30)
    assert box.run("run").exit_code == 0
    posted = sum(n for (method, _), n in box.exact.calls.items() if method == "POST")
    with box.ledger() as ledger:
        assert ledger.tidy(LATER) > 0
    again = box.run("run")
    assert again.exit_code == 0 and "booked 0 order(s)" in again.output
    assert sum(n for (method, _), n in box.exact.calls.items() if method == "POST") == posted
    order = next(o for o in box.due() if o["status"] == "completed" and not box.woo.refunds.get(o["id"]))
    box.woo.add_refund(order["id"], amount="5.00")
    late = box.run("run")
    assert late.exit_code == 0 and "1 credit document(s)" in late.output, late.output
    assert sum(1 for row in box.documents() if row["YourRef"].startswith(f"{order['number']}/")) == 1
