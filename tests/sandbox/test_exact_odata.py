"""OData as the Exact sandbox speaks it, pinned to reference 4: envelopes, $filter, $select,
mandatory filters, padded codes, paging, dates, Accept handling, paths and divisions."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.sandbox.exact.master import create_account
from runner.sandbox.odata.filter import compile_filter
from runner.sandbox.odata.filter_syntax import FilterError
from tests.sandbox.exact_support import DIVISION, REPRESENTATION, account_id, entry, message

pytest_plugins = ["tests.sandbox.conftest_exact"]

ACCOUNT_KINDS = {
    "ID": "g",
    "Code": "s",
    "Name": "s",
    "Email": "s",
    "Blocked": "b",
    "Created": "t",
    "Type": "i",
    "Amount": "n",
}


def accounts(api: httpx.Client, filter_: str, select: str = "ID,Code,Name,Email") -> list[dict]:
    response = api.get("crm/Accounts", params={"$filter": filter_, "$select": select})
    assert response.status_code == 200, response.text
    return response.json()["d"]["results"]


def test_collections_and_single_entities_use_the_d_envelope_with_metadata(exact_api, exact_server, exact_sim):
    rows = accounts(exact_api, "Status eq 'C' and trim(Code) eq '1'")
    assert len(rows) == 1
    uri = f"{exact_server.url}/api/v1/{DIVISION}/crm/Accounts(guid'{account_id(exact_sim)}')"
    assert rows[0]["__metadata"] == {"uri": uri, "type": "Exact.Web.Api.Models.Account"}
    single = exact_api.get(f"crm/Accounts(guid'{account_id(exact_sim)}')", params={"$select": "Name"})
    assert single.status_code == 200 and single.json() == {"d": {"__metadata": rows[0]["__metadata"], "Name": "P. Jansen"}}
    assert exact_api.get(f"crm/Accounts(guid'{uuid.uuid4()}')").status_code == 404
    assert exact_api.get("crm/Accounts(guid'nope')").status_code == 400


def test_select_limits_properties_and_refuses_unknown_ones(exact_api):
    assert set(accounts(exact_api, "Status eq 'C'", "Name")[0]) == {"__metadata", "Name"}
    response = exact_api.get("crm/Accounts", params={"$filter": "Status eq 'C'", "$select": "Name,Main"})
    assert response.status_code == 400 and "Main" in message(response)
    assert exact_api.get("vat/VATCodes", params={"$select": "*"}).status_code == 400
    no_select = exact_api.get("vat/VATCodes")
    assert no_select.status_code == 400
    assert message(no_select) == "Please add a $select or a $top=1 statement to the query string."
    assert exact_api.get("vat/VATCodes", params={"$top": "1"}).status_code == 200


@pytest.mark.parametrize(
    "path, key, other",
    [
        ("crm/Accounts", "ID", "Phone"),
        ("logistics/Items", "ID", "Unit"),
        ("financial/GLAccounts", "ID", "BalanceSide"),
        ("salesinvoice/SalesInvoices", "InvoiceID", "Description"),
        ("logistics/SalesItemPrices", "ID", "Price"),
    ],
)
def test_endpoints_with_a_sync_twin_refuse_unfiltered_reads(exact_api, path, key, other):
    response = exact_api.get(path, params={"$select": key})
    assert response.status_code == 400
    assert message(response).startswith("A GET request for this endpoint must have a $filter parameter with one of the following fields in the url: ")
    assert "Modified" in message(response) and other not in message(response)
    assert exact_api.get(path, params={"$select": key, "$filter": f"{other} eq null"}).status_code == 400
    assert exact_api.get(path, params={"$select": key, "$filter": "Modified ne null"}).status_code == 200


def test_codes_come_back_padded_and_filters_see_the_padding(exact_api, exact_sim):
    """Account codes are right-aligned, so the leading blanks matter (pitfall 11); trailing
    blanks do not, as in SQL Server's comparisons: `Code eq '2'` finds the VAT code '2  '."""
    assert accounts(exact_api, "Code eq '1'") == []
    [row] = accounts(exact_api, "Status eq 'C' and trim(Code) eq '1'")
    assert row["Code"] == " " * 17 + "1"
    assert accounts(exact_api, f"Code eq '{'1':>18}'") == [row]
    for where in ("trim(Code) eq '2'", "Code eq '2'", "Code eq '2  '"):
        vat = exact_api.get("vat/VATCodes", params={"$filter": where, "$select": "Code,Percentage,Type"}).json()
        assert [(r["Code"], r["Percentage"]) for r in vat["d"]["results"]] == [("2  ", 0.21)], where
    assert exact_api.get("vat/VATCodes", params={"$filter": "Code eq ' 2'", "$select": "Code"}).json()["d"]["results"] == []
    country = accounts(exact_api, f"Code eq '{'1':>18}'", "Country")[0]["Country"]
    assert country == "NL "


