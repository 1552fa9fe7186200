"""The wc/v3 route table of the simulator and its order and refund handlers. Each handler
validates its arguments first, then checks permission, then answers; error codes and
messages follow WooCommerce (catalogue and tax handlers live in woo_catalog)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from runner.sandbox.host import Request, Response
from runner.sandbox.woo.api_catalog import (
    categories_list,
    category_single,
    product_single,
    products_list,
    settings,
    tax_classes,
    tax_single,
    taxes_list,
    variation_single,
    variations_list,
)
from runner.sandbox.woo.auth import ApiKey
from runner.sandbox.woo.invariants import KIND_MONEY, ORDER_MONEY
from runner.sandbox.woo.webhooks import webhook_create, webhooks_list
from runner.sandbox.woo.wp import Args, Query, denied, listing, no_route, only_fields, respond, serve, wp_error, wp_list

WooSimulator = Any  # the simulator (api.py) that serves these routes; api.py imports this module, so it is named, not imported

STATUSES = ("any", "trash", "pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft", "auto-draft")
Handler = Callable[["WooSimulator", Request, Query, tuple[str, ...], "ApiKey | None", str], Response]


@dataclass(frozen=True)
class Route:
    pattern: str
    methods: tuple[str, ...]
    handler: Handler


def with_dp(order: dict[str, Any], dp: int) -> dict[str, Any]:
    """Money fields at `dp` decimals (the `dp` argument); 2 returns the order unchanged."""
    if dp == 2:
        return order
    exp = Decimal(1).scaleb(-min(dp, 12))  # PHP would print any number of zeros; 12 is plenty
    fix = lambda v: format(Decimal(v).quantize(exp, ROUND_HALF_UP), "f")  # noqa: E731
    new = {**order, **{f: fix(order[f]) for f in ORDER_MONEY if f in order}}
    for kind, fields in KIND_MONEY.items():
        if kind in order:
            new[kind] = [{**i, **{f: fix(i[f]) for f in fields}} for i in order[kind]]
    if "refunds" in order:
        new["refunds"] = [{**r, "total": fix(r["total"])} for r in order["refunds"]]
    return new


ORDER_KEYS: dict[str, Callable] = {
    "id": lambda o: o["id"],
    "date": lambda o: o["date_created_gmt"],
    "title": lambda o: o["date_created_gmt"],
    "slug": lambda o: o["date_created_gmt"],
    "modified": lambda o: o["date_modified_gmt"],
}


def orders_list(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    opts = listing(a, ("date", "id", "include", "title", "slug", "modified"), "date", "desc")
    statuses = a.listing("status", STATUSES) or ["any"]
    parents, customer, product = a.listing("parent", integers=True), a.integer("customer", None), a.integer("product", None)
    after, before = a.date("after"), a.date("before")
    modified_after, modified_before = a.date("modified_after"), a.date("modified_before")
    gmt, dp = a.boolean("dates_are_gmt"), a.integer("dp", 2, minimum=0) or 0
    a.enum("context", ("view", "edit"), "view")
    if (problem := a.error() or denied(key, False)) is not None:
        return problem
    if sim.old_store:
        modified_after = modified_before = None
    col = "_gmt" if gmt else ""
    bounds = [
        (f"date_created{col}", after, 1),
        (f"date_created{col}", before, -1),
        (f"date_modified{col}", modified_after, 1),
        (f"date_modified{col}", modified_before, -1),
    ]

    def keep(o: dict[str, Any]) -> bool:
        if "any" in statuses:
            if o["status"] in ("trash", "auto-draft"):
                return False
        elif o["status"] not in statuses:
            return False
        if parents is not None and o["parent_id"] not in parents:
            return False
        if customer is not None and o["customer_id"] != customer:
            return False
        if product is not None and all(product not in (i["product_id"], i["variation_id"]) for i in o["line_items"]):
            return False
        return all(value is None or (o[field] > value if side > 0 else o[field] < value) for field, value, side in bounds)

    page = opts.page
    tiebreak = (lambda o: zlib.crc32(f"{o['id']}:{page}".encode())) if sim.old_store else (lambda o: o["id"])
    shown = (lambda o: {**with_dp(o, dp), "refunds": []}) if not sim.embedded_refunds else (lambda o: with_dp(o, dp))
    return serve(request, query, [o for o in sim.orders.values() if keep(o)], opts, ORDER_KEYS, route, shown, tiebreak)


def order_single(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    dp, fields = a.integer("dp", 2, minimum=0) or 0, a.listing("_fields")
    if (problem := a.error() or denied(key, True)) is not None:
        return problem
    order = sim.orders.get(int(ids[0]))
    if order is None:
        return wp_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
    shown = with_dp(order, dp) if sim.embedded_refunds else {**with_dp(order, dp), "refunds": []}
    return respond(200, only_fields(shown, fields))


def order_update(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    """PUT/POST/PATCH orders/{id}: only `status` is applied (other fields are ignored)."""
    try:
        body = json.loads(request.body or b"{}") if request.body else {}
    except ValueError:
        return wp_error(400, "rest_invalid_json", "Invalid JSON body passed.")
    status = body.get("status") if isinstance(body, dict) else None
    if status is not None and status not in STATUSES[1:]:
        message = f"status is not one of {wp_list(STATUSES[1:])}."
        return wp_error(
            400,
            "rest_invalid_param",
            "Invalid parameter(s): status",
            params={"status": message},
            details={"status": {"code": "rest_not_in_enum", "message": message, "data": None}},
        )
    if key is None:
        return wp_error(401, "woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.")
    order_id = int(ids[0])
    if order_id not in sim.orders:
        return wp_error(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
    order = sim.set_status(order_id, status) if status else sim.orders[order_id]
    return respond(200, order)


def refunds_list(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    opts = listing(a, ("date", "id", "include", "title", "slug", "modified"), "date", "desc")
    dp = a.integer("dp", 2, minimum=0) or 0
    if (problem := a.error() or denied(key, False)) is not None:
        return problem
    keys = {"id": lambda r: r["id"], "date": lambda r: r["date_created_gmt"]}
    return serve(request, query, sim.refunds.get(int(ids[0]), []), opts, keys, route, lambda r: _refund_dp(r, dp))


def refunds_everywhere(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    """GET /wc/v3/refunds: the refunds of every order, each with its parent_id (WC 9.0+)."""
    if not sim.refunds_list:
        return no_route()
    a = Args(query)
    opts = listing(a, ("date", "id", "include", "title", "slug", "modified"), "date", "desc")
    parents = a.listing("parent", integers=True)
    after, before, gmt = a.date("after"), a.date("before"), a.boolean("dates_are_gmt")
    dp = a.integer("dp", 2, minimum=0) or 0
    if (problem := a.error() or denied(key, False)) is not None:
        return problem
    field = "date_created_gmt" if gmt else "date_created"
    rows = [
        {**refund, "parent_id": order_id}
        for order_id, refunds in sim.refunds.items()
        for refund in refunds
        if (parents is None or order_id in parents) and (after is None or refund[field] > after) and (before is None or refund[field] < before)
    ]
    keys = {"id": lambda r: r["id"], "date": lambda r: r["date_created_gmt"]}
    return serve(request, query, rows, opts, keys, route, lambda r: _refund_dp(r, dp))


def refund_single(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    dp, fields = a.integer("dp", 2, minimum=0) or 0, a.listing("_fields")
    if (problem := a.error() or denied(key, True)) is not None:
        return problem
    found = [r for r in sim.refunds.get(int(ids[0]), []) if r["id"] == int(ids[1])]
    if not found:
        return wp_error(404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.")
    return respond(200, only_fields(_refund_dp(found[0], dp), fields))


def _refund_dp(refund: dict[str, Any], dp: int) -> dict[str, Any]:
    fixed = with_dp({k: v for k, v in refund.items() if k != "amount"}, dp)
    return {**refund, **fixed, "amount": with_dp({"total": refund["amount"]}, dp)["total"]}


GET = ("GET",)
ROUTES: tuple[Route, ...] = (
    Route(r"/wc/v3/orders", GET, orders_list),
    Route(r"/wc/v3/orders/(\d+)", GET, order_single),
    Route(r"/wc/v3/orders/(\d+)", ("PUT", "POST", "PATCH"), order_update),
    Route(r"/wc/v3/orders/(\d+)/refunds", GET, refunds_list),
    Route(r"/wc/v3/refunds", GET, refunds_everywhere),
    Route(r"/wc/v3/orders/(\d+)/refunds/(\d+)", GET, refund_single),
    Route(r"/wc/v3/products", GET, products_list),
    Route(r"/wc/v3/products/categories", GET, categories_list),
    Route(r"/wc/v3/products/categories/(\d+)", GET, category_single),
    Route(r"/wc/v3/products/(\d+)", GET, product_single),
    Route(r"/wc/v3/products/(\d+)/variations", GET, variations_list),
    Route(r"/wc/v3/products/(\d+)/variations/(\d+)", GET, variation_single),
    Route(r"/wc/v3/taxes", GET, taxes_list),
    Route(r"/wc/v3/taxes/classes", GET, tax_classes),
    Route(r"/wc/v3/taxes/classes/([\w-]+)", GET, tax_classes),
    Route(r"/wc/v3/taxes/(\d+)", GET, tax_single),
    Route(r"/wc/v3/settings/([\w-]+)", GET, settings),
    Route(r"/wc/v3/settings/([\w-]+)/([\w-]+)", GET, settings),
    Route(r"/wc/v3/webhooks", GET, webhooks_list),
    Route(r"/wc/v3/webhooks", ("POST",), webhook_create),
)
