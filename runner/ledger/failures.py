"""Failures: the last error of an order (or of one refund that failed alone), with its
attempts and the time of the next retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runner.ledger.records import Failure
from runner.ledger.store import Store


class Failures:
    def __init__(self, store: Store, stamp: Callable[[], str]) -> None:
        self.store, self.stamp = store, stamp

    def failure(self, order_id: int) -> Failure | None:
        found = self.store.get("failures", {"order": order_id})
        return Failure.of(found) if found is not None else None

    def fail(self, order_id: int, message: str, next_retry: str | None, **facts: Any) -> Failure:
        previous = self.failure(order_id)
        attempts = (previous.attempts if previous else 0) + 1
        record = {"order": order_id, "message": message, "attempts": attempts, "next_retry": next_retry, "at": self.stamp(), **facts}
        self.store.upsert("failures", record, {"order": order_id})
        return Failure.of(record)

    def clear(self, order_id: int) -> None:
        self.store.remove("failures", {"order": order_id})

    def all(self) -> list[Failure]:
        return sorted(map(Failure.of, self.store.all("failures")), key=lambda f: f.order)
