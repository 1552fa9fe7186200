"""Steps and intents: one record per POST of an order or refund (document, print, payment,
account). Exactly-once rests on two records per POST: an intent written (and fsynced)
before it, and the sink's ids after it; an intent without ids is an outcome not known yet.

Open intents sit in a small table of their own, so finding them on start costs nothing;
done steps in tables of STEP_BUCKET orders, so a write touches one small table; finished
orders in their buckets (runner/ledger/finished.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from runner.ledger.finished import Finished, record_of
from runner.ledger.records import Step
from runner.ledger.store import Store

STEP_BUCKET = 100  # orders per steps table
KEPT = ("steps", "journal", "entry_date")  # of an intent's facts, what a done step keeps (completeness, the report, the date it is booked on)
UNKEPT = frozenset({"account"})  # done steps whose facts live elsewhere: a new account is in the account index


def table_of(order_id: int) -> str:
    return f"steps_{order_id // STEP_BUCKET}"


def is_steps(table: str) -> bool:
    return table.startswith("steps_")


def key(order_id: int, refund_id: int | None, step: str) -> dict[str, Any]:
    return {"order": order_id, "refund": refund_id or 0, "step": step}


class Steps:
    def __init__(self, store: Store, finished: Finished, stamp: Callable[[], str]) -> None:
        self.store, self.finished, self.stamp = store, finished, stamp

    def step(self, order_id: int, refund_id: int | None, step: str) -> Step | None:
        where = key(order_id, refund_id, step)
        found = self.store.get(table_of(order_id), where) or self.store.get("intents", where)
        if found is None and (row := self.finished.of(order_id).get(refund_id or 0)) is not None:
            found = record_of(order_id, row, step)
        return Step.of(found) if found is not None else None

    def intend(self, order_id: int, refund_id: int | None, step: str, **facts: Any) -> None:
        """Written before the POST: if we crash, the next run knows to look before posting."""
        record = {**key(order_id, refund_id, step), "state": "intent", "at": self.stamp(), **facts}
        self.store.upsert("intents", record, key(order_id, refund_id, step))

    def done(self, order_id: int, refund_id: int | None, step: str, **ids: Any) -> None:
        """The step landed: its ids are kept, and of its intent only what later reads need
        (the document's steps and journal); what a lookup would have needed goes."""
        where = key(order_id, refund_id, step)
        intent = self.store.get("intents", where) or {}
        kept = {k: intent[k] for k in KEPT if k in intent}
        if step not in UNKEPT:
            self.store.upsert(table_of(order_id), {**where, **kept, "state": "done", "at": self.stamp(), **ids}, where)
        self.store.remove("intents", where)

    def forget(self, order_id: int, refund_id: int | None, step: str) -> None:
        """An intent that the sink shows never landed: safe to post again."""
        self.store.remove("intents", key(order_id, refund_id, step))

    def undo(self, order_id: int, refund_id: int | None, step: str) -> None:
        """A step whose document was taken back (deleted in Exact): as if never begun."""
        self.store.remove(table_of(order_id), key(order_id, refund_id, step))
        self.store.remove("intents", key(order_id, refund_id, step))

    def open_intents(self) -> list[Step]:
        return [Step.of(intent) for intent in self.store.all("intents")]

    def order_steps(self, order_id: int) -> list[Step]:
        """The recorded steps (done and intended) of one order: its bucket, the intents, and
        its finished documents."""
        mine = {"order": order_id}
        kept = [record_of(order_id, row) for row in self.finished.of(order_id).values()]
        return [Step.of(s) for s in [*self.store.search(table_of(order_id), mine), *self.store.search("intents", mine), *kept]]

    def all_steps(self) -> Iterator[Step]:
        """Every recorded step; a finished order's documents as done (past the window
        without their ids)."""
        for name in sorted(self.store.tables()):
            if is_steps(name):
                yield from map(Step.of, self.store.all(name))
        yield from map(Step.of, self.finished.records())

    def documents_done(self) -> Iterator[tuple[int, str]]:
        """(refund id, 0 the sale; the date it was done, "" past the window) of every document
        done: what `runner status` counts, without a record per document."""
        for name in sorted(self.store.tables()):
            if is_steps(name):
                yield from ((s["refund"], s["at"][:10]) for s in self.store.all(name) if s["step"] == "document" and s["state"] == "done")
        yield from self.finished.documents()
