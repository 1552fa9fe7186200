"""Older ledger formats, brought up to date in one place when a ledger opens, so that the
rest of the ledger reads one format only. The format is a cursor (`format`); a ledger
without one was written before formats were numbered (format 1).

Each migration writes the new form before it removes the old one (a crash in between
leaves both, and the migration runs again on the next open: every step is an upsert or a
drop). A dry copy migrates in memory; the file stays as it is."""

from __future__ import annotations

from collections.abc import Callable

from runner.errors import RunnerError
from runner.ledger.beside import BesideFile
from runner.ledger.cursors import Cursors
from runner.ledger.steps import is_steps
from runner.ledger.store import Store
from runner.ledger.summaries import members_table, summaries_table

FORMAT = 3  # the format this runner writes
OLD_REF = "exact_id"  # what formats 1 and 2 named a document's reference
INDEX_CURSORS = ["exact_accounts_timestamp", "exact_items_timestamp"]  # a format 1 ledger's: the index keeps them now


def migrate(store: Store, cursors: Cursors, index: Callable[[], BesideFile]) -> int:
    """The ledger in `store` brought to FORMAT; the format it had. `index`: the file
    beside it that the account index is kept in, opened only when a migration moves entries into it."""
    found = cursors.get("format") or (1 if store.tables() else FORMAT)
    if found > FORMAT:
        raise RunnerError(
            f"the ledger was written in format {found} by a newer runner; this runner reads format {FORMAT} and older",
            "upgrade the runner (pip install -U woo-exact-runner) on every machine that runs this spec",
        )
    for version in range(found, FORMAT):
        STEPS[version](store, cursors, index)
    if cursors.get("format") != FORMAT:
        cursors.set("format", FORMAT)
    return found


def to_2(store: Store, cursors: Cursors, index: Callable[[], BesideFile]) -> None:
    """Format 1 kept members and summaries in one table each (a year's backfill was
    quadratic), and the account index inside the ledger (customers_* tables and two cursors)."""
    tables = store.tables()
    if "members" in tables:
        for kept in store.all("members"):
            store.upsert(members_table(kept["order"]), kept, {"order": kept["order"], "refund": kept["refund"]})
        store.drop("members")
    if "summaries" in tables:
        for summary in store.all("summaries"):
            store.upsert(summaries_table(summary["key"]), summary, {"key": summary["key"]})
        store.drop("summaries")
    entries = customer_entries(store, cursors)
    if entries:
        index().absorb(entries)
        for name in [n for n in tables if n.startswith("customers_")]:
            store.drop(name)
        store.remove("cursors", lambda cursor: cursor.get("name") in INDEX_CURSORS)


def customer_entries(store: Store, cursors: Cursors) -> list[list]:
    """A format 1 ledger's customer tables (e-mail, `code:` and `item:` keys) and their
    cursors, as index entries."""
    entries = []
    for name in sorted(n for n in store.tables() if n.startswith("customers_")):
        for record in store.all(name):
            key, account_id = record["email"], record["id"]
            kind = {"code:": "c", "item:": "i"}.get(key[:5])
            entries.append([kind, key[5:], account_id] if kind else ["e", key, account_id, record.get("code") or ""])
    entries += [["t", name, cursors.get(name)] for name in INDEX_CURSORS if cursors.get(name) is not None]
    return entries


def to_3(store: Store, cursors: Cursors, index: Callable[[], BesideFile]) -> None:
    """Format 2 named the sink's reference of a document `exact_id` (in steps, intents,
    summaries and a summary's payments); it is `ref` now, whatever the sink. One write per
    table, and only tables that hold the old name: a crash between tables leaves the rest
    for the next open (a renamed record is never renamed again)."""
    for name in sorted(store.tables()):
        if name == "intents" or is_steps(name) or name.startswith("summaries_"):
            if any(_named_before(doc) for doc in store.all(name)):
                store.rewrite(name, _rename)


def _named_before(doc: dict) -> bool:
    return OLD_REF in doc or any(isinstance(state, dict) and OLD_REF in state for state in (doc.get("payments") or {}).values())


def _rename(doc: dict) -> None:
    """In place: `exact_id` -> `ref`, in the record and in each of its payments."""
    for record in [doc, *(state for state in (doc.get("payments") or {}).values() if isinstance(state, dict))]:
        if OLD_REF in record:
            record["ref"] = record.pop(OLD_REF)


STEPS: dict[int, Callable[[Store, Cursors, Callable[[], BesideFile]], None]] = {1: to_2, 2: to_3}  # from format N to N + 1
