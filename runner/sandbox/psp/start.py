"""All three provider simulators beside one sandbox shop, each at its own 127.0.0.1 address:
in this process (an `InProcessServer`, reached through runner.support.http's mounts) or on
real sockets. Building them settles the shop's paid orders with the providers, so start them
before anything reads the shop: they give Stripe and PayPal orders the transaction ids and
meta the real plugins store, and add a late refund per provider to the shop.

    providers = start(box.woo)                    # the shop's clock is theirs
    providers.urls["mollie"], providers.credentials()["stripe"]
    providers.balance("paypal"), providers.paid_out("mollie")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from runner.sandbox.host import Served
from runner.sandbox.psp.mollie import ACCESS_TOKEN, MollieSimulator
from runner.sandbox.psp.mollie_books import MollieSettings
from runner.sandbox.psp.paypal import CLIENT_ID, CLIENT_SECRET, PayPalSimulator
from runner.sandbox.psp.paypal_books import PayPalSettings
from runner.sandbox.psp.stripe import SECRET_KEY, StripeSimulator
from runner.sandbox.psp.stripe_books import StripeSettings
from runner.sandbox.server import SandboxServer
from runner.sandbox.transport import InProcessServer

NAMES = ("mollie", "stripe", "paypal")


@dataclass
class Providers:
    mollie: MollieSimulator
    stripe: StripeSimulator
    paypal: PayPalSimulator
    servers: dict[str, Served]

    @property
    def urls(self) -> dict[str, str]:
        """Each provider's base address: Mollie's paths start /v2, Stripe's /v1, PayPal's /v1."""
        return {name: server.url for name, server in self.servers.items()}

    def simulator(self, name: str):
        return getattr(self, name)

    def credentials(self) -> dict[str, dict[str, str]]:
        """What each simulator accepts: Mollie an organization access token, Stripe a secret
        key, PayPal a REST app's client id and secret."""
        return {
            "mollie": {"access_token": ACCESS_TOKEN},
            "stripe": {"secret_key": SECRET_KEY},
            "paypal": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        }

    def balance(self, name: str, at: datetime | None = None) -> Decimal:
        """What the provider holds now (or `at`): every movement so far less every payout,
        which is the sum of the movements not yet paid out."""
        return self.simulator(name).balance(at)

    def paid_out(self, name: str) -> list[tuple[str, datetime, Decimal]]:
        """(payout id, date, amount) of every payout so far, oldest first."""
        return self.simulator(name).paid_out()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


def start(
    woo,
    clock=None,
    seed: int = 7,
    sockets: bool = False,
    mollie: MollieSettings | None = None,
    stripe: StripeSettings | None = None,
    paypal: PayPalSettings | None = None,
) -> Providers:
    """The three simulators over `woo`'s orders, on `clock` (the shop's unless given)."""
    clock = clock or woo.clock
    sims = {
        "mollie": MollieSimulator(woo, clock, seed, mollie),
        "stripe": StripeSimulator(woo, clock, seed, stripe),
        "paypal": PayPalSimulator(woo, clock, seed, paypal),
    }
    servers: dict[str, Served] = {}
    try:
        for name, sim in sims.items():
            servers[name] = (SandboxServer(sim) if sockets else InProcessServer(sim)).start()
    except OSError:
        for server in servers.values():
            server.stop()
        raise
    return Providers(sims["mollie"], sims["stripe"], sims["paypal"], servers)
