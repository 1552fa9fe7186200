"""The daily tidy, by the holder of the run lock: shrinks what later runs do not need, then
rewrites the file. Orders whose documents are done with all their steps keep a row per
document (runner/ledger/finished.py), and past KEEP_DAYS only their refund ids; runs older
than RUN_DAYS go (but the last one without failures). Each shrink writes the short form
before it removes the long one, so a crash in between loses nothing."""

from __future__ import annotations

from datetime import date, timedelta

from runner.ledger.finished import BUCKET, Finished, age, merge, rows_of
from runner.ledger.runs import RUN_DAYS, Runs
from runner.ledger.steps import is_steps
from runner.ledger.store import Store

KEEP_DAYS = 60  # finished orders older than this keep only that they are finished


def tidy(store: Store, done: Finished, runs: Runs, busy: set[int], today: date, keep_days: int = KEEP_DAYS) -> int:
    """Shrinks the finished orders that are not `busy` (an open intent, a failure) and the
    runs; the number of orders shrunk. The caller compacts the file after."""
    cutoff = (today - timedelta(days=keep_days)).isoformat()
    booked = done.booked()
    shrunk, changed, moved = set(), set(), {}
    for name in [n for n in store.tables() if is_steps(n)]:
        groups: dict[int, list[dict]] = {}
        for record in store.all(name):
            groups.setdefault(record["order"], []).append(record)
        for order, records in groups.items():
            if order not in busy and (rows := rows_of(records)) is not None:
                merge(booked.setdefault(order // BUCKET, {}), order, rows)
                moved.setdefault(name, []).append(order)
                changed.add(order // BUCKET)
    old = {b: age(orders, cutoff) for b, orders in booked.items()}
    old = {b: orders for b, orders in old.items() if orders}
    done.save(booked, changed, old)
    for name, orders in moved.items():
        store.remove(name, lambda record, gone=set(orders): record.get("order") in gone)
        shrunk.update(orders)
    for orders in old.values():
        shrunk.update(int(order) for order in orders)
    for name in [n for n in store.tables() if is_steps(n) and not store.count(n)]:
        store.drop(name)
    runs.drop_before((today - timedelta(days=RUN_DAYS)).isoformat())
    return len(shrunk)
