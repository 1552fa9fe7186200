"""A spec's turn: its run lock (a run found holding it too long is a hang, alerted once), and
the `notify:` alerts once a run is over, also when it crashed (that is what a stall is made
of). Notes and warnings go to the caller's `say`; a failed alert is a warning only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner.errors import Busy, RunnerError
from runner.ledger.lock import RunLock, run_lock
from runner.services.connect import Say, quiet
from runner.spec.model import Spec


@contextmanager
def alerting(spec: Spec, enabled: bool, say: Say = quiet) -> Iterator[dict[str, Any]]:
    """Yields a dict the run puts its `report` in; once the run is over (or has crashed) the
    spec's alerts are decided and sent. Not for dry or sandbox runs (`enabled` False)."""
    outcome: dict[str, Any] = {}
    if not enabled or not spec.notify:
        yield outcome
        return
    from runner.services import notify

    try:
        yield outcome
    except Exception as error:
        if isinstance(error, RunnerError):
            outcome["crash"] = error.message + (f" (what to do: {error.hint})" if error.hint else "")
        else:
            outcome["crash"] = f"unexpected error in the runner ({type(error).__name__})"
        raise
    finally:
        if outcome:
            for warning in notify.after_run(spec, outcome.get("report"), outcome.get("crash", "")):
                say(f"warning: {warning}")


@contextmanager
def turn(spec: Spec, path: Path, wait: bool = False, alerts: bool = False, say: Say = quiet) -> Iterator[RunLock]:
    """The spec's run lock. Found held by a run that began longer than notify.stall_after
    ago, it is a hang: alerted (once, like any stall) before this run says `already running`
    (or queues, with `wait`). An orphaned lock is taken over, and said so."""
    lock = run_lock(path)
    try:
        lock.acquire()
    except Busy as busy:
        if alerts:
            _hang(spec, busy, say)
        if not wait:
            raise
        lock.acquire(wait=True)
    if lock.taken_over:
        say(f"note: the run lock was held by process {lock.taken_over.pid}, which has ended; this run took it over")
    try:
        yield lock
    finally:
        lock.release()


def _hang(spec: Spec, busy: Busy, say: Say) -> None:
    if not spec.notify or not spec.notify.stall_after or busy.since is None:
        return
    from runner.services import notify

    if time.time() - busy.since < spec.notify.stall.total_seconds():
        return
    crash = f"{busy.message}; it may hang: if it does not end, stop that process (the next run carries on where it stopped)"
    for warning in notify.after_run(spec, None, crash, held_since=datetime.fromtimestamp(busy.since, UTC)):
        say(f"warning: {warning}")
