"""The ledger's storage port: named tables of JSON documents, and the one implementation of
it, TinyDB on the append-only journal (runner/ledger/journal.py) or in memory. No other
module of the ledger imports TinyDB: they speak `Store`, which a test or another engine can
implement with a dict per table.

A `where` is either a mapping of fields to the values they must equal, or a predicate on a
document; an upsert merges the given fields into each document it matches (TinyDB's)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from operator import and_
from pathlib import Path
from typing import Any, Protocol

from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage

from runner.ledger.journal import JournalStorage

Doc = dict[str, Any]
Where = Mapping[str, Any] | Callable[[Doc], bool]


class Store(Protocol):
    """What the ledger needs of a storage."""

    damaged: str  # what could not be read, if anything
    set_aside: Path | None  # where a damaged file went

    def tables(self) -> set[str]: ...
    def all(self, table: str) -> list[Doc]: ...
    def get(self, table: str, where: Where) -> Doc | None: ...
    def search(self, table: str, where: Where) -> list[Doc]: ...
    def contains(self, table: str, where: Where) -> bool: ...
    def count(self, table: str) -> int: ...
    def insert(self, table: str, docs: Iterable[Doc]) -> None: ...
    def upsert(self, table: str, doc: Doc, where: Mapping[str, Any]) -> None: ...
    def update(self, table: str, changes: Iterable[tuple[Doc, Mapping[str, Any]]]) -> None: ...
    def replace(self, table: str, doc: Doc, where: Mapping[str, Any]) -> None: ...
    def remove(self, table: str, where: Where) -> None: ...
    def rewrite(self, table: str, change: Callable[[Doc], None]) -> None: ...
    def drop(self, table: str) -> None: ...
    def snapshot(self) -> dict[str, dict[str, Doc]]: ...
    def compact(self) -> None: ...
    def close(self) -> None: ...


def _query(where: Where):
    """A mapping as TinyDB's query (hashable, so TinyDB caches its searches), a predicate as it is."""
    if not isinstance(where, Mapping):
        return where
    return reduce(and_, (Query()[field] == value for field, value in where.items()))


class TinyStore:
    """TinyDB, on the journal (`path`) or in memory (`path` None). `compact` only for the
    holder of the run lock; `read_only` for a reader that must never write (a run may be
    appending to the file)."""

    def __init__(self, path: str | os.PathLike | None, compact: bool = False, read_only: bool = False) -> None:
        if path is None:
            self.db = TinyDB(storage=MemoryStorage)
        else:
            self.db = TinyDB(path, storage=JournalStorage, compact=compact, read_only=read_only)
        self.damaged: str = getattr(self.db.storage, "damaged", "")
        self.set_aside: Path | None = getattr(self.db.storage, "set_aside", None)

    @classmethod
    def copy_of(cls, path: str | os.PathLike) -> TinyStore:
        """The file as it is, in memory: written to, the file stays untouched."""
        copy = cls(None)
        if Path(path).exists():
            real = cls(path, read_only=True)
            copy.db.storage.write(real.snapshot())
            copy.damaged = real.damaged
            real.close()
        return copy

    def tables(self) -> set[str]:
        return self.db.tables()

    def all(self, table: str) -> list[Doc]:
        return self.db.table(table).all()

    def get(self, table: str, where: Where) -> Doc | None:
        return self.db.table(table).get(_query(where))

    def search(self, table: str, where: Where) -> list[Doc]:
        return self.db.table(table).search(_query(where))

    def contains(self, table: str, where: Where) -> bool:
        return self.db.table(table).contains(_query(where))

    def count(self, table: str) -> int:
        return len(self.db.table(table))

    def insert(self, table: str, docs: Iterable[Doc]) -> None:
        self.db.table(table).insert_multiple(docs)

    def upsert(self, table: str, doc: Doc, where: Mapping[str, Any]) -> None:
        self.db.table(table).upsert(doc, _query(where))

    def update(self, table: str, changes: Iterable[tuple[Doc, Mapping[str, Any]]]) -> None:
        """Several updates in one write (a write per update appends its table once each)."""
        self.db.table(table).update_multiple([(fields, _query(where)) for fields, where in changes])

    def replace(self, table: str, doc: Doc, where: Mapping[str, Any]) -> None:
        """The matching documents become `doc` (a field it lacks goes)."""
        self.db.table(table).update(lambda old: (old.clear(), old.update(doc)), _query(where))

    def remove(self, table: str, where: Where) -> None:
        self.db.table(table).remove(_query(where))

    def drop(self, table: str) -> None:
        self.db.drop_table(table)

    def rewrite(self, table: str, change: Callable[[Doc], None]) -> None:
        """Every document of the table changed in place by `change`, in one write (a migration)."""
        self.db.table(table).update(change)

    def snapshot(self) -> dict[str, dict[str, Doc]]:
        """Every table as it is now, a dict of its own."""
        return dict(self.db.storage.read() or {})

    def compact(self) -> None:
        if isinstance(self.db.storage, JournalStorage):
            self.db.storage.compact()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> TinyStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
