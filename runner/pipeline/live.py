"""A run in progress, seen from outside: every RECORD_EVERY orders the run's record in the
ledger is brought up to date (still marked interrupted until it ends, as the engine records
it when it starts), so `runner status` says "running for 6 min, 385 booked so far" of a live
run and what a killed one booked before it died. One small ledger write per ten orders."""

from __future__ import annotations

from collections.abc import Callable

from runner.pipeline.engine import INTERRUPTED
from runner.pipeline.progress import Tick

RECORD_EVERY = 10  # orders between two records of a run in progress


def recording(run, show: Callable[[Tick | None], None] | None = None) -> Callable[[Tick | None], None]:
    """The engine's `progress` callback for `run` (an engine.Run): records the run as it
    goes, then hands the tick on to `show` (the CLI's line), if any."""

    def progress(tick: Tick | None) -> None:
        if tick is not None and tick.done and tick.done % RECORD_EVERY == 0:
            run.ledger.record_run({**run.outcome.as_dict(), "stopped": INTERRUPTED})
        if show is not None:
            show(tick)

    progress.waiting = getattr(show, "waiting", None)  # type: ignore[attr-defined]
    return progress
