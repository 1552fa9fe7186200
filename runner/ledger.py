"""The ledger: what was booked (with Exact's ids), which customer is which account, how far
the last run read, what failed and why, and the runs themselves. TinyDB, on a storage of
our own so that a write costs the same with ten orders of history as with a million.

Exactly-once rests on two records per POST: an `intent` written (and fsynced) before it,
and the Exact ids after it. An intent without ids is an outcome we do not know yet."""

from __future__ import annotations

import json
import os
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage, Storage

from runner import private
from runner.errors import RunnerError, SpecError

ENTRY = '{"t": '  # how every line this storage writes begins
STEP_BUCKET = 100  # orders per steps table: a write touches one small table
FINISHED_BUCKET = 1000  # orders per record of the finished table
KEEP_DAYS = 60  # finished orders older than this keep only that they are finished
RUN_MONTHS = 3  # months of run records kept
KEPT = ("steps", "journal")  # of an intent's facts, what a done step keeps (completeness, the report)
UNKEPT = frozenset({"account"})  # done steps whose facts live elsewhere: a new account is in the customer index


class JournalStorage(Storage):
    """Append-only JSON lines. TinyDB hands `write` the whole database but replaces only the
    table it changed, so unchanged tables are skipped by identity and only the changed
    documents of the one touched table are appended (TinyDB does not document this:
    tests/test_contracts.py checks it, pyproject bounds the version). Replayed on open;
    compacted only by the holder of the run lock (`compact=True`), since rewriting the file
    under a writer would lose its appends.

    A last line cut short by a crash is an append that never completed: skipped and mended.
    Anything else that cannot be read makes the ledger `damaged`: the holder of the run lock
    sets the file aside (`set_aside`) and starts afresh (Exact's books and the shop tell the
    run what is booked, so nothing is booked twice); a reader reads what it can and says so."""

    def __init__(self, path: str | os.PathLike, compact: bool = False, read_only: bool = False) -> None:
        self.path = Path(path)
        if not read_only:
            private.folder(self.path.parent)
        self._tables: dict[str, dict[str, Any]] = {}
        self._seen: dict[str, dict[str, str]] = {}  # table -> doc id -> JSON as last written
        self.damaged, self.set_aside = "", None
        lines = self._replay(remember=not read_only)
        if self.damaged and compact:
            self.set_aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, self.set_aside)
            self._tables, self._seen, lines = {}, {}, 0
        if compact and lines > 1000 and lines > 2 * sum(len(t) for t in self._tables.values()):
            self.compact()
        self._file = None if read_only else private.append(self.path)
        # a line cut short by a crash must not swallow the first line appended after it
        self._torn = self._file is not None and self._file.tell() > 0 and _last_byte(self.path) != b"\n"

    def _replay(self, remember: bool = True) -> int:
        """The file's entries applied in order; the number of entries. `remember`: keep what
        each record looked like, which only a writer needs (to append what changed)."""
        if not self.path.exists():
            return 0
        with open(self.path, encoding="utf-8", errors="replace") as handle:  # a crash may cut a character in two
            lines = handle.read().split("\n")
        try:  # all in one go when every line is a whole entry: the parser's loop, not ours
            entries = json.loads("[" + ",".join(line for line in lines if line.strip()) + "]")
            for entry in entries:
                table = self._tables.setdefault(entry["t"], {})
                if "x" in entry:
                    table.pop(entry["id"], None)
                else:
                    table[entry["id"]] = entry["d"]
            count = len(entries)
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            self._tables = {}
            count = self._replay_lines(lines)
        if remember:
            self._seen = {name: {k: _dump(v) for k, v in docs.items()} for name, docs in self._tables.items()}
        return count

    def _replay_lines(self, lines: list[str]) -> int:
        """Line by line, for a file with a line cut short by a crash, or worse."""
        count = 0
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                table = self._tables.setdefault(entry["t"], {})
                if "x" in entry:
                    table.pop(entry["id"], None)
                else:
                    table[entry["id"]] = entry["d"]
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                if raw.startswith(ENTRY) and '"t"' not in raw[len(ENTRY) :]:
                    continue  # a line cut short by a crash (mended by the next append): its write never completed
                self.damaged = self.damaged or f"line {number} is not a ledger entry"
                continue
            count += 1
        return count

    def compact(self) -> None:
        """The file rewritten with what it holds now, one line per record."""
        temporary = self.path.with_suffix(".compact")
        with private.fresh(temporary) as handle:
            for name, docs in self._tables.items():
                for doc_id, doc in docs.items():
                    handle.write(json.dumps({"t": name, "id": doc_id, "d": doc}, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        if getattr(self, "_file", None) is not None:  # appends go to the new file from now on, not the replaced one
            self._file.close()
            self._file = private.append(self.path)
            self._torn = False

    def read(self) -> dict[str, dict[str, Any]] | None:
        return dict(self._tables) if self._tables else None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        out = []
        for name, docs in data.items():
            if docs is self._tables.get(name):
                continue
            before, after = self._seen.get(name, {}), {}
            for doc_id, doc in docs.items():
                after[doc_id] = text = _dump(doc)
                if before.get(doc_id) != text:
                    out.append(f'{{"t": {json.dumps(name)}, "id": {json.dumps(doc_id)}, "d": {text}}}\n')
            out += [f'{{"t": {json.dumps(name)}, "id": {json.dumps(gone)}, "x": 1}}\n' for gone in before.keys() - after.keys()]
            self._seen[name] = after
        self._tables = dict(data)
        if out:
            if self._file is None:
                raise RunnerError(f"the ledger {self.path} was opened to be read only", "this is a bug in the runner: report it")
            if self._torn:
                out.insert(0, "\n")
                self._torn = False
            self._file.write("".join(out))
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _finished(records: list[dict], cutoff: str) -> list[int] | None:
    """The documents (refund ids, 0 the sale) of one order's records when every one of
    them is done with all its steps before `cutoff`; else None."""
    if any(r.get("state") != "done" or str(r.get("at", ""))[:10] >= cutoff for r in records):
        return None
    done = {(r.get("refund") or 0, r["step"]) for r in records}
    documents = [r for r in records if r["step"] == "document"]
    for document in documents:
        refund = document.get("refund") or 0
        if any((refund, step) not in done for step in document.get("steps") or ["document"]):
            return None
    return sorted({d.get("refund") or 0 for d in documents}) or None


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def _dump(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


Q = Query()


class Ledger:
    """The runner's memory, one file per spec."""

    def __init__(self, path: str | os.PathLike | None, compact: bool = False) -> None:
        """`compact` only for the run that holds the spec's run lock."""
        self.path = Path(path) if path is not None else None
        self.db = TinyDB(path, storage=JournalStorage, compact=compact) if path is not None else TinyDB(storage=MemoryStorage)
        self.damaged: str = getattr(self.db.storage, "damaged", "")  # what could not be read, if anything
        self.set_aside: Path | None = getattr(self.db.storage, "set_aside", None)  # where a damaged file went
        if compact and self.cursor("tidied") != datetime.now(UTC).date().isoformat():
            self.tidy(datetime.now(UTC).date())

    @classmethod
    def dry_copy(cls, path: str | os.PathLike) -> Ledger:
        """The ledger as it is, in memory: a dry run may write to it and the file stays untouched."""
        copy = cls(None)
        copy.path = Path(path)
        if Path(path).exists():
            real = TinyDB(path, storage=JournalStorage, read_only=True)  # a run may be appending: never rewrite its file
            copy.db.storage.write(real.storage.read() or {})
            copy.damaged = real.storage.damaged
            real.close()
        return copy

    def close(self) -> None:
        self.db.close()

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
        if found is None and (refund_id or 0) in self._finished(order_id):
            return {"order": order_id, "refund": refund_id or 0, "step": step, "state": "done", "steps": [step], "at": "", "finished": True}
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
        """The recorded steps (done and intended) of one order: its bucket and the intents."""
        return self._steps(order_id).search(Q.order == order_id) + self.db.table("intents").search(Q.order == order_id)

    def all_steps(self) -> Iterator[dict]:
        """Every recorded step; a finished order's documents as done, without their ids."""
        for name in sorted(self.db.tables()):
            if name.startswith("steps_"):
                yield from self.db.table(name).all()
        for bucket in self.db.table("finished").all():
            for order, refunds in bucket["orders"].items():
                for refund in refunds:
                    yield {"order": int(order), "refund": refund, "step": "document", "state": "done", "at": "", "finished": True}

    # finished orders: once Exact's books decide what is booked, an order whose documents
    # were all done more than KEEP_DAYS ago needs no more than that it is finished
    def _finished(self, order_id: int) -> list[int]:
        """The refund ids (0: the sale) of an order's finished documents."""
        bucket = self.db.table("finished").get(Q.b == order_id // FINISHED_BUCKET)
        return bucket["orders"].get(str(order_id), []) if bucket else []

    def tidy(self, today: date, keep_days: int = KEEP_DAYS) -> int:
        """Shrinks what later runs do not need (once a day, by the holder of the run lock):
        orders finished before the window keep one number per document, run records older
        than RUN_MONTHS go; then the file is rewritten. The number of orders shrunk."""
        cutoff = (today - timedelta(days=keep_days)).isoformat()
        busy = {i["order"] for i in self.open_intents()} | {f["order"] for f in self.failures()}
        finished: dict[int, list[int]] = {}
        for name in [n for n in self.db.tables() if n.startswith("steps_")]:
            table, groups = self.db.table(name), {}
            for record in table.all():
                groups.setdefault(record["order"], []).append(record)
            here = {order: refunds for order, records in groups.items() if order not in busy and (refunds := _finished(records, cutoff)) is not None}
            if here:
                table.remove(Q.order.one_of(list(here)))
                finished.update(here)
        buckets: dict[int, dict[str, list[int]]] = {}
        for order, refunds in finished.items():
            buckets.setdefault(order // FINISHED_BUCKET, {})[str(order)] = refunds
        table = self.db.table("finished")
        for number, orders in buckets.items():
            known = table.get(Q.b == number)
            table.upsert({"b": number, "orders": {**(known["orders"] if known else {}), **orders}}, Q.b == number)
        months = sorted(n for n in self.db.tables() if n.startswith("runs_"))
        for name in months[:-RUN_MONTHS]:
            self.db.drop_table(name)
        self.set_cursor("tidied", today.isoformat())
        if isinstance(self.db.storage, JournalStorage):
            self.db.storage.compact()
        return len(finished)

    # daily summaries (booking.mode: daily_summary): documents waiting for their day to be
    # booked ("members", with the lines the summary sums), and the summaries themselves
    def keep_member(self, kept: dict) -> None:
        self.db.table("members").upsert(kept, (Q.order == kept["order"]) & (Q.refund == kept["refund"]))

    def members(self) -> list[dict]:
        return self.db.table("members").all()

    def drop_members(self, keys: list[tuple[int, int]]) -> None:
        wanted = {tuple(k) for k in keys}
        self.db.table("members").remove(lambda m: (m["order"], m["refund"]) in wanted)

    def summaries(self) -> list[dict]:
        return self.db.table("summaries").all()

    def save_summary(self, record: dict) -> None:
        """Written before the summary's POST (`state` intent, with its members), and after it (done)."""
        self.db.table("summaries").upsert({**record, "at": now()}, Q.key == record["key"])

    def drop_summary(self, key: str) -> None:
        """A summary Exact shows never landed: its members are free to be summed again."""
        self.db.table("summaries").remove(Q.key == key)

    # customers: e-mail (lower-cased) -> Exact account
    def _customers(self, email: str):
        return self.db.table(f"customers_{zlib.crc32(email.encode()) % 64}")

    def customer(self, email: str) -> dict | None:
        return self._customers(email).get(Q.email == email)

    def remember_customer(self, email: str, account_id: str, code: str = "", created: bool = False) -> None:
        self._customers(email).upsert({"email": email, "id": account_id, "code": code, "created": created, "at": now()}, Q.email == email)

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
    def claim(self, shop: str, books: str, record: bool = True) -> None:
        """A ledger belongs to the shop and the books it was first used with; another pair
        would read its cursors and ids as its own (and skip, or book twice)."""
        mine = self.cursor("identity")
        if mine and (mine.get("shop"), mine.get("books")) != (shop, books):
            raise SpecError(
                f"the ledger {self.path} belongs to {mine.get('shop')} and {mine.get('books')}, not to {shop} and {books}",
                "give this spec a ledger of its own (the `state:` key, or leave it out: the default is named after the spec file); "
                "if it is the same shop or administration at a new address, move the ledger aside: Exact's books decide what is "
                "booked, so nothing is booked twice",
            )
        if not mine and record:
            self.set_cursor("identity", {"shop": shop, "books": books})

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
        table = self.db.table(f"runs_{report.get('started', now())[:7]}")
        if report.get("run"):
            table.upsert(report, Q.run == report["run"])
        else:
            table.insert(report)

    def runs(self, months: int = 2) -> list[dict]:
        names = sorted(n for n in self.db.tables() if n.startswith("runs_"))[-months:]
        return [run for name in names for run in self.db.table(name).all()]

    # alerts (notify:): what was last told and when a run last succeeded, so that an alert
    # goes out once, not on every run of the 15-minute schedule
    def alert_state(self) -> dict:
        found = self.db.table("alerts").get(Q.name == "state")
        return dict(found["value"]) if found else {}

    def save_alert_state(self, value: dict) -> None:
        self.db.table("alerts").upsert({"name": "state", "value": value, "at": now()}, Q.name == "state")
