"""A ledger that stays small (issue 14 #4): the ledger as a shop's history grows to N booked
orders over a year, kept whole (the baseline) beside tidied daily as a run does (orders
whose documents are done keep a short row per document, and past 60 days only that they
are finished). Each order is what a paid run records for a new customer (a consumer shop):
the account's intent and its entry in the account index, the entry's intent and ids, the
batched payment's intent and ids; and the runs of a 15-minute schedule with their cursors.

Per size: the ledger file and, beside it, the account index (a mirror of Exact's accounts
in a file of its own, state.accounts.json: it grows with the customers, and no window
shrinks it), the time to open both as a run does (best of three), `runner status`'s time and peak memory
(a copy of the ledger in memory, then the numbers, as the command does; best of three), and the cost of
booking one more order. Both columns come from one run: compare them with each other, not
across machines.

    python bench/ledger.py [--orders 100000] [--steps 5] [--runs-per-day 96]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.adapters.exact.accounts import AccountIndex  # noqa: E402
from runner.ledger import Ledger, run_record  # noqa: E402
from runner.ledger.beside import path_beside  # noqa: E402
from runner.pipeline.outcome import Outcome, status  # noqa: E402

START = datetime(2025, 11, 1, tzinfo=UTC)


def clock(ledger: Ledger, when: datetime) -> None:
    ledger.clock = lambda: when  # the ledger's clock, as on that day


def guid(order: int, kind: str) -> str:
    return f"{order:08x}-{kind}-4f6a-9d1e-5b7c2a1e9f00"


def book(ledger: Ledger, order: int, when: datetime) -> None:
    """What a paid run records for one order of a new customer, as runner/pipeline/engine.py and the
    Exact sink record it (a sales entry; dumped from a sandbox run): the account's intent,
    the new account in the index, the entry's intent and ids, the payment's intent and the
    id of the bank entry its batch went in."""
    clock(ledger, when)
    email, account, code = f"klant{order}@example.nl", guid(order, "acct"), str(order)
    ledger.intend(order, None, "account", sent_email=email, name=f"Klant {order}", email=email)
    AccountIndex.of(ledger).remember_account(email, account, code)  # create_customer
    ledger.done(order, None, "account", ref=account)
    ledger.intend(
        order,
        None,
        "document",
        target="sales_entry",
        journal="70",
        your_ref=str(order),
        description=f"WooCommerce order {order}",
        total="84.96",
        net="70.21",
        account=account,
        pay=True,
        steps=["document", "payment"],
    )
    ledger.done(order, None, "document", ref=guid(order, "ntry"), number=26700000 + order)
    ledger.intend(order, None, "payment", endpoint="financialtransaction/BankEntries", entry_number=26700000 + order, account=account)
    ledger.done(order, None, "payment", ref=guid(order // 25, "bank"))  # a batch of receipts: one bank entry
    AccountIndex.of(ledger).remember_code(code, account)  # the next run's refresh reads the new account back


def runs(ledger: Ledger, day: datetime, orders: list[int], per_day: int) -> None:
    """One day of a schedule's runs, each with the orders it booked, and the cursors each run
    moves. Recorded in one go per day (a record per run as record_run keeps it, once ended)."""
    reports = []
    for n in range(per_day):
        started = day + timedelta(days=n / per_day)
        clock(ledger, started)
        mine = orders[len(orders) * n // per_day : len(orders) * (n + 1) // per_day]
        report = Outcome(started=started.isoformat(timespec="seconds"), booked=mine, exact_calls=len(mine) * 2 + 2, woo_calls=2)
        report.daily_left, report.finished = 5000 - report.exact_calls, (started + timedelta(seconds=40)).isoformat(timespec="seconds")
        reports.append(run_record(report.as_dict()))
        ledger.set_cursor("woo_modified_gmt", started.strftime("%Y-%m-%dT%H:%M:%S"))
        ledger.set_cursor("orders_covered", {"since": "2025-01-01", "statuses": ["completed", "processing"]})
        AccountIndex.of(ledger).set_cursor("exact_accounts_timestamp", 2147483648 + (mine[-1] if mine else 0))
    ledger.store.insert(f"runs_{day.isoformat()[:7]}", reports)


def measure(path: Path) -> tuple[float, float, float, float, float]:
    """(MB of the ledger, MB of the account index, seconds to open both, seconds for status
    (the best of three), MB peak for status)."""
    opened, seconds = [], []  # the best of three: the machine may be busy with something else
    for _ in range(3):
        started = time.perf_counter()
        with Ledger(path) as ledger:
            AccountIndex.of(ledger)  # noqa: B018  # a run reads it first thing (the sink's refresh)
        opened.append(time.perf_counter() - started)
        started = time.perf_counter()
        with Ledger.dry_copy(path) as ledger:  # as `runner status` does
            status(ledger)
        seconds.append(time.perf_counter() - started)
    tracemalloc.start()  # a second pass for memory: tracing slows the first severalfold
    with Ledger.dry_copy(path) as ledger:
        status(ledger)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return path.stat().st_size / 1e6, path_beside(path).stat().st_size / 1e6, min(opened), min(seconds), peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--runs-per-day", type=int, default=96, help="runs of the schedule a day (96: every 15 minutes)")
    args = parser.parse_args()
    per_day = args.orders / 365
    marks = [round(args.orders * k / args.steps) for k in range(1, args.steps + 1)]
    print(f"{args.orders} orders over a year ({per_day:.0f} a day, {args.runs_per_day} runs a day); whole | tidied daily")
    print("ledger MB: the ledger file; index MB: the account index beside it (its own file, the same in both columns)")
    columns = f"{'ledger MB':>9} {'index MB':>8} {'open s':>6} {'status s':>8} {'MB peak':>7} {'ms/order':>8}"
    print(f"{'orders':>7} | {columns} | {columns}")
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as folder:  # the disk's fsync is not the subject
        paths = {"whole": Path(folder) / "whole.json", "tidied": Path(folder) / "tidied.json"}
        ledgers = {name: Ledger(path) for name, path in paths.items()}
        done = 0
        for mark in marks:
            cost = {}
            for name, ledger in ledgers.items():
                started = time.perf_counter()
                order = done
                while order < mark:  # a day at a time: the first run tidies, the orders, the day's runs
                    day = START + timedelta(days=int(order / per_day))
                    todays = [o for o in range(order, mark) if int(o / per_day) == int(order / per_day)]
                    if name == "tidied":
                        ledger.tidy(day.date())
                    for o in todays:
                        book(ledger, 10_000 + o, START + timedelta(days=o / per_day))
                    runs(ledger, day, [10_000 + o for o in todays], args.runs_per_day)
                    order = todays[-1] + 1
                cost[name] = (time.perf_counter() - started) / max(mark - done, 1) * 1000
            done = mark
            for ledger in ledgers.values():
                ledger.close()
            row = []
            for name, path in paths.items():
                mb, index, opened, seconds, peak = measure(path)
                row.append(f"{mb:>9.2f} {index:>8.2f} {opened:>6.2f} {seconds:>8.2f} {peak:>7.1f} {cost[name]:>8.2f}")
            print(f"{mark:>7} | " + " | ".join(row), flush=True)
            ledgers = {name: Ledger(path) for name, path in paths.items()}
        for ledger in ledgers.values():
            ledger.close()


if __name__ == "__main__":
    main()