@pytest.mark.parametrize("exact_options", [{"trailing_blanks": False}])
def test_padding_blind_comparison_is_an_option(exact_api):
    assert exact_api.get("vat/VATCodes", params={"$filter": "Code eq '2'", "$select": "Code"}).json()["d"]["results"] == []


def test_email_equality_is_case_sensitive_but_tolower_matches(exact_api):
    assert accounts(exact_api, "Email eq 'p.jansen@example.org'") == []
    assert len(accounts(exact_api, "Status eq 'C' and tolower(Email) eq 'p.jansen@example.org'")) == 1
    assert len(accounts(exact_api, "Email eq 'P.Jansen@Example.org'")) == 1


def test_a_field_only_inside_a_function_does_not_satisfy_the_mandatory_filter(exact_api):
    """[U] whether Exact counts `tolower(Email)` as a filter on Email: by default it does not,
    so nothing in the runner may come to depend on it; a plain comparison under and/or/not counts."""
    for where in ("tolower(Email) eq 'p.jansen@example.org'", "length(Email) gt 0", "startswith(Name,'P.')"):
        response = exact_api.get("crm/Accounts", params={"$filter": where, "$select": "ID"})
        assert response.status_code == 400 and "must have a $filter parameter" in message(response), where
    assert len(accounts(exact_api, "not (Blocked eq true) and startswith(Name,'P.')")) == 1
    assert len(accounts(exact_api, "Email eq 'x@example.org' or Code eq '                 2'")) == 1


@pytest.mark.parametrize("exact_options", [{"filter_in_function": True}])
def test_a_field_inside_a_function_counting_is_an_option(exact_api):
    assert len(accounts(exact_api, "tolower(Email) eq 'p.jansen@example.org'")) == 1


@pytest.mark.parametrize("exact_options", [{"email_case_sensitive": False}])
def test_case_insensitive_email_is_an_option(exact_api):
    assert len(accounts(exact_api, "Email eq 'p.jansen@example.org'")) == 1


def test_filter_language_over_http(exact_api, exact_sim):
    create_account(exact_sim.admin, {"Name": "O'Brien", "Status": "C", "Email": "ob@example.ie"})
    assert [r["Name"] for r in accounts(exact_api, "Name eq 'O''Brien'")] == ["O'Brien"]
    assert len(accounts(exact_api, f"ID eq guid'{account_id(exact_sim).upper()}'")) == 1
    assert len(accounts(exact_api, "Created ge datetime'2026-03-02T00:00:00' and not (Blocked eq true)")) == 3
    assert len(accounts(exact_api, "Status eq 'C' and (startswith(Name,'P.') or endswith(Email,'.ie'))")) == 2
    assert len(accounts(exact_api, "Status eq 'C' and indexof(Name,'Vries') gt -1")) == 1
    gl = exact_api.get("financial/GLAccounts", params={"$filter": "Type eq 110", "$select": "Code"}).json()["d"]["results"]
    assert len(gl) == 10


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ("Name eq Email", "field and a constant"),
        ("ID eq 'abc'", "incompatible"),
        ("Colour eq 'red'", "No property 'Colour'"),
        ("Name eq 'x", "Syntax error"),
        ("substringof('Jans', Name)", "Not Implemented"),
        ("Name eq 'a' and", "Expression expected"),
        ("Type add 1 eq 2", "Arithmetic"),
    ],
)
def test_the_filter_parser_refuses_what_wcf_refuses(exact_api, bad, fragment):
    response = exact_api.get("crm/Accounts", params={"$filter": bad, "$select": "ID"})
    assert response.status_code == 400 and fragment in message(response)


