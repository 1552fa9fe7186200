"""The endpoints the runner reads back with (reference 1.2, 5.3, 5.5, 5.8): the sync twins of
Accounts and Items with their rowversion Timestamp, the bank/cash entry lines as endpoints of
their own, and SalesItemPrices with the item price shown on Items. All over real HTTP."""

from __future__ import annotations

import pytest

from runner.sandbox.exact.master import create_account
from runner.sandbox.exact.reads import SELECT_NEEDED, SYNC_FILTER
from tests.sandbox.exact_support import DIVISION, REPRESENTATION, account_id, entry, gl_id, message

pytest_plugins = ["tests.sandbox.conftest_exact"]

SYNC_ACCOUNTS, SYNC_ITEMS = "sync/CRM/Accounts", "sync/Logistics/Items"
PRICES = "logistics/SalesItemPrices"
LINE_FIELDS = "ID,EntryID,Account,OurRef,AmountFC,GLAccount,Date,Description,EntryNumber,LineNumber"


def since(api, path: str, timestamp: int, select: str = "ID,Code,Timestamp") -> list[dict]:
    response = api.get(path, params={"$filter": f"Timestamp gt {timestamp}", "$select": select})
    assert response.status_code == 200, response.text
    return response.json()["d"]["results"]


def newest(api, path: str) -> int:
    return max(int(row["Timestamp"]) for row in since(api, path, 1))


def created(api, path: str, body: dict) -> dict:
    response = api.post(path, json=body, headers=REPRESENTATION)
    assert response.status_code == 201, response.text
    return response.json()["d"]


def refused(api, path: str, body: dict) -> str:
    response = api.post(path, json=body, headers=REPRESENTATION)
    assert response.status_code == 500, response.text
    return message(response)


def webshop(sim) -> str:
    return next(item["ID"] for item in sim.items.values() if item["Code"] == "WEBSHOP")


def standard_price(api):
    params = {"$filter": "Code eq 'WEBSHOP'", "$select": "StandardSalesPrice"}
    return api.get("logistics/Items", params=params).json()["d"]["results"][0]["StandardSalesPrice"]


# ---- sync ----------------------------------------------------------------------------------


def test_seeded_rows_carry_int64_timestamps_as_strings_in_timestamp_order(exact_api, exact_server):
    rows = since(exact_api, SYNC_ACCOUNTS, 1, "ID,Code,Email,Timestamp")
    assert [row["Code"].strip() for row in rows] == ["1", "2"]
    stamps = [row["Timestamp"] for row in rows]
    assert all(isinstance(s, str) for s in stamps) and int(stamps[0]) < int(stamps[1]) and int(stamps[0]) > 2**31
    uri = f"{exact_server.url}/api/v1/{DIVISION}/{SYNC_ACCOUNTS}({stamps[0]}L)"
    assert rows[0]["__metadata"] == {"uri": uri, "type": "Exact.Web.Api.Models.Sync.CRM.Account"}
    assert [row["Code"] for row in since(exact_api, SYNC_ITEMS, 1)] == ["WEBSHOP"]


def test_posted_and_put_accounts_come_back_after_the_highest_timestamp_seen(exact_api, exact_sim):
    mark = newest(exact_api, SYNC_ACCOUNTS)
    assert since(exact_api, SYNC_ACCOUNTS, mark) == []
    new = created(exact_api, "crm/Accounts", {"Name": "Nieuwe Klant", "Status": "C", "Email": "nk@example.nl"})
    put = exact_api.put(f"crm/Accounts(guid'{account_id(exact_sim)}')", json={"Phone": "030-1234567"})
    assert put.status_code == 204
    rows = since(exact_api, SYNC_ACCOUNTS, mark, "ID,Email,Phone,Timestamp")
    assert [(r["ID"], r["Phone"]) for r in rows] == [(new["ID"], None), (account_id(exact_sim), "030-1234567")]
    assert int(rows[0]["Timestamp"]) > mark and int(rows[1]["Timestamp"]) > int(rows[0]["Timestamp"])


