"""A pinned month for `runner settle`: the demo shop from 1 October 2026 paid through Mollie,
Stripe and PayPal (runner/sandbox/psp), an Exact administration, and a spec with a
`settlements:` section wired to all of them; the clock stands at 20 November 2026."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from runner.sandbox.psp.start import Providers, start
from runner.sandbox.woo.api import ManualClock, WooSimulator

FIRST_ORDER = datetime(2026, 10, 1, 9, 0)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SINCE = date(2026, 10, 1)
JOURNALS = {"mollie": "23", "stripe": "22", "paypal": "21"}


def settlements_yaml(urls: dict[str, str]) -> str:
    out = "settlements:\n"
    for name, journal in JOURNALS.items():
        keys = (
            "    client_id: ${PAYPAL_CLIENT_ID}\n    client_secret: ${PAYPAL_CLIENT_SECRET}\n"
            if name == "paypal"
            else f"    api_key: ${{{name.upper()}_KEY}}\n"
        )
        vat = "\"{{ '2' if provider == 'mollie' else '' }}\""
        out += (
            f'  {name}:\n{keys}    url: {urls[name]}\n    journal: "{journal}"\n    clearing_account: "1190"\n'
            f'    fee_account: "4600"\n    fee_vat_code: {vat}\n    chargeback_account: "4610"\n    differences_account: "4610"\n'
        )
    return out


@dataclass
class World:
    dir: Path
    spec: Path
    woo: WooSimulator
    exact: object
    providers: Providers
    box: object
    clock: ManualClock

    def stop(self) -> None:
        self.providers.stop()
        self.box.stop()


def world(
    tmp_path: Path, orders: int = 640, extra: str = "", now: datetime | None = None, sockets: bool = False, psp: dict | None = None, **exact_options
) -> World:
    """The pinned month; with `now`, the same shop ending at `now` (its first order 28 days before)."""
    from runner.sandbox.embedded import serve
    from runner.sandbox.exact.simulator import ExactSimulator

    clock = ManualClock(now or NOW)
    first = (now.astimezone().replace(tzinfo=None, microsecond=0) - timedelta(days=28)) if now else FIRST_ORDER
    woo = WooSimulator.demo(orders, seed=7, start=first, clock=clock)
    providers = start(woo, clock, seed=7, sockets=sockets, **(psp or {}))  # psp: each simulator's [U] settings
    exact = ExactSimulator(seed=7, **{"minutely_limit": 100_000, **exact_options})
    box = serve(woo, exact, sockets=sockets, sleep=None if sockets else (lambda seconds: None))
    box.log_in(tmp_path / ".runner" / "exact-token.json")
    secrets = {
        **box.credentials(),
        "MOLLIE_KEY": providers.credentials()["mollie"]["access_token"],
        "STRIPE_KEY": providers.credentials()["stripe"]["secret_key"],
        "PAYPAL_CLIENT_ID": providers.credentials()["paypal"]["client_id"],
        "PAYPAL_CLIENT_SECRET": providers.credentials()["paypal"]["client_secret"],
    }
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in secrets.items()))
    spec = tmp_path / "sync.yaml"
    spec.write_text(
        f"version: 1\nextends: mappings/nl-default.yaml\n"
        f"woocommerce:\n  url: {box.woo_url}\n  consumer_key: ${{WOO_CONSUMER_KEY}}\n  consumer_secret: ${{WOO_CONSUMER_SECRET}}\n"
        f"exact:\n  base_url: {box.exact_url}\n  division: 1234567\n  client_id: ${{EXACT_CLIENT_ID}}\n"
        f"  client_secret: ${{EXACT_CLIENT_SECRET}}\n  redirect_uri: http://localhost:8765/callback\n"
        f"orders:\n  statuses: [completed, processing]\n  since: {(first - timedelta(days=30)).date().isoformat()}\nvies:\n  url: {box.vies_url}\n"
        + settlements_yaml(providers.urls)
        + extra
    )
    return World(tmp_path, spec, woo, exact, providers, box, clock)


def book_orders(w: World):
    """The shop's orders booked, as `runner run` on 20 November 2026 would."""
    from tests.test_exact_truth import engine

    class Box:
        spec, dir = w.spec, w.dir

    return engine(Box, clock=lambda: NOW.timestamp())


def settle(w: World, **options):
    """`runner settle` as a service call on the pinned clock; the SettleResult."""
    from runner import spec as spec_module
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.settlements import SettlementBooks
    from runner.adapters.exact.sink import sink_from_spec
    from runner.adapters.psp import provider_for
    from runner.adapters.woo.source import source_from_spec
    from runner.ledger import Ledger
    from runner.services.settle import SettleOptions
    from runner.services.settle import settle as settle_service

    spec = spec_module.load(w.spec)
    known = spec.settlements.providers()
    with Ledger(w.dir / ".runner" / "state.json") as ledger:
        sink = sink_from_spec(spec, ledger, store_from_spec(spec, clock=time.time))
        books = SettlementBooks(sink.api, ledger, sink.receipt_sign)
        adapters = lambda name: provider_for(name, known[name], now=lambda: NOW)  # noqa: E731
        return settle_service(spec, ledger, source_from_spec(spec), books, sink, adapters, SettleOptions(since=SINCE, **options), NOW.date())


def journal_balance(w: World, journal: str) -> Decimal:
    return sum(
        (
            Decimal(str(line["AmountFC"]))
            for row in w.exact.bank_entries.values()
            if row["JournalCode"].strip() == journal
            for line in row["BankEntryLines"]
        ),
        Decimal(0),
    )


def open_movements(w: World, name: str) -> Decimal:
    """What the provider holds that no payout has paid out yet (in transit), net of fees."""
    books = w.providers.simulator(name).books
    books.payouts(NOW)
    return sum((m.net for m in books.moves if m.when <= NOW and m.payout is None), Decimal(0))
