"""Exact calls per booked order, for each target and status (DESIGN.md section 8).

    python bench/calls.py [--orders 1000] [--customers 300] [--days N] [--mode per_order|daily_summary] [--status sent|paid]
    python bench/calls.py --vies [--orders 300] [--customers 20]

Books N generated orders (prices incl. and excl. VAT, 21/9/0 %, coupons, shipping) from
`--customers` distinct customers (their e-mails in varying letter case) into a fresh
sandbox per combination, with an incremental second run, and prints the calls Exact saw.
The sandbox's minute and day windows are widened: this counts calls, it does not time them.
Beside the runner, in the same run on the same orders: a naive flow (look the customer up,
create it when new, post the entry, post the payment), the baseline the runner must beat.

`--vies`: VIES checks instead: `--orders` intra-EU B2B orders of `--customers` companies,
booked by three runs (the orders, as many again a day later, and again eight days on), and
the VIES calls of each run (answers are kept in the ledger: runner/pipeline/vies_answers.py)."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.adapters.exact.logins import store_from_spec  # noqa: E402
from runner.adapters.exact.sink import sink_from_spec  # noqa: E402
from runner.adapters.vies import vies_from_spec  # noqa: E402
from runner.adapters.woo.source import source_from_spec  # noqa: E402
from runner.ledger import Ledger  # noqa: E402
from runner.pipeline import engine
from runner.sandbox.embedded import serve  # noqa: E402
from runner.sandbox.exact.simulator import ExactSimulator  # noqa: E402
from runner.sandbox.vies import ViesSimulator  # noqa: E402
from runner.sandbox.woo.api import ManualClock, WooSimulator  # noqa: E402
from runner.sandbox.woo.carts import Address, Cart, Coupon, ProductLine, Shipping  # noqa: E402
from runner.sandbox.woo.orders import build_order  # noqa: E402
from runner.spec import check as spec_module  # noqa: E402

PRODUCTS = [
    (188, "Espressobonen 1 kg", "ESP-1KG", "24.20", ""),
    (190, "Thee assortiment", "THEE-ASS", "10.90", "reduced-rate"),
    (210, "Koffiemok Delfts blauw", "MOK-DB-01", "18.00", ""),
    (245, "Kookboek Hollandse pot", "BOEK-HP-NL", "20.00", "reduced-rate"),
    (301, "Wollen sjaal", "SJAAL-WOL-GR", "48.40", ""),
]


# Business customers in other member states, their VAT numbers registered in the sandbox's VIES:
# every tenth order is theirs (0 % intra-EU supplies, each number checked in VIES once per run).
COMPANIES = [
    ("Kaffeehaus Weber GmbH", "Köln", "DE", "DE811569869"),
    ("Brasserie Anvers BV", "Antwerpen", "BE", "BE0123456749"),
    ("SA Cafés de Lyon", "Lyon", "FR", "FR40303265045"),
]


def orders(n: int, customers: int, seed: int = 1, start: datetime | None = None, days: int = 0) -> list[dict]:
    """`n` orders one a minute from `start`, or spread evenly over `days` days; every tenth to a
    business in another member state, VAT-exempt with its VAT number."""
    rng = random.Random(seed)
    step = timedelta(days=days) / n if days else timedelta(minutes=1)
    people = [f"klant{i}@example.nl" for i in range(customers)]
    start = start or datetime.now().replace(microsecond=0) - timedelta(days=30)
    out = []
    for i in range(n):
        email = people[i] if i < customers else rng.choice(people)
        email = email.upper() if rng.random() < 0.1 else email
        company = COMPANIES[i // 10 % len(COMPANIES)]
        own = f"inkoop@{company[1].lower()}.example"
        business = Address("Inkoop", company[0], company[0], city=company[1], country=company[2], email=own) if i % 10 == 9 else None
        lines = tuple(ProductLine(p[0], p[1], Decimal(p[3]), rng.randint(1, 3), p[4], p[2]) for p in rng.sample(PRODUCTS, rng.randint(1, 3)))
        cart = Cart(
            id=10_000 + i * 100,
            lines=lines,
            billing=business or Address("Klant", str(i), city="Utrecht", country="NL", email=email),
            vat_exempt=business is not None,
            meta=(("_billing_vat_id", company[3]),) if business else (),
            created=start + step * i,
            status="completed",
            prices_include_tax=rng.random() < 0.7,
            coupons=(Coupon("welkom10", "percent", Decimal(10)),) if rng.random() < 0.2 else (),
            shipping=(Shipping(cost=Decimal("4.95")),),
            payment_method=rng.choice(["mollie_wc_gateway_ideal", "paypal", "bacs"]),
        )
        out.append(build_order(cart))
    return out


def book(target: str, status: str, shop: list[dict], folder: Path, mode: str = "per_order", now: datetime | None = None) -> dict:
    """Books `shop` and then five orders more; `now` (shop-local, naive) pins the shop's and the
    run's clock, so a test counts the same calls on any date and at any hour."""
    at = now.replace(tzinfo=ZoneInfo("Europe/Amsterdam")) if now else None
    clock = (lambda: at.timestamp()) if at else time.time
    woo = WooSimulator(orders=shop, clock=ManualClock(at) if at else None)
    exact = ExactSimulator(minutely_limit=1_000_000, daily_limit=1_000_000)
    box = serve(woo, exact)  # in-process: this counts calls, sockets would only add time
    try:
        box.log_in(folder / "token.json")
        spec = _spec(box, folder, target, status, mode)
        ledger = Ledger(spec.file("state.json"))
        started = time.perf_counter()
        sink = sink_from_spec(spec, ledger, store_from_spec(spec))
        report = engine.Run(spec, source_from_spec(spec), sink, ledger, clock=clock, vies=vies_from_spec(spec))()
        seconds = time.perf_counter() - started
        calls_first = sum(exact.calls.values())
        balance_reads = sum(exact.calls[("GET", f"financialtransaction/{kind}Entries")] for kind in ("Bank", "Cash"))  # one a journal
        # steady state: a second run with five new orders and nothing else changed
        for raw in orders(5, 5, seed=99, start=now or datetime.now().replace(microsecond=0)):
            woo.add_order({**raw, "id": raw["id"] + 900_000, "number": str(raw["id"] + 900_000)})
        sink = sink_from_spec(spec, ledger, store_from_spec(spec))
        second = engine.Run(spec, source_from_spec(spec), sink, ledger, clock=clock, vies=vies_from_spec(spec))()
        ledger.close()
        return {
            "booked": len(report.booked),
            "calls": calls_first,
            "seconds": seconds,
            "new_accounts": exact.calls[("POST", "crm/Accounts")],
            "balance_reads": balance_reads,
            "second_booked": len(second.booked),
            "second_calls": sum(exact.calls.values()) - calls_first,
            "failed": len(report.failed),
            "vies": sum(box.vies.calls.values()),
        }
    finally:
        box.stop()


