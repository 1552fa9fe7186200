"""The worst case `runner validate` renders every template on: an order of long texts and
many lines, in every name a template may see (DESIGN.md section 4). A template that crosses
a bound of runner.spec.limits on it is refused before any order meets it; one whose cost
hangs on a branch this order does not take is still bounded while it renders."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from runner.domain.context import ORDER_FIELDS, CustomerContext, LineContext, names

TEXT = "W" * 1000  # a field as long as a shop's text gets (WooCommerce keeps names in 255 characters, notes longer)
MANY = 100  # lines, tax lines, meta data, categories
AMOUNT = "999999999999.99"  # the largest amount the runner reads (runner.domain.money)
ADDRESS = "first_name last_name company address_1 address_2 city state postcode country email phone".split()
NUMBERS = {"id", "parent_id", "customer_id", "product_id", "variation_id", "rate_id", "refunded_by"}
FLAGS = {"prices_include_tax", "is_editable", "needs_payment", "needs_processing", "refunded_payment", "compound"}
AMOUNTS = {
    *"discount_total discount_tax shipping_total shipping_tax cart_tax total total_tax subtotal subtotal_tax amount".split(),
    *"tax_total shipping_tax_total price regular_price sale_price quantity".split(),
}


def _value(key: str) -> Any:
    if key in NUMBERS:
        return 999_999_999
    if key in FLAGS:
        return True
    if key in AMOUNTS:
        return AMOUNT
    return TEXT


def _meta() -> list[dict[str, Any]]:
    return [{"id": n, "key": TEXT, "value": TEXT} for n in range(MANY)]


def _line(*extra: str) -> dict[str, Any]:
    keys = "id name product_id variation_id quantity tax_class subtotal subtotal_tax total total_tax sku price parent_name".split()
    line = {key: _value(key) for key in (*keys, *extra)}
    return {**line, "taxes": [{"id": n, "total": AMOUNT, "subtotal": AMOUNT} for n in range(3)], "meta_data": _meta()}


def _lines() -> list[dict[str, Any]]:
    return [_line() for _ in range(MANY)]


def _order() -> dict[str, Any]:
    order: dict[str, Any] = {key: _value(key) for key in ORDER_FIELDS}
    tax = {"id": 1, "rate_code": TEXT, "rate_id": 1, "label": TEXT, "compound": False, "tax_total": AMOUNT, "shipping_tax_total": AMOUNT}
    order.update(
        billing={key: TEXT for key in ADDRESS},
        shipping={key: TEXT for key in ADDRESS},
        meta_data=_meta(),
        line_items=_lines(),
        tax_lines=[{**tax, "rate_percent": 21} for _ in range(MANY)],
        shipping_lines=[{**_line(), "method_title": TEXT, "method_id": TEXT} for _ in range(MANY)],
        fee_lines=_lines(),
        coupon_lines=[{"id": n, "code": TEXT, "discount": AMOUNT, "discount_tax": AMOUNT, "meta_data": _meta()} for n in range(MANY)],
        refunds=[{"id": n, "reason": TEXT, "total": AMOUNT} for n in range(MANY)],
    )
    return order


@functools.cache
def contexts() -> dict[str, Any]:
    """Every name a template may be given, at its worst (made once; templates cannot change it)."""
    line = {name: _value(name) for name in names(LineContext)}
    line.update(kind="product", quantity=Decimal("999999"), net=Decimal(AMOUNT), tax=Decimal(AMOUNT), tax_rate=Decimal(21), tax_country="NL")
    line.update(categories=[TEXT] * MANY, coupons=[TEXT] * MANY)
    customer = {name: TEXT for name in names(CustomerContext)} | {"is_guest": False}
    refund = {
        **{key: _value(key) for key in "id date_created date_created_gmt amount reason refunded_by refunded_payment".split()},
        "meta_data": _meta(),
        "line_items": _lines(),
        "shipping_lines": _lines(),
        "tax_lines": [],
        "fee_lines": _lines(),
    }
    product_keys = "id name slug permalink type status sku price regular_price sale_price description short_description tax_class"
    product = {key: _value(key) for key in product_keys.split()}
    product.update(categories=[{"id": n, "name": TEXT, "slug": TEXT} for n in range(MANY)], meta_data=_meta(), attributes=[])
    return {"order": _order(), "line": line, "customer": customer, "refund": refund, "product": product}
