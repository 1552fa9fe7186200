"""The Sink contract through the engine (issue 20 point 7): the same orders run twice book
once, a lost ledger books nothing twice where the sink reads its books, and an intent whose
answer was lost is settled by the sink's lookup at the start of the next run."""

from __future__ import annotations

from runner.pipeline.ports import Posting

DUE = 6  # the shop's orders, each one document


def test_the_same_orders_run_twice_are_booked_once(sink):
    first = sink.run()
    assert sorted(first.booked) == sorted(o["id"] for o in sink.books.orders()) and not first.failed, first.failed
    landed = sink.landed()
    second = sink.run()
    assert second.booked == [] and not second.failed and sink.landed() == landed


def test_a_lost_ledger_books_nothing_twice(sink):
    sink.lacks("find")
    sink.run()
    landed = sink.landed()
    assert landed >= DUE
    sink.lose_ledger()
    again = sink.run()
    assert again.booked == [] and not again.failed and sink.landed() == landed
    assert len([found for found in again.found if found.endswith(" document")]) == DUE


def test_an_open_intent_whose_write_landed_is_settled_by_lookup_and_not_written_again(sink):
    """A run recorded its intent, wrote, and never heard back: the next run settles it first."""
    sink.lacks("lookup")
    order = sink.books.orders()[0]
    posting = sink.posting(0)
    steps = sink.sink.steps(posting)
    sink.ledger.intend(order["id"], None, "document", **sink.sink.intent("document", posting, {}), steps=list(steps))
    sink.write_losing_answer("document", posting, {})
    assert sink.landed() == 1
    run = sink.run()
    assert run.settled == 1 and not run.failed, run.failed
    assert sink.landed() == DUE  # the settled one was not written again
    assert (sink.ledger.step(order["id"], None, "document") or {}).get("state") == "done"


def test_an_open_intent_that_never_landed_is_forgotten_and_written_once(sink):
    order = sink.books.orders()[0]
    posting: Posting = sink.posting(0)
    sink.ledger.intend(order["id"], None, "document", **sink.sink.intent("document", posting, {}), steps=list(sink.sink.steps(posting)))
    run = sink.run()
    assert run.settled == 1 and order["id"] in run.booked and not run.failed, run.failed
    if "find" in sink.sink.capabilities:
        assert sink.landed() == DUE
