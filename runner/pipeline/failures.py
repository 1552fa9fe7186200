"""What a run does with an order that failed: recorded in the ledger with when it is retried
(growing pauses, then daily, up to MAX_ATTEMPTS), said in the outcome, or the run stops when
the failure is not the order's own (unreachable, throttled, the quota). Every booking mode
fails its orders through this one place (runner/pipeline/modes)."""

from __future__ import annotations

from collections.abc import Callable

from runner.errors import BookingError, OutcomeUnknown, Rejected, RunnerError, ServiceError
from runner.ledger import Ledger
from runner.pipeline.outcome import Outcome, iso

RETRY_DELAYS = (15 * 60, 60 * 60, 4 * 3600, 24 * 3600)  # then daily, up to MAX_ATTEMPTS
MAX_ATTEMPTS = 8


class Failures:
    """The failures of one run; `safe` blanks secrets in what reaches the ledger."""

    def __init__(self, ledger: Ledger, outcome: Outcome, clock: Callable[[], float], safe: Callable[[str], str], spec: str = "") -> None:
        self.ledger, self.outcome, self.clock, self.safe = ledger, outcome, clock, safe
        self.spec = spec  # the spec's fingerprint: `run` says when it changed since an order failed

    def order(self, order_id: int, exc: RunnerError, step: tuple[int | None, str] | None = None) -> None:
        """An order that met `exc`: recorded as failed (retried later), or the run stops.
        `step`: only that (refund, step) of the order was refused (a batched payment)."""
        if isinstance(exc, OutcomeUnknown):
            self.outcome.failed[order_id] = f"{exc.message}; what to do: nothing, {exc.hint}"
            self.ledger.fail(order_id, self.safe(exc.message), iso(self.clock()), kind="unknown outcome", spec=self.spec)
        elif isinstance(exc, (BookingError, Rejected)):
            for intent in self.ledger.open_intents():  # refused, so nothing landed: no lookup needed
                if intent["order"] == order_id and (step is None or (intent["refund"] or None, intent["step"]) == step):
                    self.ledger.forget(order_id, intent["refund"], intent["step"])
            self.failed(order_id, exc, "rejected" if isinstance(exc, Rejected) else "local")
        elif isinstance(exc, ServiceError) and exc.status is not None and exc.status != 429 and exc.status <= 500:
            self.failed(order_id, exc, "shop")  # the shop failed on this order's own data (its product, its refunds)
        else:
            raise exc  # unreachable, throttled, a gateway down, the quota: the run stops, nothing is lost

    def failed(self, order_id: int, exc: RunnerError, kind: str, refund: int | None = None) -> None:
        """One order's failure, retried later with growing pauses; the others go on. `refund`:
        only that refund failed (its sale and the other credits are booked)."""
        self.outcome.failed[order_id] = f"{exc.message}; what to do: {exc.hint}" if exc.hint else exc.message
        previous = (self.ledger.failure(order_id) or {}).get("attempts", 0)
        delay = RETRY_DELAYS[min(previous, len(RETRY_DELAYS) - 1)]
        retry_at = iso(self.clock() + delay) if previous + 1 < MAX_ATTEMPTS else None
        self.ledger.fail(order_id, self.safe(exc.message), retry_at, kind=kind, refund=refund, spec=self.spec)