def naive(status: str, shop: list[dict], folder: Path) -> int:
    """The do-it-yourself flow a connector without a ledger or indexes takes, on the same
    orders and the same booking rules: per order, look the customer up by e-mail, create it
    when new, post the entry, and in `paid` mode post its payment. Its Exact calls."""
    from runner.adapters.exact.client import ExactApi, quote
    from runner.adapters.exact.master import MasterCache
    from runner.adapters.exact.payloads import Ids, document_payload, payment_payload
    from runner.adapters.woo.rest import parse_order
    from runner.domain.booking import Booker

    woo, exact = WooSimulator(orders=shop), ExactSimulator(minutely_limit=1_000_000, daily_limit=1_000_000)
    box = serve(woo, exact)
    try:
        box.log_in(folder / "token.json")
        spec = _spec(box, folder, "sales_entry", status)
        api = ExactApi(spec.exact.base_url, spec.exact.division, store_from_spec(spec).access_token)
        with Ledger(folder / "naive.json") as ledger:
            admin = MasterCache(api, ledger).admin()
        booker = Booker(spec)
        for raw in shop:
            order = parse_order(raw)
            doc = booker.book_order(order)
            found = api.first("crm/Accounts", "ID", f"Email eq {quote(order.email)}")
            account = found["ID"] if found else api.post("crm/Accounts", {"Name": order.email, "Email": order.email, "Status": "C"})["ID"]
            entry = api.post(*document_payload(doc, Ids(customer=account, gl=admin.gl_ids)))
            payment = booker.payment(order, doc)
            if payment:
                ids = Ids(customer=account, gl=admin.gl_ids, cash_journals=admin.cash_journals, entry_number=entry.get("EntryNumber"))
                api.post(*payment_payload(payment, ids))
        return sum(exact.calls.values())
    finally:
        box.stop()


def _spec(box, folder: Path, target: str, status: str, mode: str = "per_order"):
    keys = box.credentials()
    spec_path = folder / "sync.yaml"
    spec_path.write_text(
        f"version: 1\nextends: mappings/nl-default.yaml\nwoocommerce:\n  url: {box.woo_url}\n"
        f"  consumer_key: {keys['WOO_CONSUMER_KEY']}\n  consumer_secret: ${{S1}}\nexact:\n  base_url: {box.exact_url}\n"
        f"  division: 1234567\n  client_id: {keys['EXACT_CLIENT_ID']}\n  client_secret: ${{S2}}\n  token_file: token.json\n"
        f"state: state.json\norders:\n  statuses: [completed]\n  since: 2000-01-01\nbooking:\n  target: {target}\n  status: {status}\n"
        f"  mode: {mode}\n" + ('customers:\n  collective: "2"\n' if mode == "daily_summary" else "")
    )
    return spec_module.load(spec_path, environ={"S1": keys["WOO_CONSUMER_SECRET"], "S2": keys["EXACT_CLIENT_SECRET"]})


