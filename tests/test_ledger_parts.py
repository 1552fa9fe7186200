"""The ledger as a package (issue 20 point 5): its parts speak the storage port, which any
storage can implement; older formats are migrated in one versioned place; the records
callers get are dataclasses that still read and write as the dicts they were."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import pytest

from runner.adapters.exact.accounts import AccountIndex
from runner.errors import RunnerError
from runner.ledger import FORMAT, Failure, Ledger, Run, Step, Summary
from runner.ledger.store import Store, TinyStore
from tests.conftest import ROOT

DAY = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class DictStore:
    """The port over plain dicts: what a storage must do for the ledger, and nothing of TinyDB."""

    damaged, set_aside = "", None

    def __init__(self) -> None:
        self.data: dict[str, list[dict]] = {}

    @staticmethod
    def _match(where) -> Callable[[dict], bool]:
        if isinstance(where, Mapping):
            return lambda doc: all(k in doc and doc[k] == v for k, v in where.items())
        return where

    def tables(self):
        return {name for name, docs in self.data.items() if docs}

    def all(self, table):
        return [dict(doc) for doc in self.data.get(table, [])]

    def search(self, table, where):
        return [dict(doc) for doc in self.data.get(table, []) if self._match(where)(doc)]

    def get(self, table, where):
        return next(iter(self.search(table, where)), None)

    def contains(self, table, where):
        return bool(self.search(table, where))

    def count(self, table):
        return len(self.data.get(table, []))

    def insert(self, table, docs):
        self.data.setdefault(table, []).extend(dict(doc) for doc in docs)

    def upsert(self, table, doc, where):
        found = [d for d in self.data.get(table, []) if self._match(where)(d)]
        for d in found:
            d.update(doc)
        if not found:
            self.insert(table, [doc])

    def update(self, table, changes):
        for fields, where in changes:
            for d in self.data.get(table, []):
                if self._match(where)(d):
                    d.update(fields)

    def replace(self, table, doc, where):
        self.data[table] = [dict(doc) if self._match(where)(d) else d for d in self.data.get(table, [])]

    def remove(self, table, where):
        self.data[table] = [d for d in self.data.get(table, []) if not self._match(where)(d)]

    def rewrite(self, table, change):
        for d in self.data.get(table, []):
            change(d)

    def drop(self, table):
        self.data.pop(table, None)

    def snapshot(self):
        return {name: dict(enumerate(docs)) for name, docs in self.data.items()}

    def compact(self):
        pass

    def close(self):
        pass


def test_the_ledger_runs_on_any_storage_that_speaks_the_port():
    store: Store = DictStore()
    with Ledger(None, clock=lambda: DAY, store=store) as ledger:
        ledger.intend(7, None, "document", your_ref="1007", steps=["document", "payment"], journal="70")
        assert [(i.order, i.step, i.state) for i in ledger.open_intents()] == [(7, "document", "intent")]
        ledger.done(7, None, "document", ref="guid-7", number=26700007)
        ledger.intend(7, None, "payment", endpoint="BankEntries")
        ledger.done(7, None, "payment", ref="bank-1")
        ledger.fail(8, "Exact refused it", "2026-03-02T10:00:00+00:00", kind="rejected")
        ledger.record_run({"run": "r1", "started": DAY.isoformat(), "booked": [7], "failed": {}})
        assert ledger.tidy(DAY.date()) == 1  # order 7 is finished: a row of its own
        assert ledger.step(7, None, "document").ref == "guid-7" and ledger.step(7, None, "payment").done
        assert [f.order for f in ledger.failures()] == [8] and [r.run for r in ledger.runs()] == ["r1"]
        assert ledger.cursor("format") == FORMAT and ledger.cursor("tidied") == "2026-03-02"
    assert not any(name.startswith("steps_") for name in store.tables())  # moved into the finished rows
    assert store.all("intents") == [] and store.get("cursors", {"name": "format"})["at"] == "2026-03-02T09:30:00+00:00"


def test_records_are_dataclasses_that_read_and_write_as_the_dicts_they_were(tmp_path):
    with Ledger(tmp_path / "state.json", clock=lambda: DAY) as ledger:
        ledger.intend(1, 5, "document", your_ref="1001", steps=["document"])
        intent = ledger.open_intents()[0]
        assert isinstance(intent, Step) and (intent.order, intent.refund, intent.steps) == (1, 5, ("document",))
        assert intent["your_ref"] == intent.get("your_ref") == "1001" and "ref" not in intent
        at = "2026-03-02T09:30:00+00:00"
        assert intent == {"order": 1, "refund": 5, "step": "document", "state": "intent", "at": at, "your_ref": "1001", "steps": ["document"]}
        failure = ledger.fail(1, "no", None, refund=5)
        assert isinstance(failure, Failure) and failure.attempts == 1 and failure.refund == 5 and failure["next_retry"] is None
        assert json.loads(json.dumps(dict(failure)))["message"] == "no"
        ledger.save_summary({"key": "sale|70|2026-03-01|1", "day_key": "sale|70|2026-03-01", "state": "intent", "members": [[1, 0]]})
        (summary,) = ledger.summaries()
        assert isinstance(summary, Summary) and summary.members == ((1, 0),) and not summary.done
        summary["state"] = "done"  # as the daily summary changes a record before saving it back
        assert summary.done and summary["state"] == "done"
        ledger.save_summary(summary)
        assert ledger.summaries()[0].done
        ledger.record_run({"run": "r1", "started": "2026-03-02T09:00:00+00:00", "stopped": "the daily limit"})
        (run,) = ledger.runs()
        assert isinstance(run, Run) and not run.clean and run.stopped == "the daily limit"
        assert {**run} == {"run": "r1", "started": "2026-03-02T09:00:00+00:00", "stopped": "the daily limit"}


def test_a_ledger_records_its_format_and_refuses_a_newer_one(tmp_path):
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        assert ledger.format_found == FORMAT and ledger.cursor("format") == FORMAT
    with TinyStore(path) as store:
        store.upsert("cursors", {"name": "format", "value": FORMAT + 1}, {"name": "format"})
    with pytest.raises(RunnerError, match=f"format {FORMAT + 1} by a newer runner"):
        Ledger(path)


def test_a_ledger_of_before_is_migrated_once_and_a_dry_copy_only_in_memory(tmp_path):
    path = tmp_path / "state.json"
    with TinyStore(path) as before:  # format 1: no format recorded, members and customers in tables of their own
        before.insert("members", [{"order": 101, "refund": 0, "day": "2026-11-26"}])
        before.insert("customers_7", [{"email": "iris@example.nl", "id": "acct-1", "code": "40001"}])
        before.insert("cursors", [{"name": "exact_accounts_timestamp", "value": 123}])
    text = path.read_text()
    with Ledger.dry_copy(path) as copy:
        assert copy.format_found == 1 and [m["order"] for m in copy.members()] == [101]
        assert (
            AccountIndex.of(copy).account("iris@example.nl") == ("acct-1", "40001")
            and AccountIndex.of(copy).cursor("exact_accounts_timestamp") == 123
        )
    assert path.read_text() == text and not (tmp_path / "state.accounts.json").exists()  # a reader changes nothing
    with Ledger(path) as ledger:
        assert ledger.format_found == 1 and [m["order"] for m in ledger.members()] == [101]
        assert not {"members", "customers_7"} & ledger.store.tables() and ledger.cursor("exact_accounts_timestamp") is None
    with Ledger(path) as again:
        assert again.format_found == FORMAT and AccountIndex.of(again).account("iris@example.nl") == ("acct-1", "40001")


def test_only_the_ledgers_storage_touches_tinydb():
    storage = {"runner/ledger/store.py", "runner/ledger/journal.py"}
    names = {str(path.relative_to(ROOT)): path.read_text() for path in (ROOT / "runner").rglob("*.py")}
    assert sorted(name for name, text in names.items() if "tinydb" in text and name not in storage) == []