def test_item_writes_move_items_and_every_write_moves_the_one_division_counter(exact_api, exact_sim):
    mark = newest(exact_api, SYNC_ITEMS)
    first = created(exact_api, "logistics/Items", {"Code": "MOK", "Description": "Mok"})
    created(exact_api, "salesentry/SalesEntries", entry(exact_sim))  # entry + receivable: two more writes
    second = created(exact_api, "logistics/Items", {"Code": "BEKER", "Description": "Beker"})
    assert exact_api.put(f"logistics/Items(guid'{first['ID']}')", json={"Notes": "blauw"}).status_code == 204
    rows = since(exact_api, SYNC_ITEMS, mark)
    assert [r["Code"] for r in rows] == ["BEKER", "MOK"]
    assert int(rows[0]["Timestamp"]) - mark >= 4 and int(rows[1]["Timestamp"]) == exact_sim.admin.rowversion
    assert second["ID"] == rows[0]["ID"]


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "Name eq 'P. Jansen'",
        "Timestamp ge 1",
        "Timestamp eq 2147483649",
        "Timestamp gt 1 and Timestamp lt 9999999999",
        "Timestamp gt 1.5",
        "1 lt Timestamp",
        "Timestamp gt null",
        "Modified gt datetime'2026-01-01T00:00'",
    ],
)
def test_sync_takes_only_timestamp_gt_a_whole_number(exact_api, bad):
    params = {"$select": "ID"} | ({} if bad is None else {"$filter": bad})
    response = exact_api.get(SYNC_ACCOUNTS, params=params)
    assert response.status_code == 400 and message(response) == SYNC_FILTER


def test_sync_filter_literals_and_parse_errors(exact_api):
    for good in ("Timestamp gt 1L", "(Timestamp gt 1)", "Timestamp gt -5"):
        assert len(exact_api.get(SYNC_ACCOUNTS, params={"$filter": good, "$select": "ID"}).json()["d"]["results"]) == 2
    unknown = exact_api.get(SYNC_ACCOUNTS, params={"$filter": "Colour gt 1", "$select": "ID"})
    assert unknown.status_code == 400 and "No property 'Colour'" in message(unknown)
    typed = exact_api.get(SYNC_ACCOUNTS, params={"$filter": "Timestamp gt '1'", "$select": "ID"})
    assert typed.status_code == 400 and "incompatible" in message(typed)


@pytest.mark.parametrize("exact_options", [{"require_select": False}])
def test_sync_needs_select_even_with_top_1_or_the_option_off(exact_api):
    for params in ({"$filter": "Timestamp gt 1"}, {"$filter": "Timestamp gt 1", "$top": "1"}):
        response = exact_api.get(SYNC_ITEMS, params=params)
        assert response.status_code == 400 and message(response) == SELECT_NEEDED
    bad = exact_api.get(SYNC_ITEMS, params={"$filter": "Timestamp gt 1", "$select": "ID,SalesPrice"})
    assert bad.status_code == 400 and "SalesPrice" in message(bad)


@pytest.mark.parametrize("option, value", [("$orderby", "Name"), ("$skip", "1"), ("$expand", "BankAccounts"), ("$inlinecount", "allpages")])
def test_sync_refuses_other_query_options(exact_api, option, value):
    response = exact_api.get(SYNC_ACCOUNTS, params={"$filter": "Timestamp gt 1", "$select": "ID", option: value})
    assert response.status_code == 400 and option in message(response)


def test_sync_serves_collections_only_on_exact_paths(exact_api, exact_sim):
    stamp = exact_sim.accounts[account_id(exact_sim)]["Timestamp"]
    assert exact_api.get(f"{SYNC_ACCOUNTS}({stamp}L)", params={"$select": "ID"}).status_code == 404
    assert exact_api.get(f"{SYNC_ACCOUNTS}/$count", params={"$filter": "Timestamp gt 1"}).status_code == 404
    assert exact_api.post(SYNC_ACCOUNTS, json={"Name": "x"}).status_code == 405
    for wrong in ("sync/crm/Accounts", "sync/CRM/accounts", "sync/deleted", "sync/Logistics/SalesItemprices"):
        assert exact_api.get(wrong, params={"$filter": "Timestamp gt 1", "$select": "ID"}).status_code == 404
    assert exact_api.get("crm/Accounts", params={"$filter": "Timestamp gt 1", "$select": "ID"}).status_code == 400


