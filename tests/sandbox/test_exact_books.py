"""Booking entities of the Exact sandbox, pinned to reference 5 and 6: sales entries, accounts,
items, sales invoices and their printing, and the receivables they open, with Exact's texts."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest

from runner.sandbox.exact.entities import ITEMS
from tests.sandbox.exact_support import REPRESENTATION, account_id, entry, gl_id, message

pytest_plugins = ["tests.sandbox.conftest_exact"]


def post(api, path: str, body: dict):
    return api.post(path, json=body, headers=REPRESENTATION)


def refused(api, path: str, body: dict, status: int = 500) -> str:
    response = post(api, path, body)
    assert response.status_code == status, response.text
    return message(response)


def line(sim, amount, vat: str = "2", gl: str = "8000", **extra) -> dict:
    return {"GLAccount": gl_id(sim, gl), "AmountFC": amount, "VATCode": vat, **extra}


def test_a_sales_entry_is_booked_with_vat_per_line_half_up(exact_api, exact_sim):
    response = post(
        exact_api,
        "salesentry/SalesEntries",
        entry(exact_sim, line(exact_sim, "100.00"), line(exact_sim, 10.05, "1"), line(exact_sim, "2.50")),
    )
    assert response.status_code == 201
    d = response.json()["d"]
    assert [row["VATAmountFC"] for row in d["SalesEntryLines"]["results"]] == [21, 0.9, 0.53]  # 0.525 -> 0.53
    assert (d["AmountFC"], d["VATAmountFC"], d["Status"], d["Type"]) == (134.98, 22.43, 20, 20)
    assert d["EntryNumber"] == 26700001 and d["DueDate"] == "/Date(1773532800000)/"  # 2026-03-01 + 14 days
    assert d["SalesEntryLines"]["results"][1]["VATCode"] == "1  "
    assert post(exact_api, "salesentry/SalesEntries", entry(exact_sim)).json()["d"]["EntryNumber"] == 26700002
    [receivable] = [r for r in exact_sim.receivables.values() if r["TransactionEntryID"] == d["EntryID"]]
    assert (receivable["AmountFC"], receivable["IsFullyPaid"], receivable["Status"]) == (Decimal("134.98"), False, 20)
    assert exact_sim.errors == []


def test_a_lost_answer_leaves_one_entry_that_journal_and_your_ref_find(exact_api, exact_sim, exact_server):
    exact_server.faults.lose_responses = 1.0
    with pytest.raises(httpx.TransportError):
        post(exact_api, "salesentry/SalesEntries", entry(exact_sim, YourRef="WC-7"))
    exact_server.faults.lose_responses = 0.0
    found = exact_api.get(
        "salesentry/SalesEntries",
        params={"$filter": "Journal eq '70' and YourRef eq 'WC-7'", "$select": "EntryID,EntryNumber"},
    ).json()["d"]["results"]
    assert [r["EntryID"] for r in found] == list(exact_sim.entries)


def test_without_prefer_a_post_returns_only_the_key(exact_api, exact_sim):
    response = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim))
    assert response.status_code == 201
    d = response.json()["d"]
    assert d["EntryID"] in exact_sim.entries and d["EntryNumber"] is None and d["AmountFC"] is None


def test_a_given_vat_amount_is_kept_but_not_on_a_no_vat_code(exact_api, exact_sim):
    d = post(exact_api, "salesentry/SalesEntries", entry(exact_sim, line(exact_sim, "19.99", VATAmountFC="4.21"))).json()["d"]
    assert d["VATAmountFC"] == 4.21 and d["AmountFC"] == 24.2
    text = refused(exact_api, "salesentry/SalesEntries", entry(exact_sim, line(exact_sim, 10, "5", VATAmountFC=2.1)))
    assert text == "Een btw bedrag is niet toegestaan als u gebruikmaakt van een btw-code van het type 'geen btw'"


def test_a_negative_total_is_a_credit_note(exact_api, exact_sim):
    d = post(exact_api, "salesentry/SalesEntries", entry(exact_sim, line(exact_sim, "-50.00"))).json()["d"]
    assert (d["Type"], d["AmountFC"]) == (21, -60.5)


@pytest.mark.parametrize(
    "change, text",
    [
        ({"Journal": None}, "Verplicht: Dagboek"),
        ({"Journal": str(uuid.uuid4())}, "Ongeldige referentie: Journals"),
        ({"Journal": "20"}, "Invalid: Journal (type)"),
        ({"Customer": str(uuid.uuid4())}, "Ongeldige referentie: Klant"),
        ({"PaymentCondition": "99"}, "Ongeldige referentie: Betalingsconditie"),
        ({"EntryDate": "2019-06-01"}, "Unknown: Fiscal year (Period - date table)"),
    ],
)
def test_sales_entry_header_rules(exact_api, exact_sim, change, text):
    assert refused(exact_api, "salesentry/SalesEntries", {**entry(exact_sim), **change}) == text


@pytest.mark.parametrize(
    "gl, vat, text",
    [
        ("1300", "2", "Ongeldig: Grootboekrekeningtype"),
        (None, "2", "Ongeldige referentie: Grootboekrekening"),
        ("8000", "X9", "Ongeldige referentie: Btw-code"),
    ],
)
def test_sales_entry_line_rules(exact_api, exact_sim, gl, vat, text):
    row = {"GLAccount": gl_id(exact_sim, gl) if gl else str(uuid.uuid4()), "AmountFC": 10, "VATCode": vat}
    assert refused(exact_api, "salesentry/SalesEntries", entry(exact_sim, row)) == text


def test_all_problems_come_back_at_once_joined_by_crlf(exact_api, exact_sim):
    body = {
        "Customer": str(uuid.uuid4()),
        "SalesEntryLines": [{"GLAccount": gl_id(exact_sim, "1300"), "AmountFC": 1, "VATCode": "2"}],
    }
    assert refused(exact_api, "salesentry/SalesEntries", body) == (
        "Verplicht: Dagboek\r\nOngeldige referentie: Klant\r\nOngeldig: Grootboekrekeningtype"
    )


@pytest.mark.parametrize("exact_options", [{"validation_status": 400}])
def test_the_validation_status_is_configurable(exact_api, exact_sim):
    assert refused(exact_api, "salesentry/SalesEntries", {**entry(exact_sim), "Journal": "20"}, status=400) == "Invalid: Journal (type)"


def test_a_prospect_cannot_be_invoiced(exact_api, exact_sim):
    prospect = post(exact_api, "crm/Accounts", {"Name": "Prospect B.V.", "Status": "P"}).json()["d"]["ID"]
    assert refused(exact_api, "salesentry/SalesEntries", entry(exact_sim, Customer=prospect)) == "Ongeldig: Klant (Type)"


@pytest.mark.parametrize(
    "body_change, fragment",
    [
        (
            {"SalesEntryLines": {"GLAccount": "x", "AmountFC": 1}},
            "The request should be a valid top-level resource object.",
        ),
        ({"Colour": "red"}, "The property 'Colour' does not exist"),
        ({"Journal": 70}, "Edm.String"),
        ({"EntryNumber": "5"}, "Edm.Int32"),
    ],
)
def test_malformed_bodies_are_400_stream_errors(exact_api, exact_sim, body_change, fragment):
    text = refused(exact_api, "salesentry/SalesEntries", {**entry(exact_sim), **body_change}, status=400)
    assert text.startswith("Error processing request stream.") and fragment in text


@pytest.mark.parametrize(
    "amount, status, total",
    [
        ("12.50", 201, 15.13),
        (12.5, 201, 15.13),
        (12, 201, 14.52),
        ("-0.5", 201, -0.61),
        ("12,50", 400, None),
        (True, 400, None),
        ("twelve", 400, None),
        ("1e999999", 400, None),
        ([12], 400, None),
        (None, 500, None),
    ],
)
def test_money_is_a_number_or_a_numeric_string(exact_api, exact_sim, amount, status, total):
    response = post(exact_api, "salesentry/SalesEntries", entry(exact_sim, line(exact_sim, amount)))
    assert response.status_code == status
    assert (response.json()["d"]["AmountFC"] if status == 201 else None) == total


def test_gl_accounts_are_referenced_by_guid_not_code(exact_api, exact_sim):
    text = refused(
        exact_api,
        "salesentry/SalesEntries",
        entry(exact_sim, {"GLAccount": "8000", "AmountFC": 1, "VATCode": "2"}),
        status=400,
    )
    assert "Edm.Guid" in text


def test_entry_numbers_are_unique_per_journal_and_year_your_ref_is_not(exact_api, exact_sim):
    assert post(exact_api, "salesentry/SalesEntries", entry(exact_sim, EntryNumber=1001)).status_code == 201
    assert refused(exact_api, "salesentry/SalesEntries", entry(exact_sim, EntryNumber=1001)) == "In gebruik: Boekstuknummer"
    assert post(exact_api, "salesentry/SalesEntries", entry(exact_sim, EntryNumber=1001, EntryDate="2025-12-31")).status_code == 201
    assert post(exact_api, "salesentry/SalesEntries", entry(exact_sim)).status_code == 201  # same YourRef again
    assert sorted(e["YourRef"] for e in exact_sim.entries.values()) == ["1001"] * 3


def test_a_closed_period_refuses_entries(exact_api, exact_sim):
    exact_sim.close_period(2026, 3)
    assert refused(exact_api, "salesentry/SalesEntries", entry(exact_sim)) == "Periode is afgesloten"
    exact_sim.open_period(2026, 3)
    assert post(exact_api, "salesentry/SalesEntries", entry(exact_sim)).status_code == 201


def test_accounts_get_padded_codes_and_exact_texts(exact_api, exact_sim):
    created = post(exact_api, "crm/Accounts", {"Name": "Nieuwe Klant", "Email": "Nieuw@Example.nl", "Status": "C", "Country": "BE"})
    assert created.status_code == 201
    d = created.json()["d"]
    assert (d["Code"], d["Country"], d["IsSales"], d["Email"]) == (f"{'3':>18}", "BE ", True, "Nieuw@Example.nl")
    assert refused(exact_api, "crm/Accounts", {"Name": "Dubbel", "Code": "3"}) == "Gegeven bestaat reeds."
    assert refused(exact_api, "crm/Accounts", {"Name": "Fout", "Email": "geen-email"}) == "Invalid: Email []"
    assert refused(exact_api, "crm/Accounts", {"Email": "a@b.nl"}) == "Verplicht: Naam"


def test_items_need_code_and_a_short_description_and_can_be_put(exact_api, exact_sim):
    assert refused(exact_api, "logistics/Items", {}) == "Verplicht: Code\r\nVerplicht: Omschrijving"
    assert refused(exact_api, "logistics/Items", {"Code": "X", "Description": "x" * 61}) == "Ongeldig: Omschrijving"
    assert refused(exact_api, "logistics/Items", {"Code": "WEBSHOP", "Description": "Dubbel"}) == "Gegeven bestaat reeds."
    d = post(exact_api, "logistics/Items", {"Code": "SKU-1", "Description": "Mok", "SalesVatCode": "1"}).json()["d"]
    assert d["SalesVatCode"] == "1  " and d["IsSalesItem"] is True
    put = exact_api.put(f"logistics/Items(guid'{d['ID']}')", json={"Description": "Grote mok"})
    assert put.status_code == 204 and put.content == b""
    assert exact_sim.items[d["ID"]]["Description"] == "Grote mok"
    assert exact_api.put(f"logistics/Items(guid'{d['ID']}')", json={"Code": "WEBSHOP"}).status_code == 500


def test_a_sales_invoice_is_open_until_printed(exact_api, exact_sim):
    webshop = exact_sim.admin.by_code(ITEMS, "WEBSHOP")["ID"]
    body = {
        "OrderedBy": account_id(exact_sim),
        "Journal": "70",
        "YourRef": "1002",
        "OrderDate": "2026-03-01",
        "SalesInvoiceLines": [{"Item": webshop, "Quantity": 2, "UnitPrice": "12.50"}],
    }
    assert refused(exact_api, "salesinvoice/SalesInvoices", {**body, "SalesInvoiceLines": [{"Quantity": 1}]}) == "Verplicht: Artikel"
    invoice = post(exact_api, "salesinvoice/SalesInvoices", body).json()["d"]
    assert (invoice["Status"], invoice["InvoiceNumber"], invoice["AmountFC"], invoice["VATAmountFC"]) == (
        20,
        None,
        30.25,
        5.25,
    )
    assert not exact_sim.entries
    printed = post(exact_api, "salesinvoice/PrintedSalesInvoices", {"InvoiceID": invoice["InvoiceID"]})
    assert printed.status_code == 201
    assert printed.json()["d"]["DocumentCreationSuccess"] and printed.json()["d"]["DocumentCreationError"] is None
    stored = exact_sim.invoices[invoice["InvoiceID"]]
    assert (stored["Status"], stored["InvoiceNumber"]) == (50, 26700001)
    [booked] = exact_sim.entries.values()
    assert booked["AmountFC"] == Decimal("30.25") and booked["EntryNumber"] == 26700001
    assert refused(exact_api, "salesinvoice/PrintedSalesInvoices", {"InvoiceID": invoice["InvoiceID"]}).startswith("Ongeldig: Status")
