"""The ledger names the sink's reference of a document `ref` (issue 20 point 2: generic code
speaks no Exact). A ledger written before (format 2, the reference stored as `exact_id`) opens,
is migrated once, and a run on it books nothing twice; a dry copy migrates in memory only."""

from __future__ import annotations

import json

import pytest

from runner.ledger import FORMAT, Ledger
from runner.ledger.store import TinyStore

PER_ORDER = "booking:\n  status: paid\n"
DAILY = 'booking:\n  mode: daily_summary\n  status: paid\ncustomers:\n  collective: "2"\npayments:\n  journal: "20"\n'


def _as_format_2(state) -> int:
    """The ledger as a format 2 runner wrote it: the reference stored as `exact_id` (in a
    step, a summary and a summary's payments); how many references were renamed."""
    renamed = 0

    def old(doc: dict) -> dict:
        nonlocal renamed
        doc = dict(doc)
        if "ref" in doc:
            doc["exact_id"] = doc.pop("ref")
            renamed += 1
        if isinstance(doc.get("payments"), dict):
            doc["payments"] = {journal: old(state) for journal, state in doc["payments"].items()}
        return doc

    with TinyStore(state) as store:
        for table in sorted(store.tables()):
            if table.startswith(("steps_", "intents", "summaries")):
                for doc in store.all(table):
                    where = {"key": doc["key"]} if "key" in doc else {k: doc[k] for k in ("order", "refund", "step")}
                    store.replace(table, old(doc), where)
        store.upsert("cursors", {"name": "format", "value": 2}, {"name": "format"})
    return renamed


def _posts(box) -> int:
    return sum(n for (method, _), n in box.exact.calls.items() if method == "POST")


@pytest.mark.parametrize("extra", [PER_ORDER, DAILY], ids=["per_order", "daily_summary"])
def test_a_format_2_ledger_is_migrated_once_and_a_run_on_it_books_nothing_twice(sync_box, extra):
    box = sync_box(orders=20, extra=extra)
    assert box.run("run").exit_code == 0
    state = box.dir / ".runner" / "state.json"
    assert _as_format_2(state) > 0
    posted, text = _posts(box), state.read_text()
    with Ledger.dry_copy(state) as copy:  # a reader migrates in memory; the file stays
        assert copy.format_found == 2 and (any(s.ref for s in copy.all_steps()) or any(s.ref for s in copy.summaries()))
    assert state.read_text() == text
    again = box.run("run")
    assert again.exit_code == 0 and "booked 0 order(s)" in again.output, again.output
    assert _posts(box) == posted
    with Ledger(state) as ledger:
        assert ledger.format_found == FORMAT == 3
        docs = [doc for table, rows in ledger.store.snapshot().items() if table.startswith(("steps_", "summaries")) for doc in rows.values()]
        assert docs and "exact_id" not in json.dumps(docs)
        assert all(s.ref for s in ledger.summaries()) if "daily" in extra else all(s.ref for s in ledger.all_steps() if s.done)
    assert box.run("status").exit_code == 0
