"""The ledger's storage: append-only JSON lines under TinyDB, so that a write costs the same
with ten orders of history as with a million."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from runner.errors import RunnerError
from runner.support import private

ENTRY = '{"t": '  # how every line this storage writes begins


class Tables(MutableMapping):
    """The database as `read` lends it to TinyDB: the storage's tables as they are (no copy
    of thousands of tables on every query), with the tables TinyDB replaces or drops kept
    beside them for `write`."""

    def __init__(self, base: dict[str, dict[str, Any]]) -> None:
        self.base, self.new, self.gone = base, {}, set()

    def __getitem__(self, name: str) -> dict[str, Any]:
        if name in self.new:
            return self.new[name]
        if name in self.gone:
            raise KeyError(name)
        return self.base[name]

    def __setitem__(self, name: str, docs: dict[str, Any]) -> None:
        self.new[name] = docs
        self.gone.discard(name)

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.new.pop(name, None)
        self.gone.add(name)

    def __iter__(self) -> Iterator[str]:
        if not self.new and not self.gone:  # as lent: the storage's own names
            return iter(self.base)
        return iter([*(name for name in self.base if name not in self.gone and name not in self.new), *self.new])

    def __len__(self) -> int:
        return len(self.base) if not self.new and not self.gone else sum(1 for _ in self)

    def __bool__(self) -> bool:
        return bool(self.new) or any(name not in self.gone for name in self.base)


class JournalStorage(Storage):
    """Append-only JSON lines. TinyDB hands `write` the whole database (as `read` lent it,
    a `Tables`) but replaces only the table it changed, so only the changed documents of
    the one touched table are appended, and a dropped table's records as gone (TinyDB does
    not document this: tests/test_contracts.py checks it, pyproject bounds the version). Replayed on open;
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
        self._torn = self._file is not None and self._file.tell() > 0 and last_byte(self.path) != b"\n"

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
        self._tables = {name: docs for name, docs in self._tables.items() if docs}  # a table whose records all went (dropped)
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
        records = ({"t": name, "id": doc_id, "d": doc} for name, docs in self._tables.items() for doc_id, doc in docs.items())
        private.replace(self.path, (json.dumps(record, ensure_ascii=False) + "\n" for record in records))
        if getattr(self, "_file", None) is not None:  # appends go to the new file from now on, not the replaced one
            self._file.close()
            self._file = private.append(self.path)
            self._torn = False

    def read(self) -> Tables | None:
        return Tables(self._tables) if self._tables else None

    def write(self, data: Mapping[str, dict[str, Any]]) -> None:
        """What TinyDB changed, appended: the tables it replaced or dropped (noted by `Tables`,
        so a write costs the same with 40,000 tables as with 4: a shop whose order ids are
        far apart has a steps table per order), or, handed a database of its own, every table."""
        if isinstance(data, Tables) and data.base is self._tables:
            changes = [*data.new.items(), *((name, None) for name in data.gone)]
        else:
            changes = [(name, data.get(name)) for name in {*data, *self._tables}]
        out = []
        for name, docs in changes:
            if docs is not None and docs is self._tables.get(name):
                continue
            before, after = self._seen.get(name, {}), {}
            for doc_id, doc in (docs or {}).items():
                after[doc_id] = text = _dump(doc)
                if before.get(doc_id) != text:
                    out.append(f'{{"t": {json.dumps(name)}, "id": {json.dumps(doc_id)}, "d": {text}}}\n')
            out += [f'{{"t": {json.dumps(name)}, "id": {json.dumps(gone)}, "x": 1}}\n' for gone in before.keys() - after.keys()]
            if docs is None:
                self._tables.pop(name, None)
                self._seen.pop(name, None)
            else:
                self._tables[name], self._seen[name] = docs, after
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


def last_byte(path: Path) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def _dump(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
