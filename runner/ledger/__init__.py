"""The ledger: what was booked (with the sink's ids), how far the last run read, what failed
and why, and the runs themselves. One file per spec; Exact's books are the truth, the
ledger a cache of them that makes a run cheap and exactly-once safe.

A package of parts, each over the storage port (`store.Store`; TinyDB on the append-only
journal of `journal.py` is its one implementation, and no other module touches TinyDB):

- `steps`: intents and done steps, the exactly-once records of every POST;
- `summaries`: the daily summaries and the documents waiting for their day;
- `failures`, `runs`, `cursors` (and the alert state), `identity` (whose ledger it is);
- `vies`: VIES's answers on customers' VAT numbers, with the day they were asked;
- `finished`: the short form of finished orders, and `tidy`, the daily shrink into it;
- `migrations`: older formats brought up to date on open, in one versioned place;
- `records`: the records callers get, dataclasses that also read as the dicts they were;
- `lock`: one run per spec; `beside`: a sink's own file beside the ledger (Exact's account index).

`Ledger` is the facade the pipeline, the services and the CLI call."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from runner.ledger import identity
from runner.ledger.beside import BesideFile, path_beside
from runner.ledger.cursors import Cursors
from runner.ledger.failures import Failures
from runner.ledger.finished import Finished
from runner.ledger.journal import JournalStorage
from runner.ledger.migrations import FORMAT, migrate
from runner.ledger.records import Failure, Run, Step, Summary, run_record
from runner.ledger.runs import Runs
from runner.ledger.steps import Steps
from runner.ledger.store import Store, TinyStore
from runner.ledger.summaries import Summaries
from runner.ledger.tidy import KEEP_DAYS, tidy
from runner.ledger.vies import ViesAnswers

__all__ = ["FORMAT", "Failure", "JournalStorage", "Ledger", "Run", "Step", "Store", "Summary", "run_record", "same_site"]

same_site = identity.same_site


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """The runner's memory, one file per spec (`path` None: in memory only). `compact` only
    for the run that holds the spec's run lock. `clock` stamps the records (and says which
    day it is for the daily tidy). `store`: another storage than the file at `path`, which
    with `read_only` is never written (a dry copy)."""

    def __init__(
        self,
        path: str | os.PathLike | None,
        compact: bool = False,
        clock: Callable[[], datetime] = utc_now,
        *,
        store: Store | None = None,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.store: Store = store if store is not None else TinyStore(path, compact=compact)
        self.damaged: str = self.store.damaged  # what could not be read, if anything
        self.set_aside: Path | None = self.store.set_aside  # where a damaged file went
        self.clock = clock
        self._compact, self._read_only = compact, read_only
        self._beside: dict[str, BesideFile] = {}
        self._cursors = Cursors(self.store, self.stamp)
        self._finished = Finished(self.store)
        self._steps = Steps(self.store, self._finished, self.stamp)
        self._summaries = Summaries(self.store, self.stamp)
        self._failures = Failures(self.store, self.stamp)
        self._runs = Runs(self.store, self.stamp)
        self._vies = ViesAnswers(self.store, self.stamp)
        try:
            self.format_found = migrate(self.store, self._cursors, lambda: self.beside("accounts"))  # the format it was written in
        except Exception:
            self.close()
            raise
        if compact and self.cursor("tidied") != self.clock().date().isoformat():
            self.tidy(self.clock().date())

    @classmethod
    def dry_copy(cls, path: str | os.PathLike, clock: Callable[[], datetime] = utc_now) -> Ledger:
        """The ledger as it is, in memory: a dry run may write to it and the files stay
        untouched (a run may be appending to them: never rewritten)."""
        return cls(path, clock=clock, store=TinyStore.copy_of(path), read_only=True)

    def stamp(self) -> str:
        """When a record is written, as the ledger keeps it."""
        return self.clock().isoformat(timespec="seconds")

    def close(self) -> None:
        self.store.close()
        for file in self._beside.values():
            file.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # steps and intents (runner/ledger/steps.py)
    def step(self, order_id: int, refund_id: int | None, step: str) -> Step | None:
        return self._steps.step(order_id, refund_id, step)

    def intend(self, order_id: int, refund_id: int | None, step: str, **facts: Any) -> None:
        """Written before the POST: if we crash, the next run knows to look before posting."""
        self._steps.intend(order_id, refund_id, step, **facts)

    def done(self, order_id: int, refund_id: int | None, step: str, **ids: Any) -> None:
        """The step landed: its ids kept, and of its intent only what later reads need."""
        self._steps.done(order_id, refund_id, step, **ids)

    def forget(self, order_id: int, refund_id: int | None, step: str) -> None:
        """An intent that the sink shows never landed: safe to post again."""
        self._steps.forget(order_id, refund_id, step)

    def undo(self, order_id: int, refund_id: int | None, step: str) -> None:
        """A step, done or intended, whose document was taken back: as if never begun."""
        self._steps.undo(order_id, refund_id, step)

    def open_intents(self) -> list[Step]:
        return self._steps.open_intents()

    def order_steps(self, order_id: int) -> list[Step]:
        return self._steps.order_steps(order_id)

    def all_steps(self) -> Iterator[Step]:
        return self._steps.all_steps()

    def documents_done(self) -> Iterator[tuple[int, str]]:
        return self._steps.documents_done()

    # the daily tidy (runner/ledger/tidy.py), by the holder of the run lock
    def tidy(self, today: date, keep_days: int = KEEP_DAYS) -> int:
        """Shrinks what later runs do not need, tidies the account index, rewrites the file;
        the number of orders shrunk."""
        busy = {i.order for i in self.open_intents()} | {f.order for f in self.failures()}
        shrunk = tidy(self.store, self._finished, self._runs, busy, today, keep_days)
        for file in self._beside.values():  # a sink's file beside it (opened, by its holder, tidied as it opens)
            if hasattr(file.view, "tidy"):
                file.view.tidy()
        self.set_cursor("tidied", today.isoformat())
        self.store.compact()
        return shrunk

    # daily summaries and their members (runner/ledger/summaries.py)
    def keep_member(self, kept: Mapping[str, Any]) -> None:
        self._summaries.keep_member(kept)

    def member(self, order_id: int, refund_id: int) -> dict | None:
        """A document kept for its day, as it was kept first (its day does not move)."""
        return self._summaries.member(order_id, refund_id)

    def members(self) -> list[dict]:
        return self._summaries.members()

    def drop_members(self, keys: list[tuple[int, int]]) -> None:
        self._summaries.drop_members(keys)

    def summaries(self) -> list[Summary]:
        return self._summaries.summaries()

    def save_summary(self, record: Mapping[str, Any]) -> None:
        """Written before the summary's POST (`state` intent, with its members), and after it (done)."""
        self._summaries.save_summary(record)

    def drop_summary(self, key: str) -> None:
        """A summary the sink shows never landed: its members are free to be summed again."""
        self._summaries.drop_summary(key)

    # a sink's own file beside the ledger (runner/ledger/beside.py; the Exact sink keeps its
    # account index there), opened when first asked for
    def beside(self, name: str) -> BesideFile:
        if name not in self._beside:
            where = path_beside(self.path, name) if self.path is not None else None
            self._beside[name] = BesideFile(where, read_only=self._read_only)
        return self._beside[name]

    @property
    def compacting(self) -> bool:
        """Whether this is the run lock's holder's ledger, which may rewrite its files."""
        return self._compact

    # failures (runner/ledger/failures.py)
    def failure(self, order_id: int) -> Failure | None:
        return self._failures.failure(order_id)

    def fail(self, order_id: int, message: str, next_retry: str | None, **facts: Any) -> Failure:
        return self._failures.fail(order_id, message, next_retry, **facts)

    def clear_failure(self, order_id: int) -> None:
        self._failures.clear(order_id)

    def failures(self) -> list[Failure]:
        return self._failures.all()

    # whose ledger this is (runner/ledger/identity.py)
    def claim(self, shop: str, books: str, record: bool = True, about: Callable[[], dict] | None = None) -> str | None:
        """Binds the ledger to its shop and books, or refuses another pair (SpecError); a
        note when the same shop moved to a new address."""
        return identity.claim(self._cursors, self.path, shop, books, record, about)

    # cursors, runs, alerts
    def cursor(self, name: str) -> Any:
        return self._cursors.get(name)

    def set_cursor(self, name: str, value: Any) -> None:
        self._cursors.set(name, value)

    def record_run(self, report: Mapping[str, Any]) -> None:
        self._runs.record(report)

    def runs(self) -> list[Run]:
        """The runs kept (the window's, and the last one without failures), oldest first."""
        return self._runs.all()

    def alert_state(self) -> dict:
        return self._cursors.alert_state()

    def save_alert_state(self, value: dict) -> None:
        self._cursors.save_alert_state(value)

    # VIES's answers by number (runner/ledger/vies.py)
    def vies_answer(self, number: str) -> dict | None:
        return self._vies.get(number)

    def keep_vies_answer(self, answer: Mapping[str, Any]) -> None:
        self._vies.keep(answer)

    def vies_answers(self) -> dict[str, dict]:
        return self._vies.all()
