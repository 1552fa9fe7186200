"""The payment providers' APIs, read only: each adapter turns its provider's payouts into
neutral settlements (runner/domain/settlement.py). `provider_for` builds one from the spec."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from runner.spec.providers import Provider


def provider_for(name: str, spec: Provider, transport: httpx.BaseTransport | None = None, now: Callable[[], datetime] | None = None):
    """The adapter of one provider of `settlements:`, reading its API with the spec's keys;
    `now`: until when PayPal's statement is read (the clock, injected)."""
    from runner.adapters.psp.mollie import Mollie
    from runner.adapters.psp.paypal import PayPal
    from runner.adapters.psp.stripe import Stripe

    adapter = {"mollie": Mollie, "stripe": Stripe, "paypal": PayPal}[name](spec, transport)
    if now is not None:
        adapter.now = now
    return adapter
