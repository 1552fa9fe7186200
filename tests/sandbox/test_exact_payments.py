"""Payments in the Exact sandbox (reference 5.3, [U] matching): bank and cash entries, their
journal checks, and the match of a debtor line to the receivable of a sales entry."""

from __future__ import annotations

import pytest

from tests.sandbox.exact_support import REPRESENTATION, account_id, entry, gl_id, message

pytest_plugins = ["tests.sandbox.conftest_exact"]


def post(api, path: str, body: dict):
    return api.post(path, json=body, headers=REPRESENTATION)


def refused(api, path: str, body: dict) -> str:
    response = post(api, path, body)
    assert response.status_code == 500, response.text
    return message(response)


def _receipt(exact_api, exact_sim, amount: str) -> tuple[dict, dict]:
    d = post(exact_api, "salesentry/SalesEntries", entry(exact_sim)).json()["d"]
    line = {
        "GLAccount": gl_id(exact_sim, "1300"),
        "Account": account_id(exact_sim),
        "OurRef": d["EntryNumber"],
        "AmountFC": amount,
        "Date": "2026-03-02",
        "Description": "PayPal order 1001",
    }
    return d, {"JournalCode": "21", "BankEntryLines": [line]}


def _open(exact_api, d: dict) -> list[tuple[bool, int]]:
    receivables = exact_api.get(
        "cashflow/Receivables",
        params={"$filter": f"EntryNumber eq {d['EntryNumber']}", "$select": "IsFullyPaid,Status,AmountFC"},
    ).json()["d"]["results"]
    return [(r["IsFullyPaid"], r["Status"]) for r in receivables]


def test_a_bank_line_with_ourref_and_the_open_amount_as_money_in_matches_the_receivable(exact_api, exact_sim):
    """A receipt is money on the bank: positive (reference, "Additions, third pass")."""
    d, pay = _receipt(exact_api, exact_sim, "121.00")
    for wrong in ("120.00", "-121.00"):  # another amount, or the receipt as money out: no match
        assert (
            post(
                exact_api, "financialtransaction/BankEntries", {**pay, "BankEntryLines": [{**pay["BankEntryLines"][0], "AmountFC": wrong}]}
            ).status_code
            == 201
        )
        assert _open(exact_api, d) == [(False, 20)]
    assert post(exact_api, "financialtransaction/BankEntries", pay).status_code == 201
    [receivable] = exact_sim.receivables.values()
    assert (receivable["IsFullyPaid"], receivable["Status"]) == (True, 50)


@pytest.mark.parametrize("exact_options", [{"receipt_sign": -1}])
def test_an_exact_that_wants_receipts_negative_matches_only_those(exact_api, exact_sim):
    """The sign is [U] on a live administration: the sandbox's setting turns it round."""
    d, pay = _receipt(exact_api, exact_sim, "121.00")
    assert post(exact_api, "financialtransaction/BankEntries", pay).status_code == 201
    assert _open(exact_api, d) == [(False, 20)]
    assert (
        post(
            exact_api, "financialtransaction/BankEntries", {**pay, "BankEntryLines": [{**pay["BankEntryLines"][0], "AmountFC": "-121.00"}]}
        ).status_code
        == 201
    )
    assert _open(exact_api, d) == [(True, 50)]


def test_cash_and_bank_entries_check_the_journal_type(exact_api, exact_sim):
    lines = [{"GLAccount": gl_id(exact_sim, "8060"), "AmountFC": 5}]
    cash = refused(exact_api, "financialtransaction/CashEntries", {"JournalCode": "20", "CashEntryLines": lines})
    assert cash == "Invalid journal. The journal must be a cash journal."
    assert post(exact_api, "financialtransaction/CashEntries", {"JournalCode": "10", "CashEntryLines": lines}).status_code == 201
    debtor = [{"GLAccount": gl_id(exact_sim, "1300"), "AmountFC": 5}]
    assert refused(exact_api, "financialtransaction/BankEntries", {"JournalCode": "20", "BankEntryLines": debtor}) == "Verplicht: Relatie"
