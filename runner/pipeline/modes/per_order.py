"""`booking.mode: per_order`: each due sale and refund is its own document, posted at once
through the exactly-once pipeline with the steps the sink names (a sales entry; an invoice
and its printing; a payment, batched), on the customer's account (found, or made). A
document refused because Exact no longer knows the account (deleted or merged since the
index learned it) is sent once more on the account found again by e-mail or made."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from runner.domain.model import Order
from runner.errors import BookingError, OutcomeUnknown, Rejected
from runner.pipeline import due
from runner.pipeline.exactly_once import Doc, Open, Pipeline
from runner.pipeline.failures import Failures
from runner.pipeline.keeps import StepKeep
from runner.pipeline.modes.base import LOOKBACK, today
from runner.pipeline.ports import Facts, Posting
from runner.spec.model import Spec


class PerOrder:
    finds_orders = True

    def __init__(self, spec: Spec, pipeline: Pipeline, failures: Failures, clock: Callable[[], float]) -> None:
        self.pipeline, self.failures, self.outcome = pipeline, failures, pipeline.outcome
        self.spec, self.clock = spec, clock
        self.to_check: list[tuple[str, object]] = []  # recent documents held as booked: the completeness check
        self.paid: list[tuple[str, Posting, dict[str, Facts]]] = []  # payments written this run: whether they settled

    def book(self, order: Order, refund_id: int | None, planned: due.Planned, account: str | None) -> tuple[str, bool]:
        """The document through the pipeline, and once more on a healed account when Exact
        refused it for an account it no longer knows (refused: nothing landed, no lookup)."""
        try:
            return self._post(order, refund_id, planned, account)
        except Rejected as refused:
            heal = self.pipeline.capability("unknown_account")
            healed = heal(planned.customer, refused) if heal else None
            if healed is None:
                raise
        self.pipeline.forget_open(order.id, refund_id)
        try:
            account, posted = self._post(order, refund_id, planned, None)
        except Rejected as again:
            said = f"{healed}; sent again on the e-mail's account (found in Exact or made), Exact refused it too: {again.message}"
            raise Rejected(said, again.hint, again.status) from None
        self.outcome.notes.append(f"order {planned.document.order_number}: {healed}; booked on account {account}")
        return account, posted

    def _post(self, order: Order, refund_id: int | None, planned: due.Planned, account: str | None) -> tuple[str, bool]:
        """One document through its steps; (the account, whether it was posted now)."""
        self.pipeline.check(planned)
        account = account or self.pipeline.account(order.id, planned)
        posting = Posting(planned.document, planned.customer, account, planned.payment)
        steps = self.pipeline.steps(posting)
        doc, label = planned.document, f"{order.id}" + (f"/{refund_id}" if refund_id else "")
        said = f"order {doc.order_number}" + (f" refund {doc.refund_id}" if doc.refund_id is not None else "")

        def landed(step: str, result: Facts, done: dict) -> None:
            self.paid.append((label, posting, {**done, step: result}))

        posted = self.pipeline.post(
            Doc(
                posting,
                StepKeep(self.pipeline.ledger, order.id, refund_id),
                steps,
                said,
                found_as=lambda step: f"{label} {step}",
                known=lambda: self.pipeline.known_ids(order.id),
                lost=_lost,
                first={"steps": list(steps), "entry_date": doc.entry_date.isoformat()},
                warnings=doc.warnings,
                on_done=landed,
                on_error=lambda step, exc: self.failures.order(order.id, exc, step=(refund_id, step)),
            )
        )
        return account, posted

    def still_held(self, order_id: int, refund_id: int | None, plan) -> None:
        """A document the ledger has as booked: kept for the completeness check when recent."""
        try:
            document = plan().document
        except BookingError:  # booked once, refused by today's rules: the completeness check cannot place it
            return
        if document.entry_date >= today(self.clock, self.spec.timezone) - timedelta(days=LOOKBACK):
            self.to_check.append((f"{order_id}" + (f"/{refund_id}" if refund_id else ""), document))

    def opens(self) -> Iterable[Open]:
        return ()  # the orders' steps are the pipeline's own

    def finish(self) -> None:
        pass  # everything was posted as it came

    def missing(self, since: date) -> list[str]:
        """The recent documents held as booked that the books do not hold (read in bulk)."""
        missing = [label for label, document in self.to_check if self.pipeline.holds(document) is False]
        unmatched = self.pipeline.capability("unmatched")  # whether a receipt settled what it pays
        if unmatched is not None and self.paid:
            self.outcome.unmatched += unmatched(self.paid)
        return missing


def _lost(unknown: OutcomeUnknown, step: str) -> Rejected:
    """An answered 5xx whose write the books do not hold."""
    if unknown.answer:  # a refusal in disguise: Exact's validation answers 500 with its words
        return Rejected(unknown.answer, "fix what Exact names (in the spec or in Exact), then `runner retry SPEC`", unknown.status)
    return Rejected(  # a gateway's 502/503 without words: Exact was unavailable and holds nothing
        f"{unknown.message}, and it does not hold what was sent: Exact was unavailable",
        "nothing is lost: the order is retried by itself on a later run",
        unknown.status,
    )
