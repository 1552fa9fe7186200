"""Where Exact demands `$select` (reference, "Additions, third pass"): on bulk and sync endpoints
(documented) and on the endpoints picqer#556 names (SalesItemPrices among those served here),
whatever the setting; lists of Accounts and SalesInvoices are read without one by long-used
clients (ossobv exactonline), so never there; elsewhere it is unconfirmed (`require_select`)."""

from __future__ import annotations

import pytest

from tests.sandbox.exact_support import message

pytest_plugins = ["tests.sandbox.conftest_exact"]
NEEDED = "Please add a $select or a $top=1 statement to the query string."
BOTH = pytest.mark.parametrize("exact_options", [{"require_select": True}, {"require_select": False}], ids=["strict", "lenient"])


@BOTH
def test_sales_invoices_and_accounts_are_listed_without_a_select(exact_api, exact_options):
    for path in ("salesinvoice/SalesInvoices", "crm/Accounts"):
        answer = exact_api.get(path, params={"$filter": "Modified ne null"})
        assert answer.status_code == 200, (path, answer.text)


@BOTH
def test_sales_item_prices_and_bulk_reads_always_demand_one(exact_api, exact_options):
    for path in ("logistics/SalesItemPrices", "bulk/CRM/Accounts"):
        answer = exact_api.get(path, params={"$filter": "Modified ne null"})
        assert answer.status_code == 400 and message(answer) == NEEDED, path


@BOTH
def test_elsewhere_it_is_the_setting(exact_api, exact_options):
    answer = exact_api.get("vat/VATCodes")
    assert answer.status_code == (400 if exact_options["require_select"] else 200)
