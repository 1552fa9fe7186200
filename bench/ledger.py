"""A ledger that stays small (issue 14 #4): the ledger as a shop's history grows to N booked
orders over a year, kept whole (the baseline) beside tidied daily as a run does (orders
finished more than 60 days ago keep only that they are finished). Per size: the file, the
time to open it, `runner status`'s time and peak memory, and the cost of booking one more
order. Both columns come from one run: compare them with each other, not across machines.

    python bench/ledger.py [--orders 100000] [--steps 5]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import runner.ledger as ledger_module  # noqa: E402
from runner.ledger import Ledger  # noqa: E402
from runner.outcome import status  # noqa: E402

START = datetime(2025, 11, 1, tzinfo=UTC)


def book(ledger: Ledger, order: int, when: datetime) -> None:
    """What a run records for one paid order of a new customer: account, entry, payment."""
    ledger_module.now = lambda: when.isoformat(timespec="seconds")  # the ledger's clock, as on that day
    ledger.intend(order, None, "account", email=f"klant{order}@example.nl")
    ledger.done(order, None, "account", exact_id=f"{order:08}-acct-4f6a-9d1e-5b7c2a1e9f00")
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
        account=f"{order:08}-acct-4f6a-9d1e-5b7c2a1e9f00",
        pay=True,
        steps=["document", "payment"],
    )
    ledger.done(order, None, "document", exact_id=f"{order:08}-ntry-4f6a-9d1e-5b7c2a1e9f00", number=26700000 + order)
    ledger.intend(order, None, "payment", endpoint="financialtransaction/BankEntries", entry_number=26700000 + order, account="x")
    ledger.done(order, None, "payment", exact_id=f"{order:08}-bank-4f6a-9d1e-5b7c2a1e9f00")


def measure(path: Path) -> tuple[float, float, float, float]:
    """(MB on disk, seconds to open, seconds for status, MB peak for status)."""
    started = time.perf_counter()
    Ledger(path).close()
    opened = time.perf_counter() - started
    started = time.perf_counter()
    status(Ledger.dry_copy(path))
    seconds = time.perf_counter() - started
    tracemalloc.start()  # a second pass for memory: tracing slows the first severalfold
    status(Ledger.dry_copy(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return path.stat().st_size / 1e6, opened, seconds, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    per_day = args.orders / 365
    marks = [round(args.orders * k / args.steps) for k in range(1, args.steps + 1)]
    print(f"{args.orders} orders over a year ({per_day:.0f} a day); whole | tidied daily")
    columns = f"{'MB':>6} {'open s':>6} {'status s':>8} {'MB peak':>7} {'ms/order':>8}"
    print(f"{'orders':>7} | {columns} | {columns}")
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as folder:  # the disk's fsync is not the subject
        paths = {"whole": Path(folder) / "whole.json", "tidied": Path(folder) / "tidied.json"}
        ledgers = {name: Ledger(path) for name, path in paths.items()}
        done, last_day = 0, None
        for mark in marks:
            cost = {}
            for name, ledger in ledgers.items():
                started, n = time.perf_counter(), 0
                for order in range(done, mark):
                    when = START + timedelta(days=order / per_day)
                    if name == "tidied" and when.date() != last_day:  # the first run of each day tidies
                        ledger.tidy(when.date())
                        last_day = when.date()
                    book(ledger, 10_000 + order, when)
                    n += 1
                cost[name] = (time.perf_counter() - started) / max(n, 1) * 1000
            done = mark
            for ledger in ledgers.values():
                ledger.close()
            row = []
            for name, path in paths.items():
                mb, opened, seconds, peak = measure(path)
                row.append(f"{mb:>6.1f} {opened:>6.2f} {seconds:>8.2f} {peak:>7.1f} {cost[name]:>8.2f}")
            print(f"{mark:>7} | " + " | ".join(row), flush=True)
            ledgers = {name: Ledger(path) for name, path in paths.items()}
        for ledger in ledgers.values():
            ledger.close()


if __name__ == "__main__":
    main()