def test_sync_pages_hold_1000_rows_and_a_row_changed_mid_paging_comes_again(exact_api, exact_server, exact_sim):
    for n in range(1100):
        create_account(exact_sim.admin, {"Name": f"Klant {n}", "Status": "C"})
    first = exact_api.get(SYNC_ACCOUNTS, params={"$filter": "Timestamp gt 1", "$select": "ID,Timestamp"}).json()["d"]
    assert len(first["results"]) == 1000
    url = first["__next"]
    assert url.startswith(f"{exact_server.url}/api/v1/{DIVISION}/{SYNC_ACCOUNTS}?") and "Timestamp%20gt%201" in url
    assert url.endswith(f"$skiptoken={first['results'][-1]['Timestamp']}L")
    changed = first["results"][10]["ID"]
    assert exact_api.put(f"crm/Accounts(guid'{changed}')", json={"City": "Delft"}).status_code == 204
    second = exact_api.get(url).json()["d"]
    assert "__next" not in second and len(second["results"]) == 103 and second["results"][-1]["ID"] == changed
    assert len({r["ID"] for r in first["results"] + second["results"]}) == 1102
    top = exact_api.get(SYNC_ACCOUNTS, params={"$filter": "Timestamp gt 1", "$select": "ID", "$top": "5"}).json()["d"]
    assert isinstance(top, list) and len(top) == 5  # a $top answer in the V1 shape: no room for __next


# ---- bank and cash entry lines -------------------------------------------------------------


def paid(api, sim, path: str, journal: str, ourref: int, amount: str = "-121.00") -> dict:
    nav = path.rsplit("/", 1)[1].replace("Entries", "EntryLines")
    lines = [
        {
            "GLAccount": gl_id(sim, "1300"),
            "Account": account_id(sim),
            "OurRef": ourref,
            "AmountFC": amount,
            "Date": "2026-03-02",
            "Description": "Betaling order 1001",
        },
        {"GLAccount": gl_id(sim, "8060"), "AmountFC": "0.35", "Description": "Kosten"},
    ]
    return created(api, path, {"JournalCode": journal, nav: lines})


def test_bank_lines_are_found_by_ourref_and_account(exact_api, exact_sim):
    number = created(exact_api, "salesentry/SalesEntries", entry(exact_sim))["EntryNumber"]
    bank = paid(exact_api, exact_sim, "financialtransaction/BankEntries", "21", number)
    query = f"OurRef eq {number} and Account eq guid'{account_id(exact_sim)}'"
    [line] = exact_api.get("financialtransaction/BankEntryLines", params={"$filter": query, "$select": LINE_FIELDS}).json()["d"]["results"]
    assert {k: v for k, v in line.items() if k != "__metadata"} == {
        "ID": line["ID"],
        "EntryID": bank["EntryID"],
        "Account": account_id(exact_sim),
        "OurRef": number,
        "AmountFC": -121,
        "GLAccount": gl_id(exact_sim, "1300"),
        "Date": "/Date(1772409600000)/",
        "Description": "Betaling order 1001",
        "EntryNumber": bank["EntryNumber"],
        "LineNumber": 1,
    }
    by_entry = exact_api.get(
        "financialtransaction/BankEntryLines", params={"$filter": f"EntryID eq guid'{bank['EntryID']}'", "$select": "LineNumber,AmountFC"}
    )
    assert sorted((r["LineNumber"], r["AmountFC"]) for r in by_entry.json()["d"]["results"]) == [(1, -121), (2, 0.35)]  # in key order
    single = exact_api.get(line["__metadata"]["uri"], params={"$select": "OurRef"})
    assert single.status_code == 200 and single.json()["d"]["OurRef"] == number
    cash = exact_api.get("financialtransaction/CashEntryLines", params={"$filter": query, "$select": "ID"})
    assert cash.json()["d"]["results"] == []