ROWS = [
    ("per_order", "sales_entry", "sent"),
    ("per_order", "sales_entry", "paid"),
    ("per_order", "sales_invoice", "sent"),
    ("per_order", "sales_invoice", "paid"),
    ("daily_summary", "sales_entry", "sent"),  # one entry per day on the collective account: no customer calls
    ("daily_summary", "sales_entry", "paid"),  # plus one payment entry per day and payment journal
]


def b2b_orders(n: int, companies: int, start: datetime, first_id: int) -> list[dict]:
    """`n` VAT-exempt orders, one a minute from `start`, of `companies` German companies in turn."""
    out = []
    for i in range(n):
        c = i % companies
        buyer = Address("Inkoop", f"Firma {c}", f"Firma {c} GmbH", city="Köln", country="DE", email=f"inkoop@firma{c}.example.de")
        cart = Cart(
            id=first_id + i,
            lines=(ProductLine(420, "Espressomachine", Decimal("100.00"), 1, sku="ESP-MACH"),),
            billing=buyer,
            vat_exempt=True,
            meta=(("_billing_vat_id", vat_number(c)),),
            created=start + timedelta(minutes=i),
            status="completed",
            prices_include_tax=False,
        )
        out.append(build_order(cart))
    return out


def vat_number(company: int) -> str:
    return f"DE{810_000_000 + company:09d}"


def vies_checks(n: int, companies: int, folder: Path, now: datetime) -> list[int]:
    """The VIES calls of three runs over `n` B2B orders of `companies` companies each: the
    first, one a day later, one eight days on (a valid answer is kept seven days)."""
    at = now.replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
    vies = ViesSimulator(register={vat_number(c): (f"Firma {c} GmbH", "Köln") for c in range(companies)})
    woo = WooSimulator(orders=b2b_orders(n, companies, now - timedelta(days=20), 10_000), clock=ManualClock(at))
    box = serve(woo, ExactSimulator(minutely_limit=1_000_000, daily_limit=1_000_000), vies=vies)
    calls = []
    try:
        box.log_in(folder / "token.json")
        spec = _spec(box, folder, "sales_entry", "sent")
        for run, days in enumerate((0, 1, 8)):
            if run:
                for raw in b2b_orders(n, companies, now - timedelta(days=10 - run), 10_000 + run * n):
                    woo.add_order(raw)
            before = sum(vies.calls.values())
            clock = (at + timedelta(days=days)).timestamp
            with Ledger(spec.file("state.json")) as ledger:
                sink = sink_from_spec(spec, ledger, store_from_spec(spec, clock=clock))
                report = engine.Run(spec, source_from_spec(spec), sink, ledger, clock=clock, vies=vies_from_spec(spec))()
            assert len(report.booked) == n and not report.failed, (run, report.failed)
            calls.append(sum(vies.calls.values()) - before)
        return calls
    finally:
        box.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--days", type=int, default=0, help="spread the orders over this many days (0: one a minute)")
    parser.add_argument("--mode", choices=["per_order", "daily_summary"], help="only this booking.mode's rows")
    parser.add_argument("--status", choices=["sent", "paid"], help="only this booking.status's rows")
    parser.add_argument("--vies", action="store_true", help="VIES checks of B2B orders over three runs instead")
    args = parser.parse_args()
    if args.vies:
        with tempfile.TemporaryDirectory() as folder:
            first, next_day, week_on = vies_checks(args.orders, args.customers, Path(folder), datetime.now().replace(microsecond=0))
        print(f"{args.orders} B2B orders of {args.customers} companies a run; VIES calls: run 1 {first}, a day later {next_day}, 8 days on {week_on}")
        return
    start = datetime.now().replace(microsecond=0) - timedelta(days=args.days + 30)
    shop = orders(args.orders, args.customers, start=start, days=args.days)
    print(
        f"{args.orders} orders from {args.customers} customers; budget for sent: 1 + new-customer share + 0.05 = "
        f"{1 + args.customers / args.orders + 0.05:.3f} calls per order; daily_summary: under 0.05"
    )
    print(
        f"{'mode':13} {'target':14} {'status':6} {'booked':>6} {'calls':>6} {'per order':>9} {'naive':>6} {'new accts':>9} "
        f"{'2nd run: booked':>15} {'calls':>5} {'VIES':>4} {'s':>6}"
    )
    for mode, target, status in ROWS:
        if (args.mode and mode != args.mode) or (args.status and status != args.status):
            continue
        with tempfile.TemporaryDirectory() as folder:
            r = book(target, status, shop, Path(folder), mode)
        baseline = ""
        if target == "sales_entry":  # side by side on the same orders: the naive flow books entries, one per order
            with tempfile.TemporaryDirectory() as folder:
                baseline = f"{naive(status, shop, Path(folder)) / len(shop):.3f}"
        print(
            f"{mode:13} {target:14} {status:6} {r['booked']:>6} {r['calls']:>6} {r['calls'] / max(r['booked'], 1):>9.3f} {baseline:>6} "
            f"{r['new_accounts']:>9} {r['second_booked']:>15} {r['second_calls']:>5} {r['vies']:>4} {r['seconds']:>6.1f}"
        )


if __name__ == "__main__":
    main()
