"""How the Exact sandbox answers a GET once the request is authorised and routed: one entity, the
lines under one entity, a collection under Exact's mandatory-filter and `$select` rules
(reference 4.4, 4.6), or a sync twin under its own, narrower rules (reference 5.8): `$filter`
only as `Timestamp gt N`, `$select` always, 1000-row pages in Timestamp order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from runner.sandbox.exact.entities import ME
from runner.sandbox.exact.seed import ExactConfig
from runner.sandbox.host import Request
from runner.sandbox.odata.envelope import EntitySet, ODataError, render
from runner.sandbox.odata.filter_syntax import single_comparison
from runner.sandbox.odata.query import Query, collection, count, parse_query

SELECT_NEEDED = "Please add a $select or a $top=1 statement to the query string."
# Where Exact demands `$select` beyond bulk and sync (picqer#556) and where long-used clients list
# without it (ossobv `invoices.get`, Accounts, BankAccounts) [C3]; elsewhere `require_select` [U].
SELECT_DEMANDED = frozenset(
    ("logistics/SalesItemPrices", "cashflow/DirectDebitMandates", "salesorder/GoodsDeliveries", "generaljournalentry/GeneralJournalEntries")
    + ("purchaseentry/PurchaseEntries",)
)
SELECT_OPTIONAL = frozenset(("crm/Accounts", "financial/BankAccounts", "salesinvoice/SalesInvoices"))
# [U] texts: the reference page says only Timestamp may be filtered, not what Exact answers otherwise.
SYNC_FILTER = (
    "Only the Timestamp field is allowed as parameter on a sync endpoint: use $filter=Timestamp gt {value}, with Timestamp gt 1 the first time."
)
SYNC_REFUSED_OPTIONS = ("$orderby", "$skip", "$expand", "$inlinecount")  # the order is Timestamp's [U]
INT64 = range(-(2**63), 2**63)


def read(
    request: Request,
    config: ExactConfig,
    es: EntitySet,
    table: dict,
    row: dict | None,
    nav: str | None,
    root: str,
    sync: bool = False,
    bulk: bool = False,
) -> Any:
    """The payload of a GET: `row` is the addressed entity (if the URL has a key), `nav` the
    segment after it (`$count` or a line collection). `bulk`: a bulk twin's page of 1,000,
    `$select` mandatory whatever else is asked."""
    if sync:
        return _sync(request, config, es, table, root)
    if bulk and "$select" not in request.query:
        raise ODataError(400, SELECT_NEEDED)
    if row is not None and nav is None:
        q = parse_query(request.query, es)
        return {"d": render(es, row, root, q.select, q.expand)}
    if row is not None:
        if nav not in es.children:
            raise ODataError(404, f"Resource not found for the segment '{nav}'.")
        es, table = es.children[nav], {line[es.children[nav].key]: line for line in row.get(nav, [])}
    q = _query(request, config, es)
    named = q.filter_fields if config.filter_in_function else q.compared_fields
    if es.required_filter and row is None and not named & set(es.required_filter):
        raise ODataError(
            400,
            "A GET request for this endpoint must have a $filter parameter with one of the "
            f"following fields in the url: {', '.join(es.required_filter)}.",
        )
    if nav == "$count":
        return count(table.values(), q)
    # "in specific instances" (picqer README): not on current/Me, not on the lines under one entity [C3]
    demanded = es.path in SELECT_DEMANDED or (config.require_select and es.path not in SELECT_OPTIONAL)
    if demanded and q.select is None and q.top != 1 and row is None and es is not ME:
        raise ODataError(400, SELECT_NEEDED)
    page = config.sync_page_size if bulk else config.page_size
    return collection(es, table.values(), q, root, request.base_url + request.path, request.query, page, config.top_v1)


def _query(request: Request, config: ExactConfig, es: EntitySet) -> Query:
    ci = () if config.email_case_sensitive else ("Email",)
    return parse_query(request.query, es, ci, config.substringof_supported, config.trailing_blanks)


def _sync(request: Request, config: ExactConfig, es: EntitySet, table: dict, root: str) -> dict:
    """Rows changed since a Timestamp. The key is the Timestamp, so pages run in its order and the
    skiptoken resumes after a value: a row changed while a client pages comes again later."""
    for option in SYNC_REFUSED_OPTIONS:
        if option in request.query:
            raise ODataError(400, f"The query option '{option}' is not supported on a sync endpoint.")
    q = _query(request, config, es)  # syntax and field errors first
    text = request.query["$filter"][-1] if "$filter" in request.query else None
    shape = single_comparison(text) if text is not None else None
    if shape is None or shape[:2] != ("Timestamp", "gt") or not _whole(shape[2]):
        raise ODataError(400, SYNC_FILTER)
    if q.select is None:  # mandatory here whatever `require_select` says, $top=1 or not [U]
        raise ODataError(400, SELECT_NEEDED)
    return collection(es, table.values(), q, root, request.base_url + request.path, request.query, config.sync_page_size, config.top_v1)


def _whole(value: Any) -> bool:
    return isinstance(value, Decimal) and value == value.to_integral_value() and int(value) in INT64
