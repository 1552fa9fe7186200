"""Cost centres and cost units in the Exact sandbox (reference, "Additions, third pass"):
`hrm/Costcenters` and `hrm/Costunits` served, the path case-sensitive; a line's codes must
exist, and a GL account with UseCostcenter/UseCostunit 1 demands them."""

from __future__ import annotations

from tests.sandbox.exact_support import REPRESENTATION, entry, gl_id, message

pytest_plugins = ["tests.sandbox.conftest_exact"]


def gl_row(sim, code: str) -> dict:
    return next(g for g in sim.gl_accounts.values() if g["Code"].strip() == code)


def test_cost_centres_and_units_are_served_on_their_case_sensitive_paths(exact_api):
    centres = exact_api.get("hrm/Costcenters", params={"$select": "Code,Description,Active"})
    assert centres.status_code == 200 and sorted(r["Code"] for r in centres.json()["d"]["results"]) == ["100", "200", "300"]
    units = exact_api.get("hrm/Costunits", params={"$select": "Code,Description"})
    assert sorted(r["Code"] for r in units.json()["d"]["results"]) == ["ACC", "KOF", "THE"]
    assert exact_api.get("hrm/CostCenters", params={"$select": "Code"}).status_code == 404
    assert exact_api.get("hrm/CostUnits", params={"$select": "Code"}).status_code == 404


def test_a_lines_cost_codes_must_exist_and_a_demanding_gl_account_gets_them(exact_api, exact_sim):
    gl_row(exact_sim, "8000")["UseCostcenter"] = 1  # mandatory
    gl_row(exact_sim, "8050")["UseCostunit"] = 2  # not allowed
    line = {"GLAccount": gl_id(exact_sim, "8000"), "AmountFC": "10.00", "VATCode": "2"}
    refused = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim, line), headers=REPRESENTATION)
    assert refused.status_code == 500 and message(refused) == "Verplicht: Kostenplaats"
    wrong = {**line, "CostCenter": "999", "CostUnit": "XYZ"}
    refused = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim, wrong), headers=REPRESENTATION)
    assert message(refused) == "Ongeldige referentie: Kostenplaats\r\nOngeldige referentie: Kostendrager"
    shipping = {"GLAccount": gl_id(exact_sim, "8050"), "AmountFC": "5.00", "VATCode": "2", "CostUnit": "KOF"}
    refused = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim, shipping), headers=REPRESENTATION)
    assert message(refused) == "Niet toegestaan: Kostendrager"
    right = {**line, "CostCenter": "100", "CostUnit": "KOF"}
    booked = exact_api.post("salesentry/SalesEntries", json=entry(exact_sim, right), headers=REPRESENTATION)
    assert booked.status_code == 201
    [stored] = booked.json()["d"]["SalesEntryLines"]["results"]
    assert (stored["CostCenter"], stored["CostUnit"]) == ("100", "KOF")