def test_cash_lines_are_served_apart_and_expanded_uris_resolve(exact_api, exact_sim):
    cash = paid(exact_api, exact_sim, "financialtransaction/CashEntries", "10", 26700099, "-10.00")
    expanded = exact_api.get(
        f"financialtransaction/CashEntries(guid'{cash['EntryID']}')", params={"$select": "CashEntryLines", "$expand": "CashEntryLines"}
    ).json()["d"]
    uri = expanded["CashEntryLines"]["results"][0]["__metadata"]["uri"]
    assert exact_api.get(uri, params={"$select": "OurRef,AmountFC"}).json()["d"] == {
        "__metadata": expanded["CashEntryLines"]["results"][0]["__metadata"],
        "OurRef": 26700099,
        "AmountFC": -10,
    }
    rows = exact_api.get("financialtransaction/CashEntryLines", params={"$filter": "OurRef eq 26700099", "$select": "EntryID,Account"}).json()["d"][
        "results"
    ]
    assert rows == [{"__metadata": rows[0]["__metadata"], "EntryID": cash["EntryID"], "Account": account_id(exact_sim)}]
    assert exact_api.get("financialtransaction/BankEntryLines", params={"$select": "ID"}).json()["d"]["results"] == []


def test_entry_lines_are_get_only_and_need_select(exact_api):
    path = "financialtransaction/BankEntryLines"
    no_select = exact_api.get(path, params={"$filter": "OurRef eq 1"})
    assert no_select.status_code == 400 and message(no_select) == SELECT_NEEDED
    assert exact_api.get(path, params={"$top": "1"}).status_code == 200
    assert exact_api.post(path, json={"AmountFC": 1}).status_code == 405
    assert exact_api.get(path, params={"$filter": "OurRef eq '1'", "$select": "ID"}).status_code == 400
    assert exact_api.get("salesentry/SalesEntryLines", params={"$select": "ID"}).status_code == 404


# ---- sales item prices ---------------------------------------------------------------------


