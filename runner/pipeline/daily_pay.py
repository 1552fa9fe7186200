"""`booking.status: paid` with `booking.mode: daily_summary`: each booked day summary is
settled by one payment line (bank or cash, as the journal is) per payment journal its
members' payments go to (`payments.journal` is a template per order, so a day may split over
journals 20, 21 and 22). The line is on the collective account with OurRef = the summary's
entry number and the sum of those members' payments, to the cent, dated the day; its
description names the summary and the journal (`Payment WC 2026-11-26, journal 21`), which is
how it is found again. The day's credit summary is paid back the same way. The lines of a run
go out as receipts do: one entry per journal and month (a day's run: one entry per journal).

Exactly-once per payment entry, as for any document: the intent is in the ledger (in the
summary's record) before the POST; the books are asked first unless the summary was posted by
this very run; an answer that was lost is looked up by the next run before anything is posted
again. A payment that fails fails the orders it pays, and the next run posts it again without
touching the summary."""

from __future__ import annotations

from runner.domain.booking import CustomerPlan
from runner.domain.summary import payment_plan, receipts_due, shell
from runner.errors import OutcomeUnknown, RunnerError
from runner.pipeline.ports import Posting


class DayPayments:
    """The payment entries of the daily summaries; `days` is the run's Days."""

    def __init__(self, days) -> None:
        self.days, self.sink, self.ledger = days, days.sink, days.ledger
        self.gl_account = days.run.spec.payments.gl_account
        self.posted: set[str] = set()  # summaries this run posted: their payments are not in the books yet

    def settle(self, summary: dict) -> None:
        """Payment entries of an earlier run whose answer was lost: done when the books hold
        them, else forgotten (posted again by `book`)."""
        for journal, state in list((summary.get("payments") or {}).items()):
            if state["state"] == "intent":
                found = self.sink.lookup("payment", state, set())
                self._save(summary, journal, None if found is None else {**state, **found, "state": "done"})
                self.days.run.outcome.settled += 1

    def book(self, later: set[int]) -> None:
        """Every booked summary's payment entries not made yet, sent together as receipts are
        (`sink.write_many`: one entry per journal and month, a line per day, so a year's
        backfill costs a few dozen entries, not one per day); `later`: orders failed and not
        due for a retry yet (a payment whose orders all wait, waits with them)."""
        queue = []
        for summary in self.ledger.summaries():
            if summary["state"] != "done":
                continue
            for journal, due in receipts_due(summary).items():
                if journal in (summary.get("payments") or {}) or all(m[0] in later for m in due["members"]):
                    continue
                if (item := self._intend(summary, journal)) is not None:
                    queue.append(item)
        if not queue:
            return
        results = self.sink.write_many("payment", [(posting, done) for _, _, posting, done, _ in queue])
        for (summary, journal, _, _, facts), result in zip(queue, results, strict=True):
            if isinstance(result, OutcomeUnknown):  # may have landed: looked up first thing next run
                self._fail(summary, journal, result)
            elif isinstance(result, RunnerError):  # nothing landed: posted again by a later run
                self._save(summary, journal, None)
                self._fail(summary, journal, result)
            else:
                self._save(summary, journal, {**facts, **result, "state": "done"})

    def _intend(self, summary: dict, journal: str) -> tuple | None:
        """The payment's intent in the ledger, after asking the books: the item to send, or
        None when there is nothing to send (the books hold it, or the sink books no payments)."""
        plan = payment_plan(summary, journal, self.gl_account)
        posting = Posting(shell(summary), CustomerPlan("", summary.get("collective", ""), {}), summary["account"], plan)
        if "payment" not in self.sink.steps(posting):  # a sink that books no payments (a folder for review)
            return None
        done = {"document": {"exact_id": summary.get("exact_id"), "number": summary.get("number")}}
        facts = self.sink.intent("payment", posting, done)
        found = None if summary["key"] in self.posted else self.sink.find("payment", posting, done, set())
        self._save(summary, journal, {"state": "intent", **facts})
        if found is not None:  # the books hold it (a lost ledger): recorded, never posted twice
            self.days.run.outcome.found.append(f"{summary['your_ref']} payment, journal {journal}")
            self._save(summary, journal, {**facts, **found, "state": "done"})
            return None
        return summary, journal, posting, done, facts

    def missing(self, summary: dict) -> list[str]:
        """The summary's payment entries the ledger has as done that the books do not hold."""
        return [
            f"{summary['your_ref']} payment, journal {journal}"
            for journal, state in sorted((summary.get("payments") or {}).items())
            if state["state"] == "done" and self.sink.lookup("payment", state, set()) is None
        ]

    def _save(self, summary: dict, journal: str, state: dict | None) -> None:
        """The summary's record with this journal's payment as `state` (None: none yet)."""
        states = dict(summary.get("payments") or {})
        if state is None:
            states.pop(journal, None)
        else:
            states[journal] = state
        summary["payments"] = states
        self.ledger.save_summary(summary)

    def _fail(self, summary: dict, journal: str, exc) -> None:
        kind, _, day = summary["day_key"].split("|")
        for order_id, refund_id, number in receipts_due(summary)[journal]["members"]:
            self.days.fail(order_id, refund_id, number, kind, day, exc, what=f"payment (journal {journal}) of the ")