@pytest.mark.parametrize("exact_options", [{"substringof_supported": True}])
def test_substringof_is_an_option(exact_api):
    assert len(accounts(exact_api, "Status eq 'C' and substringof('Jans', Name) eq true")) == 1


def test_filter_evaluator_semantics():
    predicate, names = compile_filter("(Amount gt 10 or Amount eq null) and not (trim(Code) eq 'x')", ACCOUNT_KINDS, "T")
    assert names == {"Amount", "Code"}
    assert predicate({"Amount": Decimal("10.5"), "Code": "y "}) and predicate({"Amount": None, "Code": "y"})
    assert not predicate({"Amount": Decimal(10), "Code": "y"}) and not predicate({"Amount": 11, "Code": " x "})
    with pytest.raises(FilterError):
        compile_filter("tolower(ID) eq 'a'", ACCOUNT_KINDS, "T")
    with pytest.raises(FilterError):
        compile_filter("Blocked gt true", ACCOUNT_KINDS, "T")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20))
def test_any_string_survives_quote_doubling(text):
    predicate, _ = compile_filter("Name eq '" + text.replace("'", "''") + "'", ACCOUNT_KINDS, "T")
    assert predicate({"Name": text}) and not predicate({"Name": text + "x"})


def test_pages_hold_60_rows_and_next_is_an_absolute_skiptoken_link(exact_api, exact_server, exact_sim):
    for n in range(128):
        create_account(exact_sim.admin, {"Name": f"Klant {n}", "Status": "C"})
    seen, url, pages = [], "crm/Accounts", 0
    params = {"$filter": "Status eq 'C'", "$select": "ID"}
    while url:
        body = exact_api.get(url, params=params).json()["d"]
        seen += [r["ID"] for r in body["results"]]
        pages += 1
        url, params = body.get("__next"), None
        if url:
            assert url.startswith(f"{exact_server.url}/api/v1/{DIVISION}/crm/Accounts?") and "$skiptoken=guid'" in url
    assert pages == 3 and len(seen) == len(set(seen)) == 130
    top = exact_api.get("crm/Accounts", params={"$filter": "Status eq 'C'", "$select": "ID", "$top": "100"}).json()["d"]
    assert len(top["results"]) == 60 and "$top=40" in top["__next"]
    rest = exact_api.get(top["__next"]).json()["d"]
    assert isinstance(rest, list) and len(rest) == 40  # the rest fits in a page: V1 shape


def test_a_top_within_the_page_size_answers_a_bare_array(exact_api):
    """WCF Data Services answers a `$top` that needs no server paging in the V1 shape (reference,
    additions [C3]); `$inlinecount` needs V2, so it keeps the wrapper."""
    params = {"$filter": "Status eq 'C'", "$select": "ID,Name"}
    d = exact_api.get("crm/Accounts", params={**params, "$top": "1"}).json()["d"]
    assert isinstance(d, list) and len(d) == 1 and "__metadata" in d[0]
    both = exact_api.get("crm/Accounts", params={**params, "$top": "60"}).json()["d"]
    assert sorted(row["Name"] for row in both) == ["Bakkerij De Vries", "P. Jansen"]
    counted = exact_api.get("crm/Accounts", params={**params, "$top": "1", "$inlinecount": "allpages"}).json()["d"]
    assert counted["__count"] == "2" and len(counted["results"]) == 1
    assert isinstance(exact_api.get("crm/Accounts", params=params).json()["d"]["results"], list)


