"""Bulk twins (reference 1.2, 5.8): the regular endpoint's rows and filters, read only, 1,000 a
page, `$select` mandatory whatever else is asked; collections only."""

from __future__ import annotations

import pytest

from runner.sandbox.exact.master import create_account
from runner.sandbox.exact.reads import SELECT_NEEDED
from tests.sandbox.exact_support import message

pytest_plugins = ["tests.sandbox.conftest_exact"]


def test_bulk_accounts_page_at_1000_with_the_regular_filters(exact_api, exact_sim):
    for n in range(1100):
        create_account(exact_sim.admin, {"Name": f"Klant {n}", "Email": f"klant{n}@example.nl", "Status": "C"})
    first = exact_api.get("bulk/CRM/Accounts", params={"$select": "ID,Email", "$filter": "Status eq 'C'"})
    assert first.status_code == 200, first.text
    page = first.json()["d"]
    assert len(page["results"]) == 1000 and "__next" in page
    rest = exact_api.get(page["__next"]).json()["d"]["results"]
    assert len(rest) == 1100 - 1000 + sum(1 for a in exact_sim.accounts.values() if a.get("Status") == "C" and not a["Email"].startswith("klant"))


@pytest.mark.parametrize("params", [{"$filter": "Status eq 'C'"}, {"$filter": "Status eq 'C'", "$top": "1"}])
def test_bulk_wants_select_always(exact_api, params):
    refused = exact_api.get("bulk/CRM/Accounts", params=params)
    assert refused.status_code == 400 and message(refused) == SELECT_NEEDED


def test_bulk_keeps_the_mandatory_filter_and_takes_no_key_and_no_post(exact_api, exact_sim):
    unfiltered = exact_api.get("bulk/CRM/Accounts", params={"$select": "ID"})
    assert unfiltered.status_code == 400 and "must have a $filter" in message(unfiltered)
    some = next(iter(exact_sim.accounts))
    assert exact_api.get(f"bulk/CRM/Accounts(guid'{some}')", params={"$select": "ID"}).status_code == 404
    assert exact_api.post("bulk/CRM/Accounts", json={"Name": "x"}).status_code == 405
