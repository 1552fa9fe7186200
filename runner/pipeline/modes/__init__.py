"""Booking modes: strategies that say which documents a run produces from the orders it
reads and when each is due, and hand them to the one exactly-once pipeline
(runner/pipeline/exactly_once.py). `booking.mode` is read here, and only here, by `mode_for`.

A mode offers: `book(order, refund_id, planned, account)` for each due document of an order
(posted now, or kept for later); `still_held(order_id, refund_id, plan)` for one the ledger
has as booked; `opens()` the intents it keeps besides the orders' steps (to settle);
`finish()` what is due at the end of the listing (day summaries, their payments);
`missing(since)` for the completeness check; `finds_orders`: whether an order's own
document can be found in the books (a new ledger asks them)."""

from __future__ import annotations

from runner.pipeline.modes.base import Mode
from runner.pipeline.modes.daily import Daily
from runner.pipeline.modes.per_order import PerOrder
from runner.spec.model import Spec


def mode_for(spec: Spec, pipeline, failures, clock) -> Mode:
    """The booking mode the spec names."""
    if spec.booking.mode == "daily_summary":
        return Daily(spec, pipeline, failures, clock)
    return PerOrder(spec, pipeline, failures, clock)
