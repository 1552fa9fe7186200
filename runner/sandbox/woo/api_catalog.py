"""Catalogue and tax routes of the simulator: products, variations, categories, tax rates
and tax classes, read-only, with WooCommerce's list arguments and 404 codes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from runner.sandbox.host import Request, Response
from runner.sandbox.woo.carts import TaxRate
from runner.sandbox.woo.wp import Args, Query, denied, listing, respond, serve, single, wp_error

WooSimulator = Any  # the simulator (api.py) that serves these routes; api.py imports this module, so it is named, not imported


PRODUCT_KEYS: dict[str, Callable] = {
    "id": lambda p: p["id"],
    "date": lambda p: p["date_created_gmt"],
    "modified": lambda p: p["date_modified_gmt"],
    "title": lambda p: p["name"].lower(),
    "slug": lambda p: p["slug"],
    "menu_order": lambda p: p["menu_order"],
    "price": lambda p: Decimal(p["price"] or 0),
    "popularity": lambda p: p["total_sales"],
    "rating": lambda p: 0,
}


def products_list(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    opts = listing(a, tuple(PRODUCT_KEYS) + ("include",), "date", "desc")
    skus = a.listing("sku")
    kind = a.enum("type", ("any", "simple", "grouped", "external", "variable"), "any")
    category = a.integer("category", None)
    search = query.get("search")
    modified_after, gmt = a.date("modified_after"), a.boolean("dates_are_gmt")  # WooCommerce 5.8 on
    if (problem := a.error() or denied(key, False)) is not None:
        return problem
    modified = "date_modified_gmt" if gmt else "date_modified"
    items = [
        p
        for p in sim.catalog.products
        if (not modified_after or p[modified] > modified_after)
        and (not skus or p["sku"] in skus)
        and kind in ("any", p["type"])
        and (category is None or category in [c["id"] for c in p["categories"]])
        and (not search or str(search).lower() in p["name"].lower())
    ]
    return serve(request, query, items, opts, PRODUCT_KEYS, route)


def product_single(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    found = [p for p in sim.catalog.products if p["id"] == int(ids[0])]
    return single(key, query, found, "woocommerce_rest_product_invalid_id", "Invalid ID.")


def variations_list(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    opts = listing(a, ("date", "id", "include", "title", "slug", "modified", "menu_order"), "date", "desc")
    skus = a.listing("sku")
    if (problem := a.error() or denied(key, False)) is not None:
        return problem
    items = [v for v in sim.catalog.variations.get(int(ids[0]), []) if not skus or v["sku"] in skus]
    return serve(request, query, items, opts, {**PRODUCT_KEYS, "title": lambda v: v["sku"], "slug": lambda v: v["sku"]}, route)


def variation_single(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    found = [v for v in sim.catalog.variations.get(int(ids[0]), []) if v["id"] == int(ids[1])]
    return single(key, query, found, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")


def categories_list(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    keys = {
        "id": lambda c: c["id"],
        "name": lambda c: c["name"].lower(),
        "slug": lambda c: c["slug"],
        "term_group": lambda c: 0,
        "description": lambda c: c["description"],
        "count": lambda c: c["count"],
    }
    opts = listing(a, tuple(keys) + ("include",), "name", "asc")
    hide_empty, parent = a.boolean("hide_empty"), a.integer("parent", None)
    if (problem := a.error() or denied(key, False)) is not None:
        return problem
    items = [c for c in sim.catalog.categories if (not hide_empty or c["count"]) and (parent is None or c["parent"] == parent)]
    return serve(request, query, items, opts, keys, route)


def category_single(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    found = [c for c in sim.catalog.categories if c["id"] == int(ids[0])]
    return single(key, query, found, "woocommerce_rest_term_invalid", "Resource does not exist.")


def taxes_list(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    a = Args(query)
    keys = {"id": lambda t: t["id"], "order": lambda t: t["order"], "priority": lambda t: t["priority"]}
    opts = listing(a, tuple(keys), "order", "asc")
    tax_class = query.get("class")
    if (problem := a.error() or denied(key, False)) is not None:
        return problem
    items = [tax_rate_json(sim, r) for r in sim.store.rates if tax_class in (None, r.tax_class)]
    return serve(request, query, items, opts, keys, route)


def tax_single(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    found = [tax_rate_json(sim, r) for r in sim.store.rates if r.id == int(ids[0])]
    return single(key, query, found, "woocommerce_rest_invalid_id", "Invalid resource ID.")


def tax_classes(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    """The classes list (no pagination headers); `classes/{slug}` is a one-element array."""
    if (problem := denied(key, not ids)) is not None:
        return problem
    base = f"{sim.store.url}/wp-json/wc/v3/taxes/classes"
    items = [{"slug": slug, "name": name, "_links": {"collection": [{"href": base}]}} for slug, name in sim.store.tax_classes]
    if ids:
        items = [i for i in items if i["slug"] == ids[0].lower()]
        if not items:
            return wp_error(404, "woocommerce_rest_tax_class_invalid_slug", "Invalid slug.")
    return respond(200, items)


def settings(sim: WooSimulator, request: Request, query: Query, ids, key, route) -> Response:
    """GET /settings/{group}[/{option}]: the few options of the `general` and `tax` groups a
    sync reads, in WooCommerce's shape (a value of "yes"/"no" for the radio options)."""
    if (problem := denied(key, len(ids) > 1)) is not None:
        return problem
    store = sim.store
    groups = {
        "general": [
            _option("woocommerce_default_country", "Country / State", "single_select_country", store.base_country, "US:CA"),
            _option("woocommerce_currency", "Currency", "select", store.currency, "USD"),
        ],
        "tax": [
            _option("woocommerce_prices_include_tax", "Prices entered with tax", "radio", "yes" if store.prices_include_tax else "no", "no"),
            _option("woocommerce_tax_round_at_subtotal", "Rounding", "checkbox", "yes" if store.round_at_subtotal else "no", "no"),
            _option("woocommerce_shipping_tax_class", "Shipping tax class", "select", store.shipping_tax_class, "inherit"),
        ],
    }
    if ids[0] not in groups:
        return wp_error(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
    options = groups[ids[0]]
    if len(ids) > 1:
        options = [o for o in options if o["id"] == ids[1]]
        if not options:
            return wp_error(404, "rest_setting_setting_invalid", "Invalid setting.")
        return respond(200, options[0])
    return respond(200, options)


def _option(option: str, label: str, kind: str, value: str, default: str) -> dict[str, Any]:
    return {"id": option, "label": label, "description": "", "type": kind, "default": default, "tip": "", "value": value}


def tax_rate_json(sim: WooSimulator, rate: TaxRate) -> dict[str, Any]:
    base = f"{sim.store.url}/wp-json/wc/v3/taxes"
    return {
        "id": rate.id,
        "country": rate.country,
        "state": rate.state,
        "postcode": "",
        "city": "",
        "postcodes": [],
        "cities": [],
        "rate": f"{rate.rate:.4f}",
        "name": rate.name,
        "priority": rate.priority,
        "compound": rate.compound,
        "shipping": rate.shipping,
        "order": rate.order,
        "class": rate.tax_class,
        "_links": {"self": [{"href": f"{base}/{rate.id}"}], "collection": [{"href": base}]},
    }
