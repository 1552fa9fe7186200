"""Which endpoints the Exact sandbox answers and who writes them: the route table (path ->
entity set + POST/PUT handlers, or the table a sync twin reads), the per-request rows of
`current/Me` and `system/Divisions`, and the serving of a request along its route. Paths are
case-sensitive, as on the real service (reference 1.2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from runner.sandbox.exact.auth import Grant
from runner.sandbox.exact.costs import COST_CENTERS, COST_UNITS
from runner.sandbox.exact.deletions import kept_deletions
from runner.sandbox.exact.entities import (
    ACCOUNTS,
    ALL_DIVISIONS,
    BANK_ENTRIES,
    BANK_ENTRY_LINES,
    BULK_ACCOUNTS,
    BULK_GL_ACCOUNTS,
    BULK_ITEMS,
    BULK_RECEIVABLES,
    BULK_SALES_INVOICES,
    CASH_ENTRIES,
    CASH_ENTRY_LINES,
    DIVISIONS,
    GL_ACCOUNTS,
    HRM_DIVISIONS,
    ITEMS,
    JOURNALS,
    ME,
    PAYMENT_CONDITIONS,
    PRINTED_SALES_INVOICES,
    RECEIVABLES,
    RECEIVABLES_LIST,
    SALES_ENTRIES,
    SALES_INVOICE_LINES,
    SALES_INVOICES,
    SALES_ITEM_PRICES,
    SYNC_ACCOUNTS,
    SYNC_DELETED,
    SYNC_GL_ACCOUNTS,
    SYNC_ITEMS,
    SYNC_PRICES,
    TRANSACTION_LINES,
    VAT_CODES,
)
from runner.sandbox.exact.master import create_account, create_item, update_account, update_item
from runner.sandbox.exact.payments import post_bank_entry, post_cash_entry
from runner.sandbox.exact.prices import create_price, update_price
from runner.sandbox.exact.reads import read
from runner.sandbox.exact.sales_entries import post_sales_entry
from runner.sandbox.exact.sales_invoices import delete_sales_invoice, post_sales_invoice, post_sales_invoice_line, print_sales_invoice
from runner.sandbox.exact.seed import DIVISION_NAMES, MAIN_DIVISION
from runner.sandbox.exact.transactions import transaction_lines
from runner.sandbox.host import Request
from runner.sandbox.odata.envelope import EntitySet, ODataError, parse_entity, parse_json, parse_key, render

SERVER_ZONE = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Route:
    es: EntitySet
    post: Callable[..., dict] | None = None  # (admin, config, body) -> stored row
    put: Callable[..., dict] | None = None  # (admin, row, body) -> row
    source: str | None = None  # a sync or bulk twin: the table it reads (sync rules apply, or bulk's)
    bulk: bool = False  # a bulk twin: the regular endpoint's filters, 1,000 a page, $select mandatory
    rows: Callable[..., list[dict]] | None = None  # (sim, grant, division) -> rows made per request
    delete: Callable[..., None] | None = None  # (admin, row): DELETE of one entity by its key


ROUTES: dict[str, Route] = {
    "system/Divisions": Route(DIVISIONS, rows=lambda sim, grant, division: division_rows(sim, grant)),
    "hrm/Divisions": Route(HRM_DIVISIONS, rows=lambda sim, grant, division: division_rows(sim, grant)),
    "system/AllDivisions": Route(ALL_DIVISIONS, rows=lambda sim, grant, division: division_rows(sim, grant, every=True)),
    "read/financial/ReceivablesList": Route(RECEIVABLES_LIST, rows=lambda sim, grant, division: receivables_list(sim.admins[division])),
    "vat/VATCodes": Route(VAT_CODES),
    "hrm/Costcenters": Route(COST_CENTERS),
    "hrm/Costunits": Route(COST_UNITS),
    "financial/GLAccounts": Route(GL_ACCOUNTS),
    "financial/Journals": Route(JOURNALS),
    "cashflow/PaymentConditions": Route(PAYMENT_CONDITIONS),
    "crm/Accounts": Route(ACCOUNTS, lambda admin, config, body: create_account(admin, body), update_account),
    "logistics/Items": Route(ITEMS, lambda admin, config, body: create_item(admin, body), update_item),
    "logistics/SalesItemPrices": Route(SALES_ITEM_PRICES, lambda admin, config, body: create_price(admin, body), update_price),
    "sync/CRM/Accounts": Route(SYNC_ACCOUNTS, source=ACCOUNTS.path),
    "sync/Logistics/Items": Route(SYNC_ITEMS, source=ITEMS.path),
    "sync/Financial/GLAccounts": Route(SYNC_GL_ACCOUNTS, source=GL_ACCOUNTS.path),
    "sync/Logistics/SalesItemPrices": Route(SYNC_PRICES, source=SALES_ITEM_PRICES.path),
    "sync/Deleted": Route(SYNC_DELETED, source=SYNC_DELETED.path, rows=lambda sim, grant, division: kept_deletions(sim.admins[division])),
    "bulk/CRM/Accounts": Route(BULK_ACCOUNTS, source=ACCOUNTS.path, bulk=True),
    "bulk/Logistics/Items": Route(BULK_ITEMS, source=ITEMS.path, bulk=True),
    "bulk/Financial/GLAccounts": Route(BULK_GL_ACCOUNTS, source=GL_ACCOUNTS.path, bulk=True),
    "bulk/SalesInvoice/SalesInvoices": Route(BULK_SALES_INVOICES, source=SALES_INVOICES.path, bulk=True),
    "bulk/Cashflow/Receivables": Route(BULK_RECEIVABLES, source=RECEIVABLES.path, bulk=True),
    "salesentry/SalesEntries": Route(SALES_ENTRIES, post_sales_entry),
    "salesinvoice/SalesInvoices": Route(SALES_INVOICES, post_sales_invoice, delete=delete_sales_invoice),
    "salesinvoice/SalesInvoiceLines": Route(SALES_INVOICE_LINES, post_sales_invoice_line),
    "salesinvoice/PrintedSalesInvoices": Route(PRINTED_SALES_INVOICES, print_sales_invoice),
    "financialtransaction/BankEntries": Route(BANK_ENTRIES, post_bank_entry),
    "financialtransaction/CashEntries": Route(CASH_ENTRIES, post_cash_entry),
    "financialtransaction/BankEntryLines": Route(BANK_ENTRY_LINES),
    "financialtransaction/CashEntryLines": Route(CASH_ENTRY_LINES),
    "cashflow/Receivables": Route(RECEIVABLES),
    "financialtransaction/TransactionLines": Route(TRANSACTION_LINES, rows=lambda sim, grant, division: transaction_lines(sim.admins[division])),
}


def me_row(sim: Any, grant: Any) -> dict:
    """`current/Me`: the user, with the first approved division as the current one."""
    local = datetime.fromtimestamp(sim.clock(), tz=SERVER_ZONE)
    current = grant.divisions[0]
    return {
        "UserID": sim.user_id,
        "CurrentDivision": current,
        "AccountingDivision": current,
        "DivisionCustomer": None,
        "DivisionCustomerCode": None,
        "DivisionCustomerName": DIVISION_NAMES.get(current),
        "Email": sim.config.user_email,
        "FullName": "Demo Boekhouder",
        "FirstName": "Demo",
        "LastName": "Boekhouder",
        "UserName": sim.config.user_email,
        "Language": "NL-NL",
        "LanguageCode": "nl-NL",
        "Legislation": 1,
        "PackageCode": "EOL-ACC",
        "ServerTime": local.strftime("%Y-%m-%dT%H:%M:%S"),
        "ServerUtcOffset": Decimal(int(local.utcoffset().total_seconds())),
        "IsStarterUser": False,
        "IsClientUser": False,
    }


def division_rows(sim: Any, grant: Any, every: bool = False) -> list[dict]:
    """`system/Divisions`: only what the user approved (reference 1.4); `every`: all the
    divisions of the license (`system/AllDivisions`), approved or not."""
    return [
        {
            "Code": code,
            "Description": sim.admins[code].name,
            "Current": code == grant.divisions[0],
            "Country": "NL ",
            "Currency": "EUR",
            "VATNumber": "NL000099998B57",
            "ChamberOfCommerceNumber": "12345678",
            "Status": 1,
            "BlockingStatus": 0,
            "Hid": code % 100000,
            "IsMainDivision": code == MAIN_DIVISION,
            "Legislation": 1,
            "StartDate": datetime(2020, 1, 1),
            "ArchiveDate": None,
            "DivisionMoveDate": None,
        }
        for code in (sorted(sim.admins) if every else grant.divisions)
        if code in sim.admins
    ]


def receivables_list(admin: Any) -> list[dict]:
    """The outstanding items: a matched receivable is not in it (reference 5.3). HID numbers
    the open items in the order they were booked [I]."""
    open_rows = sorted((r for r in admin.tables[RECEIVABLES.path].values() if not r.get("IsFullyPaid")), key=lambda r: r["Timestamp"])
    return [
        {
            "HID": r["Timestamp"],
            "AccountCode": r.get("AccountCode"),
            "AccountId": r.get("Account"),
            "AccountName": r.get("AccountName"),
            "Amount": r.get("AmountDC"),
            "AmountInTransit": Decimal(0),
            "CurrencyCode": r.get("Currency"),
            "Description": r.get("Description"),
            "DueDate": r.get("DueDate"),
            "EntryNumber": r.get("EntryNumber"),
            "InvoiceDate": r.get("InvoiceDate"),
            "InvoiceNumber": r.get("InvoiceNumber"),
            "JournalCode": r.get("Journal"),
            "JournalDescription": r.get("JournalDescription"),
            "YourRef": r.get("YourRef"),
        }
        for r in open_rows
    ]


# A resource path within a division: the entity set, a key in brackets, a navigation or $count
RESOURCE = re.compile(r"(?P<set>(?:(?:sync|read|bulk)/)?[A-Za-z]+/[A-Za-z]+)(?:\((?P<key>[^)]*)\))?(?:/(?P<nav>\$count|[A-Za-z]+))?")


def dispatch(sim: Any, request: Request, grant: Grant, division: int, match: re.Match | None) -> tuple[int, Any]:
    """Serve one request the simulator let through (token, division, budget, rate limit): find
    its route, check method, key and body, then read or write and render; `match` is RESOURCE's
    match of the path, None for `current/Me`."""
    if match is None:  # current/Me
        route, rows = Route(ME), [me_row(sim, grant)]
        root = f"{request.base_url}/api/v1"
    else:
        route = ROUTES.get(match["set"]) or _not_found(match["set"])
        root = f"{request.base_url}/api/v1/{division}"
        rows = route.rows(sim, grant, division) if route.rows else None
    es, admin = route.es, sim.admins[division]
    if request.method not in es.methods:
        raise ODataError(405, f"The method '{request.method}' is not allowed on '{es.path}'.")
    table = {r[es.key]: r for r in rows} if rows is not None else admin.tables.get(route.source or es.path, {})
    key, nav = (match["key"], match["nav"]) if match else (None, None)
    if route.source is not None and (key is not None or nav is not None):  # sync and bulk: collections only [U]
        raise ODataError(404, f"Resource not found for the segment '{es.path.split('/')[-1]}'.")
    row = table.get(parse_key(key, es)) if key is not None else None
    if key is not None and row is None:
        raise ODataError(404, f"Resource not found for the segment '{es.path.split('/')[1]}'.")
    if request.method == "GET":
        return 200, read(request, sim.config, es, table, row, nav, root, sync=route.source is not None and not route.bulk, bulk=route.bulk)
    if request.method == "DELETE" and key is not None and nav is None and route.delete is not None:
        route.delete(admin, row)
        return 204, None
    if request.method == "DELETE" or nav is not None or (request.method == "POST") == (key is not None):
        raise ODataError(405, f"The method '{request.method}' is not allowed on this resource.")
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise ODataError(415, "Unsupported media type: send Content-Type: application/json.")
    body = parse_entity(es, parse_json(request.body))
    if request.method == "PUT":
        route.put(admin, row, body)
        return 204, None
    created = route.post(admin, sim.config, body)
    full = "return=representation" in request.headers.get("prefer", "")
    return 201, {"d": render(es, created, root, expand=es.children if full else (), key_only=not full)}


def _not_found(segment: str) -> Route:
    raise ODataError(404, f"Resource not found for the segment '{segment.split('/')[-1]}'.")
