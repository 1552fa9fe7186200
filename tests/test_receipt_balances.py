"""The per-order receipts (`booking.status: paid`) name their balances: Exact demands of a bank
or cash entry that opening + lines = closing, and what it does when they are left out is [U]
(the sandbox's `omitted_balances`, here at `refuse`, with `chain_balances` on). Each entry opens
on its journal's chronologically last closing balance (FinancialYear, FinancialPeriod, then
EntryNumber), read once a journal and run, carried forward as the run writes, and read again
after an answer was lost."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

from runner.sandbox.exact.entities import GL_ACCOUNTS
from runner.sandbox.exact.payments import post_bank_entry
from runner.sandbox.host import Fault

PAID = "booking:\n  status: paid\n"
STRICT = {"omitted_balances": "refuse", "chain_balances": True}
START = datetime(2026, 1, 30, 9, 0)  # the 40 orders run into February: each journal takes an entry per month
BANK = "financialtransaction/BankEntries"


def entries(box) -> list[dict]:
    return [*box.exact.bank_entries.values(), *box.exact.cash_entries.values()]


def chained(box) -> dict[str, list[tuple[D, D]]]:
    """Per journal, (opening, closing) of its entries in Exact's order: year, period, number."""
    out: dict[str, list[tuple[D, D]]] = {}
    key = lambda row: (row["FinancialYear"], row["FinancialPeriod"], row["EntryNumber"])  # noqa: E731
    for row in sorted(entries(box), key=key):
        out.setdefault(row["JournalCode"].strip(), []).append((D(str(row["OpeningBalanceFC"])), D(str(row["ClosingBalanceFC"]))))
    return out


def assert_chained(box) -> None:
    for journal, pairs in chained(box).items():
        for (_, closing), (opening, _) in zip(pairs, pairs[1:], strict=False):
            assert opening == closing, (journal, pairs)
        assert pairs[-1][1] == box.exact.journal_balance(journal), (journal, pairs)


def by_hand(box, number: int, day: str, amount: str, opening: str) -> None:
    """An entry the consultant booked in Exact's journal 20 (numbered by hand, so the number is not date order)."""
    admin = box.exact.admin
    line = {"GLAccount": admin.by_code(GL_ACCOUNTS, "1190")["ID"], "AmountFC": D(amount), "Date": datetime.fromisoformat(day)}
    balances = {"OpeningBalanceFC": D(opening), "ClosingBalanceFC": D(opening) + D(amount)}
    post_bank_entry(admin, box.exact.config, {"JournalCode": "20", "EntryNumber": number, **balances, "BankEntryLines": [line]})


def test_receipts_open_on_the_journals_last_closing_by_year_period_and_number_and_chain_on(sync_box):
    box = sync_box(orders=40, extra=PAID, exact_options=STRICT, start=START)
    by_hand(box, 9, "2025-10-15", "10.00", "0.00")  # the higher number, the earlier period
    by_hand(box, 5, "2025-11-15", "20.00", "10.00")
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert box.exact.errors == []
    assert [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]] == []
    assert_chained(box)
    assert chained(box)["20"][2][0] == D("30.00")  # the first receipt entry opens on November's closing, not on entry 9's

    pending = next(o for o in box.woo.orders.values() if o["status"] in ("pending", "on-hold"))
    box.woo.set_status(pending["id"], "completed")  # a later run reads the journal again and chains on
    again = box.run("run")
    assert again.exit_code == 0, again.output
    assert box.exact.errors == [] and [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]] == []
    assert_chained(box)


def test_a_journal_is_read_once_a_run_and_carried_forward(sync_box):
    box = sync_box(orders=40, extra=PAID, exact_options=STRICT, start=START)
    assert box.run("run").exit_code == 0
    journals = {row["JournalCode"].strip() for row in entries(box)}
    assert len(entries(box)) > len(journals)  # several entries in a journal: carried forward, not read again
    assert box.exact.calls[("GET", BANK)] + box.exact.calls[("GET", "financialtransaction/CashEntries")] == len(journals)


def test_after_a_lost_answer_the_next_entry_continues_from_the_one_found(sync_box):
    """Exact booked the first entry of receipts and the answer never came: each receipt is found
    by lookup, and the journal's next entry opens on the found entry's closing balance."""
    box = sync_box(orders=40, extra=PAID, exact_options=STRICT, start=START)
    box.box.exact_server.faults.queue(Fault(503, after_work=True, match=lambda r: r.method == "POST" and "BankEntries" in r.path), times=1)
    first = box.run("run")
    assert first.exit_code == 0, first.output
    assert box.exact.errors == [], box.exact.errors
    assert [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]] == []
    assert_chained(box)
