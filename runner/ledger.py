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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage, Storage

from runner import private
from runner.errors import RunnerError, SpecError

ENTRY = '{"t": '  # how every line this storage writes begins
STEP_BUCKET = 100  # orders per steps table: a write touches one small table


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
        lines = self._replay()
        if self.damaged and compact:
            self.set_aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, self.set_aside)
            self._tables, self._seen, lines = {}, {}, 0
        if compact and lines > 1000 and lines > 2 * sum(len(t) for t in self._tables.values()):
            self._compact()
        self._file = None if read_only else private.append(self.path)
        # a line cut short by a crash must not swallow the first line appended after it
        self._torn = self._file is not None and self._file.tell() > 0 and _last_byte(self.path) != b"\n"

    def _replay(self) -> int:
        if not self.path.exists():
            return 0
        count = 0
        with open(self.path, encoding="utf-8", errors="replace") as handle:  # a crash may cut a character in two
            lines = handle.read().split("\n")
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
        self._seen = {name: {k: _dump(v) for k, v in docs.items()} for name, docs in self._tables.items()}
        return count

    def _compact(self) -> None:
        temporary = self.path.with_suffix(".compact")
        with private.fresh(temporary) as handle:
            for name, docs in self._tables.items():
                for doc_id, doc in docs.items():
                    handle.write(json.dumps({"t": name, "id": doc_id, "d": doc}, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

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
        return self._steps(order_id).get(where) or self.db.table("intents").get(where)

    def intend(self, order_id: int, refund_id: int | None, step: str, **facts: Any) -> None:
        """Written before the POST: if we crash, the next run knows to look before posting."""
        record = {"order": order_id, "refund": refund_id or 0, "step": step, "state": "intent", "at": now(), **facts}
        self.db.table("intents").upsert(record, self._is(order_id, refund_id, step))

    def done(self, order_id: int, refund_id: int | None, step: str, **ids: Any) -> None:
        where = self._is(order_id, refund_id, step)
        intent = self.db.table("intents").get(where) or {"order": order_id, "refund": refund_id or 0, "step": step}
        self._steps(order_id).upsert({**intent, "state": "done", "at": now(), **ids}, where)
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
        for name in sorted(self.db.tables()):
            if name.startswith("steps_"):
                yield from self.db.table(name).all()

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
