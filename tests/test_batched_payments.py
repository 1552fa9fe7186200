"""Payments in `paid` mode go out together (issue 14 #1): one bank or cash entry per journal
and month with a receipt line per document, so `paid` costs about what `sent` does. Each
line is exactly-once on its own: a refused entry is sent again line by line, so only the
receipt Exact refuses fails, and a receivable already paid is never paid again."""

from __future__ import annotations

import json

from runner.sandbox.host import Fault

PAID = "booking:\n  status: paid\n"


def owed(box) -> int:
    """Documents that leave something to pay (a zero total has no receipt)."""
    return sum(1 for row in box.documents() if row["AmountFC"])


def receipts(box) -> list[dict]:
    entries = [*box.exact.bank_entries.values(), *box.exact.cash_entries.values()]
    return [line for row in entries for line in row.get("BankEntryLines", row.get("CashEntryLines", []))]


def test_receipts_of_a_run_go_out_in_one_entry_per_journal_and_month(sync_box):
    box = sync_box(orders=40, extra=PAID)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    lines = receipts(box)
    months = {(line["Date"].year, line["Date"].month) for line in lines}
    journals = {(row["JournalCode"], row["FinancialYear"]) for row in [*box.exact.bank_entries.values(), *box.exact.cash_entries.values()]}
    assert len(lines) == owed(box) and len(box.exact.bank_entries) + len(box.exact.cash_entries) <= len(months) * len(journals) < len(lines)
    assert [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]] == []


def test_one_receipt_exact_refuses_fails_alone_and_the_others_are_paid(sync_box):
    box = sync_box(orders=40, extra=PAID)
    victim = box.due()[5]
    refusal = json.dumps({"error": {"code": "", "message": {"lang": "", "value": "Ongeldig: Betaling"}}}).encode()
    box.box.exact_server.faults.queue(
        Fault(500, html=False, body=refusal, match=lambda r: "BankEntries" in r.path and f"order {victim['number']}" in r.body.decode()),
        times=2,  # the entry with every receipt, then the victim's own
    )
    result = box.run("run")
    assert result.exit_code == 1 and "Ongeldig: Betaling" in result.output
    with box.ledger() as ledger:
        assert [(f["order"], f["kind"]) for f in ledger.failures()] == [(victim["id"], "rejected")]
    unpaid = [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]]
    assert [r["YourRef"].strip() for r in unpaid] == [victim["number"]]
    again = box.run("retry")  # the refusal was Exact's to lift; now it is paid, once
    assert again.exit_code == 0, again.output
    assert [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]] == []
    assert len(receipts(box)) == owed(box)


def test_an_entry_of_receipts_answered_with_a_5xx_after_it_landed_is_looked_up_line_by_line_never_paid_twice(sync_box):
    """Exact booked the entry, then answered 503: every receipt is found by its OurRef and
    account at once (the lost-answer case, no answer at all, is in test_robust_exactly_once)."""
    box = sync_box(orders=40, extra=PAID)
    box.box.exact_server.faults.queue(Fault(503, after_work=True, match=lambda r: r.method == "POST" and "BankEntries" in r.path), times=1)
    first = box.run("run")
    assert first.exit_code == 0, first.output
    assert [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]] == []
    assert len(receipts(box)) == owed(box)  # each document paid once
