"""Settlements (issue 24): one record per payment-provider payout booked as a bank entry,
keyed `provider|payout id`; `state` intent before the entry is posted (with what finds it
again: the journal and the identity tag), done with its entry's id after. Small: a shop has
a few payouts a week, so one table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runner.ledger.store import Store

TABLE = "settlements"


class Settlements:
    def __init__(self, store: Store, stamp: Callable[[], str]) -> None:
        self.store, self.stamp = store, stamp

    def get(self, key: str) -> dict | None:
        found = self.store.get(TABLE, {"key": key})
        return dict(found) if found is not None else None

    def save(self, record: Mapping[str, Any]) -> None:
        self.store.upsert(TABLE, {**record, "at": self.stamp()}, {"key": record["key"]})

    def drop(self, key: str) -> None:
        self.store.remove(TABLE, {"key": key})

    def all(self) -> list[dict]:
        return sorted((dict(r) for r in self.store.all(TABLE)), key=lambda r: (r.get("day", ""), r["key"]))
