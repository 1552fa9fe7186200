"""`financialtransaction/TransactionLines` in the Exact sandbox: read-only, under a mandatory
filter (reference 4.6), the lines of every sales, bank and cash entry, with the debtor and VAT
lines Exact writes itself (reference 6.3) and every entry balanced."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.sandbox.exact_support import REPRESENTATION, account_id, entry, gl_id, message

pytest_plugins = ["tests.sandbox.conftest_exact"]

LINES = "financialtransaction/TransactionLines"
FIELDS = "ID,EntryID,EntryNumber,LineNumber,GLAccountCode,Account,AmountDC,AmountFC,VATCode,Type,JournalCode,FinancialYear"


def booked(api, path: str, body: dict) -> dict:
    response = api.post(path, json=body, headers=REPRESENTATION)
    assert response.status_code == 201, response.text
    return response.json()["d"]


def lines(api, where: str) -> list[dict]:
    response = api.get(LINES, params={"$filter": where, "$select": FIELDS})
    assert response.status_code == 200, response.text
    return response.json()["d"]["results"]


def test_the_endpoint_is_read_only_and_needs_a_filter(exact_api):
    unfiltered = exact_api.get(LINES, params={"$select": "ID"})
    assert unfiltered.status_code == 400 and "must have a $filter parameter" in message(unfiltered)
    inside = exact_api.get(LINES, params={"$select": "ID", "$filter": "year(Date) eq 2026"})
    assert inside.status_code == 400  # a field inside a function is no filter (filter_in_function)
    assert exact_api.post(LINES, json={"AmountFC": 1}).status_code == 405


def test_a_sales_entry_credits_revenue_and_vat_and_debits_the_customer(exact_api, exact_sim):
    high, low = (
        {"GLAccount": gl_id(exact_sim, "8000"), "AmountFC": 100, "VATCode": "2"},
        {"GLAccount": gl_id(exact_sim, "8010"), "AmountFC": 50, "VATCode": "1"},
    )
    d = booked(exact_api, "salesentry/SalesEntries", entry(exact_sim, high, low))
    got = {(r["LineNumber"], r["GLAccountCode"]): r for r in lines(exact_api, f"EntryID eq guid'{d['EntryID']}'")}
    assert {k: got[k]["AmountDC"] for k in got} == {
        (1, "8000"): -100.0,
        (2, "8010"): -50.0,
        (9999, "1500"): -21.0,
        (9999, "1510"): -4.5,
        (0, "1300"): 175.5,
    }
    assert got[(0, "1300")]["Account"] == account_id(exact_sim)
    assert {r["EntryNumber"] for r in got.values()} == {d["EntryNumber"]} and {r["Type"] for r in got.values()} == {20}
    assert [r["ID"] for r in d["SalesEntryLines"]["results"]] == [got[(1, "8000")]["ID"], got[(2, "8010")]["ID"]]


def test_a_payment_credits_the_debtor_against_the_bank_and_every_entry_balances(exact_api, exact_sim):
    d = booked(exact_api, "salesentry/SalesEntries", entry(exact_sim))
    debtor = {
        "GLAccount": gl_id(exact_sim, "1300"),
        "Account": account_id(exact_sim),
        "OurRef": d["EntryNumber"],
        "AmountFC": -121,
        "Date": "2026-03-02",
    }
    pay = booked(exact_api, "financialtransaction/BankEntries", {"JournalCode": "21", "BankEntryLines": [debtor]})
    booked(
        exact_api,
        "financialtransaction/CashEntries",
        {"JournalCode": "10", "CashEntryLines": [{"GLAccount": gl_id(exact_sim, "8060"), "AmountFC": -5}]},
    )
    money = lines(exact_api, f"EntryNumber eq {pay['EntryNumber']} and JournalCode eq '21'")
    assert sorted((r["GLAccountCode"], r["AmountDC"], r["Type"]) for r in money) == [("1110", 121.0, 40), ("1300", -121.0, 40)]
    every = lines(exact_api, "FinancialYear eq 2026")
    sums = defaultdict(float)
    for r in every:
        sums[r["EntryID"]] += r["AmountDC"]
    assert len(sums) == 3 and all(v == pytest.approx(0) for v in sums.values())
    customer = lines(exact_api, f"Account eq guid'{account_id(exact_sim)}'")
    assert sorted(r["AmountDC"] for r in customer) == [-121.0, -100.0, -21.0, 121.0]  # every line of its sales entry, and the payment's debtor line


def test_lines_page_with_next_and_read_by_key(exact_api, exact_sim):
    for n in range(21):  # 21 entries of 3 lines: 63 rows, one more page
        booked(exact_api, "salesentry/SalesEntries", entry(exact_sim, YourRef=str(2000 + n)))
    first = exact_api.get(LINES, params={"$filter": "FinancialYear eq 2026", "$select": "ID"}).json()["d"]
    second = exact_api.get(first["__next"]).json()["d"]
    ids = [r["ID"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 63 and "__next" not in second
    one = exact_api.get(f"{LINES}(guid'{ids[-1]}')", params={"$select": "ID,AmountDC"}).json()["d"]
    assert one["ID"] == ids[-1]
