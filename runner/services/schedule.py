"""`run --every`: the schedule holds every spec's run lock for as long as it runs (runs
started meanwhile by cron say `already running`), after checking that the interval keeps
within Exact's limits; each round then runs every spec with `RunOptions(locked=True)`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager

from runner.ledger.lock import RunLock
from runner.services.connect import Say, lock_path, quiet
from runner.services.turns import turn


@contextmanager
def held(specs: Mapping[str, object], every: str, seconds: float, wait: bool = False, say: Say = quiet) -> Iterator[dict[str, RunLock]]:
    """The run lock of each spec (by its path), held until the schedule ends; a hang of
    another run is alerted as a plain run does. Raises `UsageError` for an interval that
    would exhaust Exact's daily calls, `Busy` when another run holds a spec (unless `wait`)."""
    from runner.adapters.exact.client import check_schedule

    with ExitStack() as stack:
        locks = {}
        for path, spec in specs.items():
            check_schedule(every, seconds, spec.exact.base_url)  # type: ignore[attr-defined]
            locks[path] = stack.enter_context(turn(spec, lock_path(spec), wait, alerts=True, say=say))
        yield locks
