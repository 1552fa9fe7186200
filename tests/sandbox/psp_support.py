"""A pinned month for the payment-provider simulators: the demo shop's orders from
1 October 2026 and the providers' books on 20 November 2026, on a clock moved by hand."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

from runner.sandbox.psp.start import Providers, start
from runner.sandbox.woo.api import ManualClock, WooSimulator

FIRST_ORDER = datetime(2026, 10, 1, 9, 0)  # shop-local
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def shop(orders: int = 640, now: datetime = NOW) -> tuple[WooSimulator, ManualClock]:
    clock = ManualClock(now)
    return WooSimulator.demo(orders, seed=7, start=FIRST_ORDER, clock=clock), clock


@contextmanager
def providers(orders: int = 640, sockets: bool = False, **settings):
    """(shop, providers, clock); `settings` per provider: mollie=MollieSettings(...), ..."""
    woo, clock = shop(orders)
    running: Providers = start(woo, clock, seed=7, sockets=sockets, **settings)
    try:
        yield woo, running, clock
    finally:
        running.stop()
