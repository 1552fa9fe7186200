"""What every booking mode offers (runner/pipeline/modes/__init__.py says how they plug in)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Protocol

from runner.pipeline import due
from runner.pipeline.exactly_once import Open
from runner.pipeline.outcome import iso

LOOKBACK = 31  # days a new ledger looks back for documents a lost one booked; the completeness check's reach


def today(clock: Callable[[], float], timezone: str) -> date:
    """The shop's date now."""
    return date.fromisoformat(iso(clock(), tz=timezone)[:10])


class Mode(Protocol):
    finds_orders: bool

    def book(self, order, refund_id: int | None, planned: due.Planned, account: str | None) -> tuple[str | None, bool]: ...

    def still_held(self, order_id: int, refund_id: int | None, plan) -> None: ...

    def opens(self) -> Iterable[Open]: ...

    def finish(self) -> None: ...

    def missing(self, since: date) -> list[str]: ...