def test_a_general_price_shows_as_the_items_standard_sales_price(exact_api, exact_sim):
    assert standard_price(exact_api) == 0
    price = created(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": "19.95"})
    assert {
        k: price[k]
        for k in ("ItemCode", "ItemDescription", "DefaultItemUnit", "Unit", "Currency", "Quantity", "NumberOfItemsPerUnit", "Price", "Account")
    } == {
        "ItemCode": "WEBSHOP",
        "ItemDescription": "Webshop artikel",
        "DefaultItemUnit": "stuk",
        "Unit": "stuk",
        "Currency": "EUR",
        "Quantity": 0,
        "NumberOfItemsPerUnit": 1,
        "Price": 19.95,
        "Account": None,
    }
    assert standard_price(exact_api) == 19.95
    assert exact_api.put(f"{PRICES}(guid'{price['ID']}')", json={"Price": 24.5}).status_code == 204
    assert standard_price(exact_api) == 24.5
    created(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": 20, "Account": account_id(exact_sim)})
    created(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": 15, "StartDate": "2026-12-01"})
    created(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": 22, "Quantity": 10})
    assert standard_price(exact_api) == 24.5
    rows = exact_api.get(PRICES, params={"$filter": f"Item eq guid'{webshop(exact_sim)}'", "$select": "Price"})
    assert sorted(r["Price"] for r in rows.json()["d"]["results"]) == [15, 20, 22, 24.5]


def test_the_standard_price_is_read_only_and_prices_invoice_lines(exact_api, exact_sim):
    created(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": "19.95"})
    item = exact_api.put(f"logistics/Items(guid'{webshop(exact_sim)}')", json={"StandardSalesPrice": 1})
    assert item.status_code == 204 and standard_price(exact_api) == 19.95
    invoice = created(
        exact_api,
        "salesinvoice/SalesInvoices",
        {"OrderedBy": account_id(exact_sim), "Journal": "70", "SalesInvoiceLines": [{"Item": webshop(exact_sim), "Quantity": 2}]},
    )
    assert invoice["AmountFCExclVat"] == 39.9


def test_price_changes_leave_the_item_timestamp_but_item_changes_reach_the_prices(exact_api, exact_sim):
    mark = newest(exact_api, SYNC_ITEMS)
    price = created(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": 5})
    assert since(exact_api, SYNC_ITEMS, mark) == []
    put = exact_api.put(f"logistics/Items(guid'{webshop(exact_sim)}')", json={"Description": "Webshop product"})
    assert put.status_code == 204 and len(since(exact_api, SYNC_ITEMS, mark)) == 1
    row = exact_api.get(f"{PRICES}(guid'{price['ID']}')", params={"$select": "ItemDescription"}).json()["d"]
    assert row["ItemDescription"] == "Webshop product"


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"Price": 1}, "Verplicht: Artikel"),
        ({"Item": "00000000-0000-4000-8000-000000000000", "Price": 1}, "Ongeldige referentie: Artikel"),
        ({"Item": "<webshop>"}, "Verplicht: Prijs"),
        ({"Item": "<webshop>", "Price": 1, "Currency": "USD"}, "Ongeldig: Valuta"),
        ({"Item": "<webshop>", "Price": 1, "Unit": "doos"}, "Ongeldige referentie: Eenheid"),
        ({"Item": "<webshop>", "Price": 1, "Quantity": -1}, "Ongeldig: Aantal"),
        ({"Item": "<webshop>", "Price": 1, "StartDate": "2026-03-01", "EndDate": "2026-02-01"}, "Ongeldig: Einddatum"),
        ({"Item": "<webshop>", "Price": 1, "Account": "00000000-0000-4000-8000-000000000000"}, "Ongeldige referentie: Relatie"),
        ({"Item": "<webshop>", "Price": 1, "Employee": "00000000-0000-4000-8000-000000000000"}, "Ongeldige referentie: Medewerker"),
        ({"Currency": "USD"}, "Verplicht: Artikel\r\nVerplicht: Prijs\r\nOngeldig: Valuta"),
    ],
)
def test_prices_are_validated_with_exact_texts(exact_api, exact_sim, body, expected):
    body = {k: webshop(exact_sim) if v == "<webshop>" else v for k, v in body.items()}
    assert refused(exact_api, PRICES, body) == expected
    assert exact_sim.prices == {}


def test_a_second_identical_price_is_refused_and_the_wire_is_strict(exact_api, exact_sim):
    created(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": 10})
    assert refused(exact_api, PRICES, {"Item": webshop(exact_sim), "Price": 11}) == "Gegeven bestaat reeds."
    for bad in ({"Item": webshop(exact_sim), "Price": "tien"}, {"Item": webshop(exact_sim), "SalesPrice": 10}):
        response = exact_api.post(PRICES, json=bad)
        assert response.status_code == 400 and message(response).startswith("Error processing request stream.")
    unfiltered = exact_api.get(PRICES, params={"$select": "ID"})
    assert unfiltered.status_code == 400 and "Item" in message(unfiltered)
    assert exact_api.delete(f"{PRICES}(guid'{next(iter(exact_sim.prices))}')").status_code == 405


@pytest.mark.parametrize("path", ["sync/Financial/GLAccounts", "sync/Logistics/SalesItemPrices", "sync/Deleted"])
def test_the_other_documented_sync_endpoints_follow_the_same_rules(exact_api, exact_sim, path):
    """DOC:SyncFinancialGLAccounts, SyncLogisticsSalesItemPrices and SyncDeleted: Timestamp only."""
    assert exact_api.get(path, params={"$filter": "ID ne null", "$select": "ID"}).status_code == 400
    rows = exact_api.get(path, params={"$filter": "Timestamp gt 1", "$select": "ID,Timestamp"}).json()["d"]["results"]
    expected = {"sync/Financial/GLAccounts": len(exact_sim.gl_accounts), "sync/Logistics/SalesItemPrices": len(exact_sim.prices), "sync/Deleted": 0}
    assert len(rows) == expected[path] and all(isinstance(row["Timestamp"], str) for row in rows)
