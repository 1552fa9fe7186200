"""Bank entries keep their journal's balance (psp-settlements.md 6, reference 5.3): opening
balance plus the lines must make the closing balance, in Exact's words when they do not; the
sandbox tracks each bank journal's balance; what Exact does with omitted balances and whether
an opening must chain on to the journal's last closing are unconfirmed [U] settings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandbox.exact_support import REPRESENTATION, account_id, gl_id, message

pytest_plugins = ["tests.sandbox.conftest_exact"]
RULE = "Opening balance plus all bank entry lines should result in the closing balance"


def settlement(sim, opening=None, closing=None, journal="22", received="121.00", fee="-2.07", payout="-118.93") -> dict:
    lines = [
        {"GLAccount": gl_id(sim, "1300"), "Account": account_id(sim), "AmountFC": received, "Date": "2026-03-02", "Description": "Order 1042"},
        {"GLAccount": gl_id(sim, "8060"), "AmountFC": fee, "Date": "2026-03-02", "Description": "Fees"},
        {"GLAccount": gl_id(sim, "1100"), "AmountFC": payout, "Date": "2026-03-02", "Description": "Payout po_1"},
    ]
    body = {"JournalCode": journal, "BankEntryLines": lines}
    if opening is not None:
        body["OpeningBalanceFC"] = opening
    if closing is not None:
        body["ClosingBalanceFC"] = closing
    return body


def post(api, body):
    return api.post("financialtransaction/BankEntries", json=body, headers=REPRESENTATION)


def test_an_entry_whose_lines_do_not_make_the_closing_balance_is_refused_in_exacts_words(exact_api, exact_sim):
    wrong = post(exact_api, settlement(exact_sim, opening=100, closing=100.02, fee="-2.06", payout="-118.93"))
    assert wrong.status_code == 500 and RULE in message(wrong)
    assert exact_sim.journal_balance("22") == 0 and not exact_sim.bank_entries
    right = post(exact_api, settlement(exact_sim, opening=100, closing=100.0))
    assert right.status_code == 201
    assert exact_sim.journal_balance("22") == Decimal("0.00")


def test_each_bank_journal_keeps_its_balance_and_serves_it_on_the_entries(exact_api, exact_sim):
    assert post(exact_api, settlement(exact_sim, opening=0, closing=118.93, payout="0")).status_code == 201
    assert post(exact_api, settlement(exact_sim, opening=118.93, closing=116.86, received="0", payout="0")).status_code == 201
    assert exact_sim.journal_balance("22") == Decimal("116.86")
    assert exact_sim.journal_balance("21") == 0
    read = exact_api.get(
        "financialtransaction/BankEntries",
        params={"$select": "EntryNumber,OpeningBalanceFC,ClosingBalanceFC", "$filter": "JournalCode eq '22'", "$orderby": "EntryNumber"},
    )
    assert [(r["OpeningBalanceFC"], r["ClosingBalanceFC"]) for r in read.json()["d"]["results"]] == [(0.0, 118.93), (118.93, 116.86)]


@pytest.mark.parametrize("exact_options", [{"omitted_balances": "derive"}, {"omitted_balances": "refuse"}], ids=["derive", "refuse"])
def test_what_exact_does_without_balances_is_a_setting(exact_api, exact_sim, exact_options):
    answer = post(exact_api, settlement(exact_sim, payout="-100.00"))
    if exact_options["omitted_balances"] == "derive":  # opening = the journal's balance, closing = opening + lines
        assert answer.status_code == 201
        d = answer.json()["d"]
        assert (d["OpeningBalanceFC"], d["ClosingBalanceFC"]) == (0.0, 18.93)
        assert exact_sim.journal_balance("22") == Decimal("18.93")
    else:
        assert answer.status_code == 500 and RULE in message(answer)


@pytest.mark.parametrize("exact_options", [{"chain_balances": False}, {"chain_balances": True}], ids=["free", "chained"])
def test_whether_an_opening_must_be_the_last_closing_is_a_setting(exact_api, exact_sim, exact_options):
    assert post(exact_api, settlement(exact_sim, opening=0, closing=18.93, payout="-100.00")).status_code == 201
    off = post(exact_api, settlement(exact_sim, opening=50, closing=50.0))
    if exact_options["chain_balances"]:
        assert off.status_code == 500 and "previous entry" in message(off)
        assert exact_sim.journal_balance("22") == Decimal("18.93")
    else:
        assert off.status_code == 201
        assert exact_sim.journal_balance("22") == Decimal("18.93")  # the lines move the balance, not the opening given


def test_the_reference_worked_settlement_books_on_the_seeded_mollie_journal(exact_api, exact_sim):
    """psp-settlements.md 6: receipts, a refund, a chargeback, the fees and the payout to the
    clearing account sum to nothing, so the Mollie journal keeps its opening balance."""
    debtor = {"GLAccount": gl_id(exact_sim, "1300"), "Account": account_id(exact_sim), "Date": "2026-03-02"}
    amounts = [("121.00", debtor), ("60.50", debtor), ("100.00", debtor), ("-30.00", debtor), ("-45.00", debtor)]
    amounts += [("-3.52", {"GLAccount": gl_id(exact_sim, "4600")}), ("-202.98", {"GLAccount": gl_id(exact_sim, "1190")})]
    lines = [{**where, "AmountFC": amount, "Description": "Mollie 1234567.2611.02"} for amount, where in amounts]
    booked = post(exact_api, {"JournalCode": "23", "OpeningBalanceFC": 0, "ClosingBalanceFC": 0, "BankEntryLines": lines})
    assert booked.status_code == 201, booked.text
    assert exact_sim.journal_balance("23") == 0
