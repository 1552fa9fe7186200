"""Daily summaries (booking.mode: daily_summary): the documents waiting for their day to be
booked ("members", with the lines the summary sums; each a dict as runner/domain/summary.py
made it), and the summaries themselves. Both in small tables, as the steps are (members per
STEP_BUCKET orders, summaries per month of their day): a write dumps its table, so one table
of a year's 20,000 members made a backfill quadratic (37 ms per member kept at 6,000)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runner.ledger.records import Summary
from runner.ledger.steps import STEP_BUCKET
from runner.ledger.store import Store


def members_table(order_id: int) -> str:
    return f"members_{order_id // STEP_BUCKET}"


def summaries_table(key: str) -> str:
    """A summary's key (`sale|70|2026-11-26|1`) names its day, so its month's table."""
    return f"summaries_{key.rsplit('|', 2)[-2][:7]}"


class Summaries:
    def __init__(self, store: Store, stamp: Callable[[], str]) -> None:
        self.store, self.stamp = store, stamp

    def _tables(self, prefix: str) -> list[str]:
        return sorted(t for t in self.store.tables() if t.startswith(prefix))

    def keep_member(self, kept: Mapping[str, Any]) -> None:
        self.store.upsert(members_table(kept["order"]), dict(kept), {"order": kept["order"], "refund": kept["refund"]})

    def member(self, order_id: int, refund_id: int) -> dict | None:
        """A document kept for its day, as it was kept first (its day does not move)."""
        return self.store.get(members_table(order_id), {"order": order_id, "refund": refund_id})

    def members(self) -> list[dict]:
        return [kept for name in self._tables("members_") for kept in self.store.all(name)]

    def drop_members(self, keys: list[tuple[int, int]]) -> None:
        wanted = {tuple(k) for k in keys}
        for name in sorted({members_table(order) for order, _ in wanted} & self.store.tables()):
            self.store.remove(name, lambda m: (m["order"], m["refund"]) in wanted)

    def summaries(self) -> list[Summary]:
        return [Summary.of(summary) for name in self._tables("summaries_") for summary in self.store.all(name)]

    def save_summary(self, record: Mapping[str, Any]) -> None:
        """Written before the summary's POST (`state` intent, with its members), and after it (done)."""
        self.store.upsert(summaries_table(record["key"]), {**record, "at": self.stamp()}, {"key": record["key"]})

    def drop_summary(self, key: str) -> None:
        """A summary the sink shows never landed: its members are free to be summed again."""
        self.store.remove(summaries_table(key), {"key": key})
