"""Payments in the Exact sandbox (reference 5.3, [U] matching): bank and cash entries, their
journal checks, and the match of a debtor line to the receivable of a sales entry."""

from __future__ import annotations

from tests.sandbox.exact_support import REPRESENTATION, account_id, entry, gl_id, message

pytest_plugins = ["tests.sandbox.conftest_exact"]


def post(api, path: str, body: dict):
    return api.post(path, json=body, headers=REPRESENTATION)


def refused(api, path: str, body: dict) -> str:
    response = post(api, path, body)
    assert response.status_code == 500, response.text
    return message(response)


def test_a_bank_line_with_ourref_and_minus_the_open_amount_matches_the_receivable(exact_api, exact_sim):
    d = post(exact_api, "salesentry/SalesEntries", entry(exact_sim)).json()["d"]
    pay = {
        "JournalCode": "21",
        "BankEntryLines": [
            {
                "GLAccount": gl_id(exact_sim, "1300"),
                "Account": account_id(exact_sim),
                "OurRef": d["EntryNumber"],
                "AmountFC": "-121.00",
                "Date": "2026-03-02",
                "Description": "PayPal order 1001",
            }
        ],
    }
    wrong = {**pay, "BankEntryLines": [{**pay["BankEntryLines"][0], "AmountFC": "-120.00"}]}
    assert post(exact_api, "financialtransaction/BankEntries", wrong).status_code == 201
    receivables = exact_api.get(
        "cashflow/Receivables",
        params={"$filter": f"EntryNumber eq {d['EntryNumber']}", "$select": "IsFullyPaid,Status,AmountFC"},
    ).json()["d"]["results"]
    assert [(r["IsFullyPaid"], r["Status"]) for r in receivables] == [(False, 20)]
    assert post(exact_api, "financialtransaction/BankEntries", pay).status_code == 201
    [receivable] = exact_sim.receivables.values()
    assert (receivable["IsFullyPaid"], receivable["Status"]) == (True, 50)


def test_cash_and_bank_entries_check_the_journal_type(exact_api, exact_sim):
    lines = [{"GLAccount": gl_id(exact_sim, "8060"), "AmountFC": 5}]
    cash = refused(exact_api, "financialtransaction/CashEntries", {"JournalCode": "20", "CashEntryLines": lines})
    assert cash == "Invalid journal. The journal must be a cash journal."
    assert post(exact_api, "financialtransaction/CashEntries", {"JournalCode": "10", "CashEntryLines": lines}).status_code == 201
    debtor = [{"GLAccount": gl_id(exact_sim, "1300"), "AmountFC": 5}]
    assert refused(exact_api, "financialtransaction/BankEntries", {"JournalCode": "20", "BankEntryLines": debtor}) == "Verplicht: Relatie"
