"""Three demo clients for `runner serve --sandbox`: each its own demo shop and Exact
administration in this process, a spec file with a .env and a login beside it, as a real
client's folder would hold. One has an order in a month its bookkeeper closed in Exact (that
order fails with Exact's words until the month is opened again); one has a login close to
Exact's 30 days; one is paid through Mollie, Stripe and PayPal (the sandbox's providers) and
has a settlements: section. `Demo.open_month()` is the bookkeeper reopening the month."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from runner.sandbox.embedded import Sandbox, serve
from runner.sandbox.exact.simulator import ExactSimulator
from runner.sandbox.psp.start import start as start_providers
from runner.sandbox.woo.api import WooSimulator
from runner.sandbox.woo.carts import Address, ProductLine

CLIENTS = (("bakkerij-de-zon", 11, 14), ("fietsenwinkel-noord", 12, 10), ("theehuis-amber", 13, 8))  # name, seed, orders
FAILING = "fietsenwinkel-noord"
SETTLING = "bakkerij-de-zon"  # paid through Mollie, Stripe and PayPal, its spec has settlements:
JOURNALS = {"mollie": "23", "stripe": "22", "paypal": "21"}  # the sandbox administration's provider journals
OLD_LOGIN = "theehuis-amber"
OLD_LOGIN_DAYS = 27


@dataclass
class Demo:
    folder: Path
    boxes: dict[str, Sandbox] = field(default_factory=dict)
    specs: dict[str, Path] = field(default_factory=dict)
    closed: tuple[int, int] | None = None
    refused: int | None = None  # the order of the closed month

    def open_month(self) -> None:
        if self.closed:
            self.boxes[FAILING].exact.open_period(*self.closed)

    def stop(self) -> None:
        for box in self.boxes.values():
            box.stop()


def spec_text(box: Sandbox) -> str:
    return (
        "version: 1\nextends: mappings/nl-default.yaml\n"
        f"woocommerce:\n  url: {box.woo_url}\n  consumer_key: ${{WOO_CONSUMER_KEY}}\n  consumer_secret: ${{WOO_CONSUMER_SECRET}}\n"
        "  webhook_secret: ${WOO_WEBHOOK_SECRET}\n"
        f"exact:\n  base_url: {box.exact_url}\n  division: {box.exact.admin.division}\n  client_id: ${{EXACT_CLIENT_ID}}\n"
        "  client_secret: ${EXACT_CLIENT_SECRET}\n  redirect_uri: http://localhost:8765/callback\n"
        "  token_file: .runner/exact-token.json\n  monthly_lines: 2500\n"
        "orders:\n  statuses: [completed, processing]\n  since: 2020-01-01\n"
        f"vies:\n  url: {box.vies_url}\n"
    )


def settlements_text(urls: dict[str, str]) -> str:
    """A settlements: section over the sandbox's providers: their journals, kruisposten 1190,
    fees on 4600, chargebacks and differences on 4610 (as runner settle --sandbox uses)."""
    out = "settlements:\n"
    for name, journal in JOURNALS.items():
        keys = f"    api_key: ${{{name.upper()}_KEY}}\n"
        keys = "    client_id: ${PAYPAL_CLIENT_ID}\n    client_secret: ${PAYPAL_CLIENT_SECRET}\n" if name == "paypal" else keys
        out += f'  {name}:\n{keys}    url: {urls[name]}\n    journal: "{journal}"\n    clearing_account: "1190"\n    fee_account: "4600"\n'
        out += '    chargeback_account: "4610"\n    differences_account: "4610"\n'
    return out


def provider_keys(providers) -> dict[str, str]:
    keys = providers.credentials()
    return {
        "MOLLIE_KEY": keys["mollie"]["access_token"],
        "STRIPE_KEY": keys["stripe"]["secret_key"],
        "PAYPAL_CLIENT_ID": keys["paypal"]["client_id"],
        "PAYPAL_CLIENT_SECRET": keys["paypal"]["client_secret"],
    }


def start(folder: Path, webhook_secret: str = "") -> Demo:
    """The three clients' shops, administrations and spec folders under `folder`."""
    demo = Demo(Path(folder))
    now = datetime.now().replace(microsecond=0)
    for name, seed, orders in CLIENTS:
        first = now - timedelta(days=max(2, orders // 8) + 21)  # as embedded.start: no order or refund saved in the future
        woo = WooSimulator.demo(orders, seed=seed, start=first)
        paying = start_providers(woo, seed=seed) if name == SETTLING else None  # before anything reads the shop
        box = serve(woo, ExactSimulator(seed=seed, minutely_limit=100_000))
        box.providers = paying
        demo.boxes[name] = box
        home = demo.folder / name
        (home / ".runner").mkdir(parents=True, exist_ok=True)
        box.log_in(home / ".runner" / "exact-token.json")
        keys = {**box.credentials(), "WOO_WEBHOOK_SECRET": webhook_secret or secrets.token_urlsafe(24)}
        keys |= provider_keys(paying) if paying else {}
        (home / ".env").write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
        os.chmod(home / ".env", 0o600)
        (home / "sync.yaml").write_text(spec_text(box) + (settlements_text(paying.urls) if paying else ""))
        demo.specs[name] = home / "sync.yaml"
        if name == OLD_LOGIN:
            old = time.time() - OLD_LOGIN_DAYS * 86400
            os.utime(home / ".runner" / "exact-token.json", (old, old))
    month = now.replace(day=1) - timedelta(days=45)  # a month ending before the first demo order (23 days back at most)
    demo.closed = (month.year, month.month)
    failing = demo.boxes[FAILING]
    failing.exact.close_period(*demo.closed)
    day = month.replace(day=14, hour=11, minute=30)
    order = failing.woo.place_order(
        lines=(ProductLine(188, "Racefiets <Speciale> editie", Decimal("1249.00"), 1, sku="RACE-1"),),
        billing=Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl"),
        created=day,
        paid=day,
        completed=day,
        status="completed",
    )
    demo.refused = order["id"]
    return demo
