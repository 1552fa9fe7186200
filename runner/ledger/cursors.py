"""Cursors: named values a run moves on (how far the last run read the shop, when the ledger
was tidied, its format, whose it is), and the alert state (notify:): what was last told and
when a run last succeeded, so that an alert goes out once, not on every run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runner.ledger.store import Store


class Cursors:
    def __init__(self, store: Store, stamp: Callable[[], str]) -> None:
        self.store, self.stamp = store, stamp

    def get(self, name: str) -> Any:
        found = self.store.get("cursors", {"name": name})
        return found["value"] if found else None

    def set(self, name: str, value: Any) -> None:
        self.store.upsert("cursors", {"name": name, "value": value, "at": self.stamp()}, {"name": name})

    def alert_state(self) -> dict:
        found = self.store.get("alerts", {"name": "state"})
        return dict(found["value"]) if found else {}

    def save_alert_state(self, value: dict) -> None:
        self.store.upsert("alerts", {"name": "state", "value": value, "at": self.stamp()}, {"name": "state"})
