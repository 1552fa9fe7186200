"""Exact calls for settlements beside the per-order receipts (issue 24 point 7).

    python bench/settle.py [--orders 2000] [--days 30]

A month of `--orders` orders, paid half through Mollie (iDEAL) and half through Stripe, each
provider paying out weekly (about 8 payouts in all), booked with `booking.status: paid` (a
receipt per order, sent in batches) into a fresh sandbox; then `runner settle` books the
payouts. Prints the Exact calls of each, beside what one bank entry per payment would cost.
The sandbox's minute and day windows are widened: this counts calls, it does not time them."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.calls import orders  # noqa: E402
from runner.adapters.exact.logins import store_from_spec  # noqa: E402
from runner.adapters.exact.settlements import SettlementBooks  # noqa: E402
from runner.adapters.exact.sink import sink_from_spec  # noqa: E402
from runner.adapters.psp import provider_for  # noqa: E402
from runner.adapters.vies import vies_from_spec  # noqa: E402
from runner.adapters.woo.source import source_from_spec  # noqa: E402
from runner.ledger import Ledger  # noqa: E402
from runner.pipeline import engine  # noqa: E402
from runner.sandbox.embedded import serve  # noqa: E402
from runner.sandbox.exact.simulator import ExactSimulator  # noqa: E402
from runner.sandbox.psp.start import start as start_providers  # noqa: E402
from runner.sandbox.woo.api import ManualClock, WooSimulator  # noqa: E402
from runner.services.settle import SettleOptions, settle  # noqa: E402
from runner.spec import check as spec_module  # noqa: E402

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # pinned: the same month, the same calls, on any date
GATEWAYS = ("mollie_wc_gateway_ideal", "stripe")
JOURNALS = {"mollie": "23", "stripe": "22"}


def shop(n: int, days: int) -> list[dict]:
    """`n` paid orders spread over `days` days before NOW, every other one through Stripe."""
    first = (NOW - timedelta(days=days + 2)).replace(tzinfo=None)
    out = []
    for i, raw in enumerate(orders(n, max(1, n // 3), start=first, days=days)):
        gateway = GATEWAYS[i % 2]
        out.append({**raw, "payment_method": gateway, "transaction_id": f"tr_{raw['id']:010d}" if i % 2 == 0 else f"ch_{raw['id']:014d}",
                    "date_paid": raw["date_created"], "date_paid_gmt": raw["date_created_gmt"]})  # fmt: skip
    return out


def spec_text(box, providers) -> str:
    settlements = "".join(
        f'  {name}:\n    api_key: ${{{name.upper()}_KEY}}\n    url: {providers.urls[name]}\n    journal: "{journal}"\n'
        '    clearing_account: "1190"\n    fee_account: "4600"\n    chargeback_account: "4610"\n    differences_account: "4610"\n'
        for name, journal in JOURNALS.items()
    )
    journal = "\"{{ '22' if order.payment_method == 'stripe' else '23' }}\""
    return (
        f"version: 1\nextends: mappings/nl-default.yaml\nwoocommerce:\n  url: {box.woo_url}\n"
        "  consumer_key: ${WOO_CONSUMER_KEY}\n  consumer_secret: ${WOO_CONSUMER_SECRET}\n"
        f"exact:\n  base_url: {box.exact_url}\n  division: 1234567\n  client_id: ${{EXACT_CLIENT_ID}}\n  client_secret: ${{EXACT_CLIENT_SECRET}}\n"
        "  redirect_uri: http://localhost:8765/callback\n  token_file: token.json\nstate: state.json\n"
        f"orders:\n  statuses: [completed]\n  since: 2026-01-01\nvies:\n  url: {box.vies_url}\n"
        f"booking:\n  status: paid\npayments:\n  journal: {journal}\nsettlements:\n{settlements}"
    )


def measure(n: int, days: int, folder: Path) -> dict:
    clock = ManualClock(NOW)
    woo = WooSimulator(orders=shop(n, days), clock=clock)
    providers = start_providers(woo, clock)
    exact = ExactSimulator(minutely_limit=1_000_000, daily_limit=1_000_000)
    box = serve(woo, exact)
    try:
        box.log_in(folder / "token.json")
        keys = {**box.credentials(), "MOLLIE_KEY": providers.credentials()["mollie"]["access_token"]}
        keys["STRIPE_KEY"] = providers.credentials()["stripe"]["secret_key"]
        (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
        (folder / "sync.yaml").write_text(spec_text(box, providers))
        spec = spec_module.load(folder / "sync.yaml")
        with Ledger(spec.file("state.json")) as ledger:
            sink = sink_from_spec(spec, ledger, store_from_spec(spec))
            run = engine.Run(spec, source_from_spec(spec), sink, ledger, clock=NOW.timestamp, vies=vies_from_spec(spec))()
            run_calls, receipts = sum(exact.calls.values()), exact.calls[("POST", "financialtransaction/BankEntries")]
            books = SettlementBooks(sink.api, ledger, sink.receipt_sign)
            known = spec.settlements.providers()
            started = time.perf_counter()
            since = (NOW - timedelta(days=days + 2)).date()
            result = settle(
                spec,
                ledger,
                source_from_spec(spec),
                books,
                sink,
                lambda name: provider_for(name, known[name]),
                SettleOptions(since=since),
                NOW.date(),
            )
            seconds = time.perf_counter() - started
        payments = sum(1 for o in woo.orders.values() if o.get("date_paid_gmt"))
        payouts = sum(len(p.booked) for p in result.providers)
        return {
            "orders": len(run.booked),
            "payments": payments,
            "run_calls": run_calls,
            "receipt_posts": receipts,
            "payouts": payouts,
            "settle_exact_calls": result.exact_calls,
            "settle_posts": exact.calls[("POST", "financialtransaction/BankEntries")] - receipts,
            "provider_calls": result.provider_calls,
            "seconds": round(seconds, 1),
            "agree": all(p.failed == {} for p in result.providers),
        }
    finally:
        providers.stop()
        box.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        got = measure(args.orders, args.days, Path(folder))
    print(f"{got['orders']:,} orders booked with their receipts: {got['run_calls']:,} Exact calls ({got['receipt_posts']} receipt entries)")
    print(
        f"{got['payouts']} payouts settled: {got['settle_exact_calls']} Exact calls ({got['settle_posts']} bank entries), "
        f"{got['provider_calls']} provider calls, {got['seconds']} s"
    )
    per_payout = got["settle_exact_calls"] / max(1, got["payouts"])
    print(f"one bank entry per payment would be {got['payments']:,} POSTs; per payout: {per_payout:.1f} Exact calls")


if __name__ == "__main__":
    main()
