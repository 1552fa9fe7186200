"""`booking.status: paid` with `booking.mode: daily_summary`: each booked day summary is
settled by one payment line (bank or cash, as the journal is) per payment journal its
members' payments go to (`payments.journal` is a template per order, so a day may split over
journals 20, 21 and 22). The line is on the collective account with OurRef = the summary's
entry number and the sum of those members' payments, to the cent, dated the day; its
description names the summary and the journal (`Payment WC 2026-11-26, journal 21`), which is
how it is found again. The day's credit summary is paid back the same way. The lines of a run
go out as receipts do: one entry per journal and month (a day's run: one entry per journal).

Each payment entry is a document of the exactly-once pipeline, kept in its summary's record
(`PaymentKeep`) and always batched: intended before it is sent, the books asked first unless
the summary was posted by this very run, a lost answer looked up by the next run. A payment
that fails fails the orders it pays, and the next run posts it again without touching the summary."""

from __future__ import annotations

from collections.abc import Iterable

from runner.domain.booking import CustomerPlan
from runner.domain.summary import payment_plan, receipts_due, shell
from runner.errors import Rejected
from runner.pipeline.exactly_once import Doc, Open
from runner.pipeline.keeps import PaymentKeep
from runner.pipeline.ports import Posting

PAYMENT = frozenset({"payment"})  # a summary's payments always go out through `write_many`, whatever the sink batches


class DayPayments:
    """The payment entries of the daily summaries; `days` is the run's daily mode."""

    def __init__(self, days) -> None:
        self.days, self.pipeline, self.ledger = days, days.pipeline, days.ledger
        self.gl_account = days.spec.payments.gl_account
        self.posted: set[str] = set()  # summaries this run posted: their payments are not in the books yet

    def opens(self, summary: dict) -> Iterable[Open]:
        """Payment entries of an earlier run whose answer was lost: done when the books hold
        them, else forgotten (posted again by `book`)."""
        for journal, state in list((summary.get("payments") or {}).items()):
            if state["state"] == "intent":
                yield Open(PaymentKeep(self.ledger, summary, journal, state), "payment", state, set)

    def book(self, later: set[int]) -> None:
        """Every booked summary's payment entries not made yet, handed to the pipeline, which
        sends them together as receipts are (`write_many`: one entry per journal and month, a
        line per day, so a year's backfill costs a few dozen entries, not one per day) at the
        end of the run; `later`: orders failed and not due for a retry yet (a payment whose
        orders all wait, waits with them)."""
        for summary in self.ledger.summaries():
            if summary["state"] != "done":
                continue
            for journal, due in receipts_due(summary).items():
                if journal in (summary.get("payments") or {}) or all(m[0] in later for m in due["members"]):
                    continue
                self._post(summary, journal)

    def _post(self, summary: dict, journal: str) -> None:
        plan = payment_plan(summary, journal, self.gl_account)
        posting = Posting(shell(summary), CustomerPlan("", summary.get("collective", ""), {}), summary["account"], plan)
        if "payment" not in self.pipeline.steps(posting):  # a sink that books no payments (a folder for review)
            return
        said = f"{summary['your_ref']} payment, journal {journal}"
        self.pipeline.post(
            Doc(
                posting,
                PaymentKeep(self.ledger, summary, journal),
                ("payment",),
                said,
                found_as=lambda step: said,
                known=set,
                lost=lambda unknown, step: Rejected(unknown.message, "it is retried by itself"),  # batched: the sink answers each item
                before={"document": {"ref": summary.get("ref"), "number": summary.get("number")}},
                look=summary["key"] not in self.posted,
                batched=PAYMENT,
                on_error=lambda step, exc: self._fail(summary, journal, exc),
            )
        )

    def missing(self, summary: dict) -> list[str]:
        """The summary's payment entries the ledger has as done that the books do not hold."""
        return [
            f"{summary['your_ref']} payment, journal {journal}"
            for journal, state in sorted((summary.get("payments") or {}).items())
            if state["state"] == "done" and not self.pipeline.still_there("payment", state)
        ]

    def _fail(self, summary: dict, journal: str, exc) -> None:
        kind, _, day = summary["day_key"].split("|")
        for order_id, refund_id, number in receipts_due(summary)[journal]["members"]:
            self.days.fail(order_id, refund_id, number, kind, day, exc, what=f"payment (journal {journal}) of the ")
