"""VIES's answers on customers' VAT numbers, one record per number (its VIES country code and
digits, `DE811569869`): what VIES said (valid or invalid; an outage is never kept), its own
date, name and consultation number, and the day the runner asked. A run reuses a fresh
answer instead of asking again (runner/pipeline/vies_answers.py says how long one stays
fresh); `runner report` reads the answer the booking rested on (runner/services/vat_audit.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runner.ledger.store import Store

TABLE = "vies"


class ViesAnswers:
    def __init__(self, store: Store, stamp: Callable[[], str]) -> None:
        self.store, self.stamp = store, stamp

    def get(self, number: str) -> dict | None:
        return self.store.get(TABLE, {"number": number})

    def keep(self, answer: Mapping[str, Any]) -> None:
        self.store.upsert(TABLE, {**answer, "at": self.stamp()}, {"number": answer["number"]})

    def all(self) -> dict[str, dict]:
        return {row["number"]: dict(row) for row in self.store.all(TABLE)} if TABLE in self.store.tables() else {}
