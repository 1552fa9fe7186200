"""The template context (DESIGN.md section 4), defined once: what the booking rules hand a
template and what `runner validate` lets a template name both come from these definitions.

- `order`: the WooCommerce order as the REST API returns it (ORDER_FIELDS), plus `email`
  (billing e-mail, trimmed and lower-cased), `country` (shipping, else billing) and `vat_area`
  (`domestic`, `eu` or `export`: runner/domain/vat_area.py);
- `customer`: a `CustomerContext`; `line`: a `LineContext` (in `mapping.*`, `booking.item`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from runner.domain import emails
from runner.domain.lines import Fact
from runner.domain.model import Order
from runner.domain.vat_area import vat_area
from runner.domain.vat_number import found, normal

# GET /wc/v3/orders/{id} (WooCommerce REST API v3; gift_cards: the official Gift Cards plugin's), and the three the runner adds
ORDER_FIELDS = frozenset(
    """
    id parent_id status currency version prices_include_tax date_created date_modified discount_total
    discount_tax shipping_total shipping_tax cart_tax total total_tax customer_id order_key billing shipping
    payment_method payment_method_title transaction_id customer_ip_address customer_user_agent created_via
    customer_note date_completed date_paid cart_hash number meta_data line_items tax_lines shipping_lines
    fee_lines coupon_lines refunds payment_url is_editable needs_payment needs_processing date_created_gmt
    date_modified_gmt date_paid_gmt date_completed_gmt currency_symbol cost_of_goods_sold gift_cards email country vat_area
""".split()
)


@dataclass(frozen=True)
class CustomerContext:
    email: str
    name: str
    company: str
    vat_number: str
    vat_number_key: str  # the meta key (customers.vat_number_keys) the number was found under
    country: str
    is_guest: bool


@dataclass(frozen=True)
class LineContext:
    """One booked line: amounts excluding VAT (`net`) and being VAT (`tax`), the rate in
    percent; `vat_code` is what `mapping.vat_code` made of it (empty while that renders)."""

    kind: str  # product, shipping, fee, discount, voucher, redemption, rounding
    name: str
    sku: str
    product_id: int
    variation_id: int
    quantity: Decimal
    net: Decimal
    tax: Decimal
    tax_rate: Decimal
    tax_class: str
    tax_rate_code: str
    tax_country: str
    categories: list[str]
    coupons: list[str]
    vat_code: str = ""


def names(definition: type) -> frozenset[str]:
    """The fields a template may read of one context object."""
    return frozenset(f.name for f in dataclasses.fields(definition))


def order_context(order: Order, home: str = "NL") -> dict[str, Any]:
    return {**order.raw, "email": order.email, "country": order.country, "vat_area": vat_area(order.raw, home)}


def customer_context(order: Order, vat_number_keys: tuple[str, ...]) -> dict[str, Any]:
    billing = order.raw.get("billing") or {}
    person = f"{billing.get('first_name') or ''} {billing.get('last_name') or ''}".strip()
    vat_number, key = found(order.raw, vat_number_keys)
    vat_number = normal(vat_number, order.raw)
    context = CustomerContext(
        email=emails.as_typed(order.billing_email),  # what a new account is given: never a mangled lower case
        name=billing.get("company") or person,
        company=billing.get("company") or "",
        vat_number=vat_number,
        vat_number_key=key,
        country=order.country,
        is_guest=order.customer_id == 0,
    )
    return dict(context.__dict__)


def line_context(fact: Fact) -> dict[str, Any]:
    context = LineContext(
        kind=fact.kind,
        name=fact.name,
        sku=fact.sku,
        product_id=fact.product_id,
        variation_id=fact.variation_id,
        quantity=fact.quantity,
        net=fact.net,
        tax=fact.tax,
        tax_rate=fact.percent,
        tax_class=fact.tax_class,
        tax_rate_code=fact.rate.code if fact.rate else "",
        tax_country=fact.rate.country if fact.rate else "",
        categories=list(fact.categories),
        coupons=list(fact.coupons),
    )
    return dict(context.__dict__)