@pytest.mark.parametrize("exact_options", [{"top_v1": False}])
def test_the_v1_shape_is_an_option(exact_api):
    d = exact_api.get("crm/Accounts", params={"$filter": "Status eq 'C'", "$select": "ID", "$top": "1"}).json()["d"]
    assert len(d["results"]) == 1


def test_select_is_not_demanded_of_current_me_nor_of_the_lines_under_an_entity(exact_api, exact_server, exact_sim):
    """Exact needs `$select` "in specific instances" (picqer README): picqer reads `current/Me`
    with no query at all."""
    me = exact_api.get(f"{exact_server.url}/api/v1/current/Me")
    assert me.status_code == 200 and me.json()["d"]["results"][0]["CurrentDivision"] == DIVISION
    d = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim), headers=REPRESENTATION).json()["d"]
    lines = exact_api.get(f"salesentry/SalesEntries(guid'{d['EntryID']}')/SalesEntryLines")
    assert lines.status_code == 200 and [line["AmountFC"] for line in lines.json()["d"]["results"]] == [100]


def test_orderby_inlinecount_and_count(exact_api):
    rows = exact_api.get(
        "financial/GLAccounts",
        params={"$filter": "Type eq 110", "$select": "Code", "$orderby": "Code desc", "$inlinecount": "allpages"},
    ).json()["d"]
    assert [r["Code"] for r in rows["results"]][:2] == ["8990", "8070"] and rows["__count"] == "10"
    counted = exact_api.get("financial/GLAccounts/$count", params={"$filter": "Type eq 110"})
    assert counted.status_code == 200 and counted.text == "10"
    assert exact_api.get("vat/VATCodes", params={"$select": "Code", "$format": "json"}).status_code == 400


def test_dates_go_out_as_epoch_ms_and_come_in_as_iso(exact_api, exact_sim):
    created = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim, EntryDate="2026-03-01"), headers=REPRESENTATION).json()["d"]
    assert created["EntryDate"] == "/Date(1772323200000)/"
    shifted = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim, EntryDate="2026-03-01T00:00:00+01:00"), headers=REPRESENTATION).json()[
        "d"
    ]
    assert shifted["EntryDate"] == "/Date(1772236800000)/"  # 2026-02-28: the UTC shift of pitfall 18
    found = exact_api.get(
        "salesentry/SalesEntries",
        params={"$filter": "EntryDate eq datetime'2026-03-01T00:00:00'", "$select": "EntryID"},
    ).json()["d"]["results"]
    assert [r["EntryID"] for r in found] == [created["EntryID"]]


def test_without_accept_json_the_answer_is_atom(exact_http, exact_tokens):
    response = exact_http.get(
        f"/api/v1/{DIVISION}/vat/VATCodes",
        params={"$select": "Code"},
        headers={"Authorization": f"Bearer {exact_tokens['access_token']}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.text.startswith("<?xml") and "<feed" in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()
    error = exact_http.get(f"/api/v1/{DIVISION}/vat/VATCodes", headers={"Authorization": f"Bearer {exact_tokens['access_token']}"})
    assert error.status_code == 400 and error.headers["content-type"].startswith("application/xml")
    assert '<message xml:lang="">Please add a $select' in error.text


def test_line_collections_are_deferred_unless_expanded(exact_api, exact_sim):
    d = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim), headers=REPRESENTATION).json()["d"]
    by_key = f"salesentry/SalesEntries(guid'{d['EntryID']}')"
    plain = exact_api.get(by_key, params={"$select": "EntryID,SalesEntryLines"}).json()["d"]
    assert plain["SalesEntryLines"] == {"__deferred": {"uri": plain["__metadata"]["uri"] + "/SalesEntryLines"}}
    expanded = exact_api.get(by_key, params={"$select": "SalesEntryLines", "$expand": "SalesEntryLines"}).json()["d"]
    assert [line["AmountFC"] for line in expanded["SalesEntryLines"]["results"]] == [100]
    lines = exact_api.get(by_key + "/SalesEntryLines", params={"$select": "AmountFC,VATAmountFC"}).json()["d"]["results"]
    assert [(line["AmountFC"], line["VATAmountFC"]) for line in lines] == [(100, 21)]


