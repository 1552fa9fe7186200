"""The ledger after a crash: a record cut short by a kill (even inside a multi-byte
character) is skipped, and it never swallows the record written after it."""

from __future__ import annotations

from runner.ledger import Ledger


def test_a_record_cut_short_by_a_crash_costs_only_itself(tmp_path):
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        ledger.intend(1, None, "document", your_ref="1001")
        ledger.done(1, None, "document", ref="guid-1")
    with open(path, "ab") as journal:  # the process died in the middle of an append
        journal.write('{"t": "intents", "id": "2", "d": {"order": 2, "refund": 0, "step": "document", "name": "Zoë'.encode()[:-1])
    with Ledger(path) as ledger:  # the next run opens it, and records an intent before its POST
        assert ledger.step(1, None, "document")["ref"] == "guid-1"
        assert ledger.open_intents() == []
        ledger.intend(3, None, "document", your_ref="1003")
    with Ledger(path) as ledger:
        assert [i["order"] for i in ledger.open_intents()] == [3]  # not lost behind the torn line
        assert ledger.step(1, None, "document")["state"] == "done"


def test_a_dropped_table_stays_dropped_when_the_file_is_read_again(tmp_path):
    """A table TinyDB drops is written to the journal as gone, so reading the file again
    (before any compaction) does not bring it back."""
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        ledger.store.insert("runs_2025-01", [{"run": "old"}])
        ledger.store.insert("runs_2026-11", [{"run": "new"}])
        ledger.store.drop("runs_2025-01")
        assert "runs_2025-01" not in ledger.store.tables()
    with Ledger(path) as again:
        assert "runs_2025-01" not in again.store.tables() and again.store.all("runs_2026-11") == [{"run": "new"}]


def test_thousands_of_tables_read_and_write_as_one(tmp_path):
    """Order ids far apart make a steps table per order: what is written and read back is
    the same as with a few tables (the storage notes the changed table instead of walking
    every table on each write)."""
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        for n in range(2000):
            ledger.intend(n * 1000, None, "document", your_ref=str(n))
            ledger.done(n * 1000, None, "document", ref=f"e{n}", number=n)
        lines = path.read_text().count("\n")
        ledger.intend(5_000_000, None, "document", your_ref="x")
        assert path.read_text().count("\n") == lines + 1  # one line for one change
    with Ledger(path) as again:
        assert again.step(1_999_000, None, "document")["ref"] == "e1999"
        assert [i["order"] for i in again.open_intents()] == [5_000_000]
