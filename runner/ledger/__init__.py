"""The ledger: what was booked (with Exact's ids), how far the last run read, what failed
and why, and the runs themselves; which customer is which account is in the account index
beside it (runner/ledger/accounts.py). TinyDB, on a storage of our own (runner/ledger/journal.py) so that
a write costs the same with ten orders of history as with a million.

Exactly-once rests on two records per POST: an `intent` written (and fsynced) before it,
and the Exact ids after it. An intent without ids is an outcome we do not know yet."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import repeat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage

from runner.errors import SpecError
from runner.ledger import finished
from runner.ledger.accounts import AccountIndex, path_beside
from runner.ledger.journal import JournalStorage

STEP_BUCKET = 100  # orders per steps table: a write touches one small table
KEEP_DAYS = 60  # finished orders older than this keep only that they are finished
RUN_DAYS = 14  # runs kept: `runner status` names the last one (and the last without failures, kept whatever its age)
KEPT = ("steps", "journal", "entry_date")  # of an intent's facts, what a done step keeps (completeness, the report, the date it is booked on)
INDEX_CURSORS = ["exact_accounts_timestamp", "exact_items_timestamp"]  # an old ledger's: the index keeps them now
UNKEPT = frozenset({"account"})  # done steps whose facts live elsewhere: a new account is in the account index


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


Q = Query()


def run_record(report: dict) -> dict:
    """A run's report as kept: its empty fields left out (most runs of a schedule find
    little to do), which a reader takes as empty."""
    return {k: v for k, v in report.items() if v is not None and v != "" and v != [] and v != {}}


class Ledger:
    """The runner's memory, one file per spec."""

    def __init__(self, path: str | os.PathLike | None, compact: bool = False) -> None:
        """`compact` only for the run that holds the spec's run lock."""
        self.path = Path(path) if path is not None else None
        self.db = TinyDB(path, storage=JournalStorage, compact=compact) if path is not None else TinyDB(storage=MemoryStorage)
        self.damaged: str = getattr(self.db.storage, "damaged", "")  # what could not be read, if anything
        self.set_aside: Path | None = getattr(self.db.storage, "set_aside", None)  # where a damaged file went
        self._compact, self._read_only, self._index = compact, False, None
        if compact and self.cursor("tidied") != datetime.now(UTC).date().isoformat():
            self.tidy(datetime.now(UTC).date())

    @classmethod
    def dry_copy(cls, path: str | os.PathLike) -> Ledger:
        """The ledger as it is, in memory: a dry run may write to it and the files stay untouched."""
        copy = cls(None)
        copy.path, copy._read_only = Path(path), True
        if Path(path).exists():
            real = TinyDB(path, storage=JournalStorage, read_only=True)  # a run may be appending: never rewrite its file
            copy.db.storage.write(dict(real.storage.read() or {}))  # a dict of its own: the real file is closed next
            copy.damaged = real.storage.damaged
            real.close()
        return copy

    def close(self) -> None:
        self.db.close()
        if self._index is not None:
            self._index.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # steps: one record per POST of an order or refund (document, print, payment). Open
    # intents sit in their own small table, so finding them on start costs nothing.
    def _steps(self, order_id: int):
        return self.db.table(f"steps_{order_id // STEP_BUCKET}")

    @staticmethod
    def _is(order_id: int, refund_id: int | None, step: str):
        return (Q.order == order_id) & (Q.refund == (refund_id or 0)) & (Q.step == step)

    def step(self, order_id: int, refund_id: int | None, step: str) -> dict | None:
        where = self._is(order_id, refund_id, step)
        found = self._steps(order_id).get(where) or self.db.table("intents").get(where)
        if found is None and (row := self._finished(order_id).get(refund_id or 0)) is not None:
            return finished.record_of(order_id, row, step)
        return found

    def intend(self, order_id: int, refund_id: int | None, step: str, **facts: Any) -> None:
        """Written before the POST: if we crash, the next run knows to look before posting."""
        record = {"order": order_id, "refund": refund_id or 0, "step": step, "state": "intent", "at": now(), **facts}
        self.db.table("intents").upsert(record, self._is(order_id, refund_id, step))

    def done(self, order_id: int, refund_id: int | None, step: str, **ids: Any) -> None:
        """The step landed: its ids are kept, and of its intent only what later reads need
        (the document's steps and journal); what a lookup would have needed goes."""
        where = self._is(order_id, refund_id, step)
        intent = self.db.table("intents").get(where) or {}
        kept = {k: intent[k] for k in KEPT if k in intent}
        if step not in UNKEPT:
            self._steps(order_id).upsert(
                {"order": order_id, "refund": refund_id or 0, "step": step, **kept, "state": "done", "at": now(), **ids}, where
            )
        self.db.table("intents").remove(where)

    def forget(self, order_id: int, refund_id: int | None, step: str) -> None:
        """An intent that Exact shows never landed: safe to post again."""
        self.db.table("intents").remove(self._is(order_id, refund_id, step))

    def open_intents(self) -> list[dict]:
        return self.db.table("intents").all()

    def order_steps(self, order_id: int) -> list[dict]:
        """The recorded steps (done and intended) of one order: its bucket, the intents, and
        its finished documents."""
        kept = [finished.record_of(order_id, row) for row in self._finished(order_id).values()]
        return self._steps(order_id).search(Q.order == order_id) + self.db.table("intents").search(Q.order == order_id) + kept

    def all_steps(self) -> Iterator[dict]:
        """Every recorded step; a finished order's documents as done (past the window
        without their ids)."""
        for name in sorted(self.db.tables()):
            if name.startswith("steps_"):
                yield from self.db.table(name).all()
        for bucket in self.db.table("booked").all():
            for order, rows in bucket["orders"].items():
                yield from (finished.record_of(int(order), row) for row in rows)
        for bucket in self.db.table("finished").all():
            for order, refunds in finished.expand(bucket).items():
                yield from (finished.record_of(int(order), refund) for refund in refunds)

    def documents_done(self) -> Iterator[tuple[int, str]]:
        """(refund id, 0 the sale; the date it was done, "" past the window) of every document
        done: what `runner status` counts, without a record per document."""
        for name in sorted(self.db.tables()):
            if name.startswith("steps_"):
                yield from ((s["refund"], s["at"][:10]) for s in self.db.table(name).all() if s["step"] == "document" and s["state"] == "done")
        for bucket in self.db.table("booked").all():
            yield from ((row[0], row[1]) for rows in bucket["orders"].values() for row in rows)
        for bucket in self.db.table("finished").all():
            yield from ((refund, "") for refunds in (bucket.get("orders") or {}).values() for refund in refunds)
            yield from repeat((0, ""), finished.sales_count(bucket))

    # finished orders: once Exact's books decide what is booked, an order whose documents
    # are done with all their steps keeps a short row per document (runner/ledger/finished.py),
    # and past KEEP_DAYS only that it is finished
    def _finished(self, order_id: int) -> dict[int, list | int]:
        """An order's finished documents: refund id (0: the sale) -> its row, or the refund id
        itself past the window."""
        number = order_id // finished.BUCKET
        out: dict[int, list | int] = {refund: refund for refund in finished.refunds_in(self.db.table("finished").get(Q.b == number), order_id)}
        booked = self.db.table("booked").get(Q.b == number)
        out.update((row[0], row) for row in (booked["orders"].get(str(order_id), []) if booked else []))
        return out

    def tidy(self, today: date, keep_days: int = KEEP_DAYS) -> int:
        """Shrinks what later runs do not need (once a day, by the holder of the run lock):
        orders whose documents are done with all their steps keep a row per document, and
        past the window their refund ids; runs older than RUN_DAYS go (but the last one
        without failures, which `runner status` names); an old ledger's customer index
        moves to its own file; then the file is rewritten. The number of orders shrunk.
        Each shrink writes the short form before it removes the long one."""
        cutoff = (today - timedelta(days=keep_days)).isoformat()
        busy = {i["order"] for i in self.open_intents()} | {f["order"] for f in self.failures()}
        booked = {doc["b"]: doc["orders"] for doc in self.db.table("booked").all()}
        shrunk, changed, moved = set(), set(), {}
        for name in [n for n in self.db.tables() if n.startswith("steps_")]:
            groups: dict[int, list[dict]] = {}
            for record in self.db.table(name).all():
                groups.setdefault(record["order"], []).append(record)
            for order, records in groups.items():
                if order not in busy and (rows := finished.rows_of(records)) is not None:
                    finished.merge(booked.setdefault(order // finished.BUCKET, {}), order, rows)
                    moved.setdefault(name, []).append(order)
                    changed.add(order // finished.BUCKET)
        old = {b: finished.age(orders, cutoff) for b, orders in booked.items()}
        old = {b: orders for b, orders in old.items() if orders}
        self._save_buckets("finished", {b: finished.pack(self._joined(b, orders), b) for b, orders in old.items()})
        self._save_buckets("booked", {b: {"orders": booked[b]} for b in changed | old.keys()})
        for name, orders in moved.items():
            self.db.table(name).remove(Q.order.one_of(orders))
            shrunk.update(orders)
        for orders in old.values():
            shrunk.update(int(order) for order in orders)
        for name in [n for n in self.db.tables() if n.startswith("steps_") and not len(self.db.table(n))]:
            self.db.drop_table(name)
        self._drop_runs((today - timedelta(days=RUN_DAYS)).isoformat())
        self._move_customers()
        if self._index is not None or (self.path is not None and path_beside(self.path).exists()):
            self.index.tidy()
        self.set_cursor("tidied", today.isoformat())
        if isinstance(self.db.storage, JournalStorage):
            self.db.storage.compact()
        return len(shrunk)

    def _drop_runs(self, cutoff: str) -> None:
        clean = [r for r in self.runs() if not r.get("failed") and not r.get("stopped")]
        keep = clean[-1].get("run") if clean else None
        for name in sorted(n for n in self.db.tables() if n.startswith("runs_")):
            if name[5:] < cutoff[:7]:
                if not self.db.table(name).contains(Q.run == keep):
                    self.db.drop_table(name)
                    continue
            self.db.table(name).remove((Q.started < cutoff) & (Q.run != keep))
            if not len(self.db.table(name)):
                self.db.drop_table(name)

    def _joined(self, number: int, orders: dict[str, list[int]]) -> dict[str, list[int]]:
        """A finished bucket's orders with more: an order's later refund joins its sale."""
        found = self.db.table("finished").get(Q.b == number)
        known = finished.expand(found) if found else {}
        for order, refunds in orders.items():
            known[order] = sorted(set(known.get(order, [])) | set(refunds))
        return known

    def _save_buckets(self, table: str, buckets: dict[int, dict]) -> None:
        """Buckets written in one go each for those known and those new (a write per bucket
        would append its whole table's changes once per bucket)."""
        known = {doc["b"] for doc in self.db.table(table).all()}
        updates = [(fields, Q.b == b) for b, fields in buckets.items() if b in known]
        if updates:
            self.db.table(table).update_multiple(updates)
        new = [{"b": b, **fields} for b, fields in sorted(buckets.items()) if b not in known]
        if new:
            self.db.table(table).insert_multiple(new)

    # daily summaries (booking.mode: daily_summary): documents waiting for their day to be
    # booked ("members", with the lines the summary sums), and the summaries themselves. Both
    # in small tables, as the steps are (members per 100 orders, summaries per month of their
    # day): a write dumps its table, so one table of a year's 20,000 members made a backfill
    # quadratic (37 ms per member kept at 6,000). A ledger of before keeps its one table.
    def _members(self, order_id: int):
        return self.db.table(f"members_{order_id // STEP_BUCKET}")

    def _tables(self, name: str) -> list[str]:
        """`name` (a ledger of before) and its buckets `name_*`, in order."""
        return sorted(t for t in self.db.tables() if t == name or t.startswith(f"{name}_"))

    def keep_member(self, kept: dict) -> None:
        self._members(kept["order"]).upsert(kept, (Q.order == kept["order"]) & (Q.refund == kept["refund"]))

    def member(self, order_id: int, refund_id: int) -> dict | None:
        """A document kept for its day, as it was kept first (its day does not move)."""
        found = self._members(order_id).get((Q.order == order_id) & (Q.refund == refund_id))
        if found is None and "members" in self.db.tables():  # a ledger of before
            found = self.db.table("members").get((Q.order == order_id) & (Q.refund == refund_id))
        return found

    def members(self) -> list[dict]:
        return [kept for name in self._tables("members") for kept in self.db.table(name).all()]

    def drop_members(self, keys: list[tuple[int, int]]) -> None:
        wanted = {tuple(k) for k in keys}
        touched = ({f"members_{order // STEP_BUCKET}" for order, _ in wanted} | {"members"}) & set(self.db.tables())
        for name in sorted(touched):
            self.db.table(name).remove(lambda m: (m["order"], m["refund"]) in wanted)

    def _summaries(self, key: str):
        """A summary's key (`sale|70|2026-11-26|1`) names its day, so its month's table."""
        return self.db.table(f"summaries_{key.rsplit('|', 2)[-2][:7]}")

    def summaries(self) -> list[dict]:
        return [summary for name in self._tables("summaries") for summary in self.db.table(name).all()]

    def save_summary(self, record: dict) -> None:
        """Written before the summary's POST (`state` intent, with its members), and after it (done)."""
        self._drop_before(record["key"])  # moves from a ledger of before
        self._summaries(record["key"]).upsert({**record, "at": now()}, Q.key == record["key"])

    def drop_summary(self, key: str) -> None:
        """A summary Exact shows never landed: its members are free to be summed again."""
        self._drop_before(key)
        self._summaries(key).remove(Q.key == key)

    def _drop_before(self, key: str) -> None:
        """The summary out of the one table a ledger of before kept them in, if it is there."""
        if self.db.table("summaries").contains(Q.key == key):
            self.db.table("summaries").remove(Q.key == key)

    # Exact's accounts and items by e-mail and code: a mirror of the books in a file of its
    # own (runner/ledger/accounts.py), read when first asked for; an old ledger's customers_* tables
    # move there (in memory for a reader, for good by the holder of the run lock)
    @property
    def index(self) -> AccountIndex:
        if self._index is None:
            where = path_beside(self.path) if self.path is not None else None
            self._index = AccountIndex(where, read_only=self._read_only, compact=self._compact)
            self._index.absorb(self._legacy_customers())
        return self._index

    def _legacy_customers(self) -> list[list]:
        """An old ledger's customer tables (e-mail, `code:` and `item:` keys) and their
        cursors, as index entries."""
        entries = []
        for name in [n for n in self.db.tables() if n.startswith("customers_")]:
            for record in self.db.table(name).all():
                key, account_id = record["email"], record["id"]
                kind = {"code:": "c", "item:": "i"}.get(key[:5])
                entries.append([kind, key[5:], account_id] if kind else ["e", key, account_id, record.get("code") or ""])
        entries += [["t", name, self.cursor(name)] for name in INDEX_CURSORS if self.cursor(name) is not None]
        return entries

    def _move_customers(self) -> None:
        """An old ledger's customer tables into the index's file (written before they go)."""
        entries = self._legacy_customers()
        if not entries:
            return
        self.index.absorb(entries, write=True)
        for name in [n for n in self.db.tables() if n.startswith("customers_")]:
            self.db.drop_table(name)
        self.db.table("cursors").remove(Q.name.one_of(INDEX_CURSORS))

    # failures: the last error of an order, with attempts and the next retry time
    def failure(self, order_id: int) -> dict | None:
        return self.db.table("failures").get(Q.order == order_id)

    def fail(self, order_id: int, message: str, next_retry: str | None, **facts: Any) -> dict:
        previous = self.failure(order_id) or {}
        record = {"order": order_id, "message": message, "attempts": previous.get("attempts", 0) + 1, "next_retry": next_retry, "at": now(), **facts}
        self.db.table("failures").upsert(record, Q.order == order_id)
        return record

    def clear_failure(self, order_id: int) -> None:
        self.db.table("failures").remove(Q.order == order_id)

    def failures(self) -> list[dict]:
        return sorted(self.db.table("failures").all(), key=lambda f: f["order"])

    # whose ledger this is: one shop, one set of books
    def claim(self, shop: str, books: str, record: bool = True, about: Callable[[], dict] | None = None) -> str | None:
        """A ledger belongs to the shop and the books it was first used with; another pair
        would read its cursors and ids as its own (and skip, or book twice). It is bound
        only once the shop has answered (`about`, what the shop says of itself: a run
        against a mistyped or unreachable address fails before it binds anything). A shop
        at a new address is the same shop when it says so (the same home address but for
        http/https and `www.`, and the same site name) or, for a ledger bound before shops
        were asked, when only the scheme or `www.` changed: the ledger is re-bound, and the
        note saying so returned."""
        mine = self.cursor("identity")
        if mine and (mine.get("shop"), mine.get("books")) == (shop, books):
            return None
        if mine and mine.get("books") != books:
            raise self._not_mine(mine, shop, books)
        if not mine:
            if record:
                site = about() if about else {}
                self.set_cursor("identity", {"shop": shop, "books": books, **({"site": site} if site else {})})
            return None
        if about is None:
            raise self._not_mine(mine, shop, books)
        site, known = about(), mine.get("site") or {}
        if known.get("name") and site.get("name"):
            same = same_site(site.get("home", ""), known.get("home", "")) and site["name"] == known["name"]
            why = f"the shop there says it is {site['name']} at {site['home']}, as before"
        else:
            same, why = same_site(shop, mine["shop"]), "only the scheme or www. differs"
        if not same:
            said = f" (the shop there says it is {site['name']} at {site.get('home')}" if site.get("name") else ""
            said += f"; the ledger's is {known['name']} at {known.get('home')})" if said and known.get("name") else ")" if said else ""
            raise self._not_mine(mine, shop, books, said)
        if record:
            self.set_cursor("identity", {"shop": shop, "books": books, **({"site": site} if site.get("name") else {"site": known} if known else {})})
        return f"the ledger was bound to the shop at {mine['shop']}; it is the same shop at {shop} ({why}), so the ledger follows it"

    def _not_mine(self, mine: dict, shop: str, books: str, said: str = "") -> SpecError:
        return SpecError(
            f"the ledger {self.path} belongs to {mine.get('shop')} and {mine.get('books')}, not to {shop} and {books}{said}",
            "give this spec a ledger of its own (the `state:` key, or leave it out: the default is named after the spec file); "
            "if it is the same shop or administration at a new address, move the ledger aside: Exact's books decide what is "
            "booked, so nothing is booked twice",
        )

    # cursors and runs
    def cursor(self, name: str) -> Any:
        found = self.db.table("cursors").get(Q.name == name)
        return found["value"] if found else None

    def set_cursor(self, name: str, value: Any) -> None:
        self.db.table("cursors").upsert({"name": name, "value": value, "at": now()}, Q.name == name)

    def record_run(self, report: dict) -> None:
        """Runs are kept per month, so a run every 15 minutes never makes a large table. A run
        is recorded when it starts and again when it ends (same `run` id): one that never
        ended (killed) stays recorded as interrupted."""
        report = run_record(report)
        table = self.db.table(f"runs_{report.get('started', now())[:7]}")
        if report.get("run") and table.contains(Q.run == report["run"]):
            table.update(lambda run: (run.clear(), run.update(report)), Q.run == report["run"])  # replaced: a field may have emptied
        else:
            table.insert(report)

    def runs(self) -> list[dict]:
        """The runs kept (the window's, and the last one without failures), oldest first."""
        names = sorted(n for n in self.db.tables() if n.startswith("runs_"))
        return [run for name in names for run in self.db.table(name).all()]

    # alerts (notify:): what was last told and when a run last succeeded, so that an alert
    # goes out once, not on every run of the 15-minute schedule
    def alert_state(self) -> dict:
        found = self.db.table("alerts").get(Q.name == "state")
        return dict(found["value"]) if found else {}

    def save_alert_state(self, value: dict) -> None:
        self.db.table("alerts").upsert({"name": "state", "value": value, "at": now()}, Q.name == "state")


def same_site(one: str, other: str) -> bool:
    """Two addresses of one site: equal but for http/https, `www.` and a trailing slash."""

    def bare(url: str) -> str:
        parts = urlsplit(url.strip().lower())
        return parts.netloc.removeprefix("www.") + parts.path.rstrip("/")

    return bool(one and other) and bare(one) == bare(other)
