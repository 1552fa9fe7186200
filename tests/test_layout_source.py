"""The Source seam holds (issue 20 #2): WooCommerce's REST shape is read by the WooCommerce
adapter alone (runner/adapters/woo/rest.py); the pipeline and the services take the domain's
listed orders and refunds (runner/domain/listed.py) and never look inside what a shop sent."""

from __future__ import annotations

import ast

from tests.test_layout import RUNNER, imports

PARSER = "runner.adapters.woo.rest"
SHOP_SIDE = ("adapters/woo", "sandbox")  # the adapter that reads the shop, and the shop itself

# keys of WooCommerce's order and refund JSON that name nothing of the runner's own records
WOO_KEYS = {
    "line_items", "meta_data", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines", "refunds", "parent_id",
    "date_created", "date_modified", "date_modified_gmt", "date_paid", "date_completed", "billing", "shipping",
    "categories", "product_id", "variation_id", "customer_id", "prices_include_tax", "total_tax", "payment_method",
}  # fmt: skip


# Settlements (runner settle, being built beside this seam) still read the order's JSON through
# `Order.raw` (transaction id, the payment providers' fee meta, date_paid_gmt, refunds' totals):
# each may only shrink until the WooCommerce adapter puts what they read on the model.
STILL_READ_BY_SETTLEMENTS = {
    "runner/pipeline/modes/settlements.py": {"date_paid", "meta_data", "payment_method", "refunds"},
    "runner/services/settle.py": {"date_paid"},
    "runner/domain/fee_estimates.py": {"meta_data"},
}


def shop_side(path) -> bool:
    return str(path.relative_to(RUNNER)).startswith(SHOP_SIDE)


def test_only_the_woocommerce_adapter_reads_woocommerces_json():
    importing = sorted(str(p.relative_to(RUNNER)) for p in RUNNER.rglob("*.py") if not shop_side(p) and PARSER in imports(p))
    assert not importing, f"{importing} import {PARSER}: take the Source's Listed / ListedRefund instead"
    parsers = sorted(
        f"{p.relative_to(RUNNER)}:{node.name}"
        for p in RUNNER.rglob("*.py")
        if not shop_side(p)
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name in ("parse_order", "parse_refund", "reached_trigger")
    )
    assert not parsers, f"WooCommerce's JSON parsed outside its adapter: {parsers}"


def woo_keys_read(path) -> set[str]:
    """The WooCommerce keys a module indexes a mapping by (`x["line_items"]`, `x.get("status")`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get" and node.args and isinstance(node.args[0], ast.Constant):
            key = node.args[0].value
        else:
            continue
        if key in WOO_KEYS:
            found.add(key)
    return found


def test_the_pipeline_and_the_services_never_look_inside_a_shops_order():
    reading = {}
    for folder in ("pipeline", "services"):
        for path in sorted((RUNNER / folder).rglob("*.py")):
            name = str(path.relative_to(RUNNER.parent))
            if keys := woo_keys_read(path) - STILL_READ_BY_SETTLEMENTS.get(name, set()):
                reading[name] = sorted(keys)
    assert not reading, f"WooCommerce's JSON read outside its adapter: {reading}"
    gone = {name: sorted(keys - woo_keys_read(RUNNER.parent / name)) for name, keys in STILL_READ_BY_SETTLEMENTS.items()}
    assert not any(gone.values()), f"no longer read, so off STILL_READ_BY_SETTLEMENTS: {gone}"


# The booking rules still reading WooCommerce's JSON through `Order.raw` (addresses, meta data,
# gift cards): each may only shrink until the WooCommerce adapter lifts what they read into the
# model. The templates' context (DESIGN.md) shows the order as the shop sent it, by design.
STILL_READ_IN_DOMAIN = {
    "runner/domain/fee_estimates.py": {"meta_data"},  # settlements' (STILL_READ_BY_SETTLEMENTS)
    "runner/domain/context.py": {"billing"},
    "runner/domain/model.py": {"billing", "shipping"},
    "runner/domain/vat_area.py": {"billing", "shipping"},
    "runner/domain/vat_number.py": {"meta_data"},
}


def test_the_booking_rules_read_the_shops_json_only_where_they_still_did():
    reading = {str(p.relative_to(RUNNER.parent)): keys for p in sorted((RUNNER / "domain").rglob("*.py")) if (keys := woo_keys_read(p))}
    grown = {
        name: sorted(keys - STILL_READ_IN_DOMAIN.get(name, set())) for name, keys in reading.items() if keys - STILL_READ_IN_DOMAIN.get(name, set())
    }
    assert not grown, f"WooCommerce's JSON read in the domain: {grown}; let runner/adapters/woo/rest.py put it on the model"
    shrunk = {name: sorted(keys - reading.get(name, set())) for name, keys in STILL_READ_IN_DOMAIN.items() if keys - reading.get(name, set())}
    assert not shrunk, f"no longer read, so off STILL_READ_IN_DOMAIN: {shrunk}"
