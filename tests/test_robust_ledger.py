"""The ledger after a crash: a record cut short by a kill (even inside a multi-byte
character) is skipped, and it never swallows the record written after it."""

from __future__ import annotations

from runner.ledger import Ledger


def test_a_record_cut_short_by_a_crash_costs_only_itself(tmp_path):
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        ledger.intend(1, None, "document", your_ref="1001")
        ledger.done(1, None, "document", exact_id="guid-1")
    with open(path, "ab") as journal:  # the process died in the middle of an append
        journal.write('{"t": "intents", "id": "2", "d": {"order": 2, "refund": 0, "step": "document", "name": "Zoë'.encode()[:-1])
    with Ledger(path) as ledger:  # the next run opens it, and records an intent before its POST
        assert ledger.step(1, None, "document")["exact_id"] == "guid-1"
        assert ledger.open_intents() == []
        ledger.intend(3, None, "document", your_ref="1003")
    with Ledger(path) as ledger:
        assert [i["order"] for i in ledger.open_intents()] == [3]  # not lost behind the torn line
        assert ledger.step(1, None, "document")["state"] == "done"
