"""What the three provider simulators share: the books made once from the shop's orders, the
clock a test pins, and what a test reads of them (balance and payouts) beside the API they serve."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from runner.sandbox.psp.world import Books


class Provider:
    """A provider's simulator: subclasses say how to make their books and serve `handle`."""

    def __init__(self, woo, clock, seed: int, settings) -> None:
        self.settings = settings
        self.clock = clock
        self.seed = seed
        self.books: Books = self.make_books(woo, settings, seed, clock.now())
        self.calls: list[str] = []

    def make_books(self, woo, settings, seed: int, now: datetime) -> Books:
        raise NotImplementedError

    def now(self) -> datetime:
        return self.clock.now().astimezone(UTC)

    def balance(self, at: datetime | None = None) -> Decimal:
        """What the provider holds at `at` (now by default): every movement so far less every payout."""
        return self.books.balance(at or self.now())

    def paid_out(self) -> list[tuple[str, datetime, Decimal]]:
        return self.books.paid_out(self.now())