def test_paths_are_case_sensitive_and_unknown_ones_are_404(exact_api):
    assert exact_api.get("crm/accounts", params={"$select": "ID"}).status_code == 404
    assert exact_api.get("crm/Nothing", params={"$select": "ID"}).status_code == 404
    assert exact_api.get("salesinvoice/PrintedSalesInvoices").status_code == 405


def test_only_granted_divisions_are_listed_or_usable(exact_api, exact_http):
    divisions = exact_api.get("system/Divisions", params={"$select": "Code,Description,Current"}).json()["d"]["results"]
    assert [(d["Code"], d["Description"], d["Current"]) for d in divisions] == [(DIVISION, "Demo Webwinkel B.V.", True)]
    refused = exact_http.get("/api/v1/7654321/vat/VATCodes", params={"$select": "Code"}, headers=exact_api.headers)
    assert refused.status_code == 403 and message(refused) == "Forbidden - WrongDivision"
    assert exact_http.get("/api/v1/999/vat/VATCodes", headers=exact_api.headers).status_code == 403


@pytest.mark.parametrize(
    "path, count",
    [
        ("crm/Accounts", 143),
        ("salesentry/SalesEntries", 49),
        ("financial/GLAccounts", 42),
        ("salesinvoice/SalesInvoices", 74),
        ("logistics/Items", 105),
    ],
)
def test_entity_sets_have_the_properties_of_exacts_metadata(exact_sim, path, count):
    """Property lists from Exact's published metadata (picqer's classes of 2025-12-10): a real
    property is never "does not exist" here (navigation collections come on top)."""
    from runner.sandbox.exact.routes import ROUTES

    assert len(ROUTES[path].es.fields) == count


def test_navigation_collections_of_the_metadata_are_served_and_sandbox_only_properties_are_gone(exact_api, exact_sim):
    vat = exact_api.get("vat/VATCodes", params={"$filter": "Code eq '1'", "$select": "Code,VATPercentages", "$expand": "VATPercentages"}).json()
    [code] = vat["d"]["results"]
    assert [rate["Percentage"] for rate in code["VATPercentages"]["results"]] == [0.09]
    gl = exact_api.get("financial/GLAccounts", params={"$filter": "Code eq '8000'", "$select": "ID,DeductibilityPercentages"}).json()
    [row] = gl["d"]["results"]
    assert row["DeductibilityPercentages"] == {"__deferred": {"uri": row["__metadata"]["uri"] + "/DeductibilityPercentages"}}
    lines = exact_api.get(f"financial/GLAccounts(guid'{row['ID']}')/DeductibilityPercentages").json()["d"]["results"]
    assert lines == []
    assert exact_api.get("financial/Journals", params={"$select": "Code,TypeDescription"}).status_code == 400
    invoice_lines = exact_api.get("financial/GLAccounts", params={"$filter": "Code eq '8000'", "$select": "ID,VATNonDeductiblePercentage"})
    assert invoice_lines.status_code == 200


def test_the_other_division_lists_and_the_receivables_list_are_served(exact_api, exact_sim):
    """hrm/Divisions (the older twin, OSSO), system/AllDivisions (every division of the license)
    and read/financial/ReceivablesList (open items only) (reference 1.4, 5.3)."""
    codes = lambda path: sorted(r["Code"] for r in exact_api.get(path, params={"$select": "Code"}).json()["d"]["results"])  # noqa: E731
    assert codes("system/Divisions") == codes("hrm/Divisions") == [DIVISION]
    assert codes("system/AllDivisions") == [DIVISION, 7654321]
    d = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim), headers=REPRESENTATION).json()["d"]
    rows = exact_api.get("read/financial/ReceivablesList", params={"$select": "EntryNumber,Amount,AccountId"}).json()["d"]["results"]
    assert [(r["EntryNumber"], r["Amount"]) for r in rows] == [(d["EntryNumber"], 121)]
    assert exact_api.get("financial/ReceivablesList", params={"$select": "HID"}).status_code == 404
