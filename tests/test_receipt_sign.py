"""A receipt on a bank or cash entry is money in: positive (issue 22 point 0; the evidence is in
docs/sandbox.md and the reference's "Additions, third pass"). A refund paid out is negative. An
administration that proves otherwise sets `payments.receipt_sign: negative`; a run whose sign
does not match the books' never passes: its receipts leave their sales open, and the
completeness check names them."""

from __future__ import annotations

from decimal import Decimal as D

PAID = "booking:\n  status: paid\n"
NEGATIVE = PAID + "payments:\n  receipt_sign: negative\n"


def receipt_lines(box) -> list[dict]:
    entries = [*box.exact.bank_entries.values(), *box.exact.cash_entries.values()]
    return [line for row in entries for line in row.get("BankEntryLines", row.get("CashEntryLines", []))]


def open_sales(box) -> list[dict]:
    return [r for r in box.exact.receivables.values() if not r["IsFullyPaid"]]


def test_receipts_are_positive_and_settle_their_sales(sync_box):
    box = sync_box(orders=12, extra=PAID)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    lines = receipt_lines(box)
    by_number = {row["EntryNumber"]: D(str(row["AmountFC"])) for row in box.documents()}
    # each line is its document's open amount as money in: a sale's receipt positive, a refund paid out negative
    assert lines and all(D(str(line["AmountFC"])) == by_number[line["OurRef"]] for line in lines)
    assert any(D(str(line["AmountFC"])) > 0 for line in lines)
    assert open_sales(box) == [] and "INCOMPLETE" not in result.output


def test_a_refund_paid_out_is_negative_and_settles_its_credit(sync_box):
    box = sync_box(orders=6, extra=PAID)
    assert box.run("run").exit_code == 0
    order = next(o for o in box.woo.orders.values() if o["status"] == "completed" and D(o["total"]) > 10)
    box.woo.add_refund(order["id"], amount="10.00", reason="Coulance")
    result = box.run("run")
    assert result.exit_code == 0, result.output
    credit = next(row for row in box.documents() if D(str(row["AmountFC"])) == D("-10.00"))
    (back,) = [line for line in receipt_lines(box) if line["OurRef"] == credit["EntryNumber"]]
    assert D(str(back["AmountFC"])) == D("-10.00") and open_sales(box) == []


def test_an_exact_that_wants_the_other_sign_fails_the_run_naming_the_receipts(sync_box):
    box = sync_box(orders=8, extra=PAID, exact_options={"receipt_sign": -1})
    result = box.run("run")
    assert result.exit_code == 1, result.output
    assert "receipt(s) posted but not matched to their sale in Exact" in result.output
    assert "check payments.receipt_sign, now positive" in result.output
    left_open = open_sales(box)
    assert left_open and len(left_open) == len(receipt_lines(box))
    status = box.run("status")
    assert "not matched to their sale" in status.output


def test_the_spec_turns_the_sign_round_for_an_administration_that_proves_it(sync_box):
    box = sync_box(orders=8, extra=NEGATIVE, exact_options={"receipt_sign": -1})
    result = box.run("run")
    assert result.exit_code == 0, result.output
    by_number = {row["EntryNumber"]: D(str(row["AmountFC"])) for row in box.documents()}
    assert all(D(str(line["AmountFC"])) == -by_number[line["OurRef"]] for line in receipt_lines(box)) and open_sales(box) == []


def test_a_ledger_of_before_keeps_its_payments_as_the_old_sign_and_is_read_turned_round():
    """Members and booked summaries that a ledger kept before receipts were money in say `pay`
    and `to_pay` with the line's old sign (minus the receipt): read negated, never paid the
    wrong way round after an upgrade."""
    from runner.domain.summary import payments, receipt_of, receipts_due

    old = [{"order": 1, "refund": 0, "number": "1", "pay": ["20", "-12.10"]}, {"order": 2, "refund": 5, "number": "2", "pay": ["20", "2.00"]}]
    new = [{"order": 3, "refund": 0, "number": "3", "receipt": ["21", "7.50"]}]
    assert [receipt_of(k) for k in old + new] == [("20", D("12.10")), ("20", D("-2.00")), ("21", D("7.50"))]
    assert payments(old + new) == {
        "20": {"amount": "10.10", "members": [[1, 0, "1"], [2, 5, "2"]]},
        "21": {"amount": "7.50", "members": [[3, 0, "3"]]},
    }
    legacy = {"to_pay": {"20": {"amount": "-10.10", "members": [[1, 0, "1"]]}}}
    assert receipts_due(legacy) == {"20": {"amount": "10.10", "members": [[1, 0, "1"]]}}
    assert receipts_due({"receipts": {"20": {"amount": "3.00", "members": []}}, "to_pay": {"20": {"amount": "-9.99"}}})["20"]["amount"] == "3.00"
