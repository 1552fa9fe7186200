"""Where the ledger keeps a document's steps while the exactly-once pipeline
(runner/pipeline/exactly_once.py) takes it through them: an intent before the write, the
facts after it, forgotten when nothing landed. One `Keep` per kind of document: an order's
own documents (`StepKeep`, the ledger's steps), a day summary (`SummaryKeep`, the ledger's
summaries), a summary's payment entry per journal (`PaymentKeep`, inside the summary's record)
and a payment provider's payout (`SettlementKeep`, the ledger's settlements)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from runner.ledger import Ledger
from runner.pipeline.ports import Facts


class Keep(Protocol):
    def get(self, step: str) -> dict | None:
        """The ledger's record of the step (None: not begun)."""

    def intend(self, step: str, facts: Facts) -> None:
        """Before the write: what finds it again should the answer be lost."""

    def done(self, step: str, facts: Facts) -> None:
        """The books hold it: its facts."""

    def forget(self, step: str) -> None:
        """Nothing landed: the step is as if never begun."""


class StepKeep:
    """One document of an order (its sale, or a refund's credit): the ledger's steps."""

    def __init__(self, ledger: Ledger, order_id: int, refund_id: int | None) -> None:
        self.ledger, self.order_id, self.refund_id = ledger, order_id, refund_id

    def get(self, step: str) -> dict | None:
        return self.ledger.step(self.order_id, self.refund_id, step)

    def intend(self, step: str, facts: Facts) -> None:
        self.ledger.intend(self.order_id, self.refund_id, step, **facts)

    def done(self, step: str, facts: Facts) -> None:
        self.ledger.done(self.order_id, self.refund_id, step, **facts)

    def forget(self, step: str) -> None:
        self.ledger.forget(self.order_id, self.refund_id, step)

    def undo(self, steps) -> None:
        """The document was taken back (deleted in Exact): every step as if never begun."""
        for step in steps:
            self.ledger.undo(self.order_id, self.refund_id, step)

    def complete(self) -> bool:
        """The document and every step it takes (as recorded when it was posted) are done."""
        doc = self.get("document")
        if doc is None or doc["state"] != "done":
            return False
        return all((self.get(s) or {}).get("state") == "done" for s in doc.get("steps") or _legacy_steps(doc))


def _legacy_steps(document: dict) -> list[str]:
    """The steps of a document a ledger recorded before documents listed their own."""
    return (["print"] if document.get("target") == "sales_invoice" else []) + (["payment"] if document.get("pay") else [])


class SummaryKeep:
    """A day summary: its record (key, members, ...) saved as an intent, dropped when nothing
    landed; `on_done(record, facts)` books its members and the summary (runner/pipeline/modes/daily.py)."""

    def __init__(self, ledger: Ledger, record: dict, on_done: Callable[[dict, Facts], None]) -> None:
        self.ledger, self.record, self.on_done, self.facts = ledger, record, on_done, {}

    def get(self, step: str) -> dict | None:
        return None  # a summary the ledger holds is never made again: a late member goes into a correction

    def intend(self, step: str, facts: Facts) -> None:
        self.facts = facts
        self.ledger.save_summary({**self.record, "state": "intent", **facts})

    def done(self, step: str, facts: Facts) -> None:
        self.on_done({**self.record, **self.facts}, facts)

    def forget(self, step: str) -> None:
        self.ledger.drop_summary(self.record["key"])


class PaymentKeep:
    """A day summary's payment entry for one journal, kept in the summary's record."""

    def __init__(self, ledger: Ledger, summary: dict, journal: str, facts: Facts | None = None) -> None:
        self.ledger, self.summary, self.journal, self.facts = ledger, summary, journal, facts or {}

    def get(self, step: str) -> dict | None:
        return (self.summary.get("payments") or {}).get(self.journal)

    def intend(self, step: str, facts: Facts) -> None:
        self.facts = facts
        self._save({"state": "intent", **facts})

    def done(self, step: str, facts: Facts) -> None:
        self._save({**self.facts, **facts, "state": "done"})

    def forget(self, step: str) -> None:
        self._save(None)

    def _save(self, state: dict | None) -> None:
        """The summary's record with this journal's payment as `state` (None: none yet)."""
        states = dict(self.summary.get("payments") or {})
        if state is None:
            states.pop(self.journal, None)
        else:
            states[self.journal] = state
        self.summary["payments"] = states
        self.ledger.save_summary(self.summary)


class MemoryKeep:
    """A document's steps kept in memory, for one look only: a preview takes the document
    through the pipeline against a dry sink and nothing of it reaches any ledger."""

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}

    def get(self, step: str) -> dict | None:
        return self.records.get(step)

    def intend(self, step: str, facts: Facts) -> None:
        self.records[step] = {**facts, "state": "intent"}

    def done(self, step: str, facts: Facts) -> None:
        self.records[step] = {**facts, "state": "done"}

    def forget(self, step: str) -> None:
        self.records.pop(step, None)


class SettlementKeep:
    """A payment-provider payout's bank entry (runner/pipeline/modes/settlements.py): its
    record saved as an intent, dropped when nothing landed; `on_done(record, facts)` after."""

    def __init__(self, ledger: Ledger, record: dict, on_done: Callable[[dict, Facts], None]) -> None:
        self.ledger, self.record, self.on_done = ledger, record, on_done

    def get(self, step: str) -> dict | None:
        return self.ledger.settlement(self.record["key"])

    def intend(self, step: str, facts: Facts) -> None:
        self.record = {**self.record, **facts, "state": "intent"}
        self.ledger.save_settlement(self.record)

    def done(self, step: str, facts: Facts) -> None:
        self.record = {**self.record, **facts, "state": "done"}
        self.ledger.save_settlement(self.record)
        self.on_done(self.record, facts)

    def forget(self, step: str) -> None:
        self.ledger.drop_settlement(self.record["key"])
