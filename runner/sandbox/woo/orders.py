"""WooCommerce's order maths as pure functions: a cart description in, the order JSON of
GET /wc/v3/orders/{id} out. Decimal throughout; a JSON number only for line `price`.

Entry points: `build_order(cart, store)`, and `with_status(order, status, when)` (order_dates),
`build_refund` / `apply_refund` (refunds); `invariants.check_order` verifies the result.

Assumptions about behaviour no source confirmed (INF = inferred from WooCommerce code):
- Line items follow WC_Cart_Totals (checkout); order-level totals follow
  WC_Abstract_Order::calculate_totals, so `discount_tax` = round(Σ raw subtotal taxes −
  Σ raw total taxes) and `discount_total` = Σ rounded subtotals − Σ rounded totals. A
  checkout order fresh from the cart can differ by a cent there in inclusive-price shops.
- Shipping taxes round with the tax rounding mode (as recalculation does); checkout rounds
  a half cent of shipping tax up. Only a half-cent shipping tax shows the difference.
- With round-at-subtotal, tax lines, cart_tax and item total_tax are the raw sums rounded
  half-up by the REST formatter; the order total rounds the raw sum once.
- Item ids run id+1… through lines, fees, shipping, coupons, then tax lines (as in the
  samples); order meta, then item meta, get ids from two counters (see Cart).
- Tax location: shipping country, else billing, else the shop's; local pickup uses the
  shop's. Prices including VAT are adjusted for customers taxed at other rates (OSS/export,
  WooCommerce's default `woocommerce_adjust_non_base_location_prices`); VAT-exempt customers
  pay the price less the shop's own VAT, rounded to the cent.
- Compound rates, coupon usage limits and "calculate discounts sequentially" are not modelled.
- `needs_processing` is true for any order with lines (all demo products are physical).
"""

from __future__ import annotations

import hashlib
from typing import Any

from runner.sandbox.woo.carts import (
    DEFAULT_STORE,
    Address,
    Attribute,
    Cart,
    Coupon,
    Fee,
    ProductLine,
    RefundItem,
    RefundRequest,
    Shipping,
    Store,
    TaxRate,
)
from runner.sandbox.woo.items import (
    CartItem,
    coupon_json,
    fee_json,
    line_json,
    price_fees,
    shipping_json,
    stored,
    tax_line_json,
)
from runner.sandbox.woo.maths import (
    HUNDRED,
    ZERO,
    Taxes,
    allocate_discounts,
    calc_tax,
    merge,
    money,
    round_half_up,
    shipping_rates,
    tax_round,
)
from runner.sandbox.woo.order_dates import EDITABLE, UNPAID, gmt_date, local_date

__all__ = [  # the builder and, re-exported, the cart-description types
    "build_order",
    "DEFAULT_STORE",
    "Address",
    "Attribute",
    "Cart",
    "Coupon",
    "Fee",
    "ProductLine",
    "RefundItem",
    "RefundRequest",
    "Shipping",
    "Store",
    "TaxRate",
]


def build_order(cart: Cart, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    """The order JSON for a cart, every money field as WooCommerce computes and formats it."""
    _validate(cart)
    incl, per_line = cart.prices_include_tax, not store.round_at_subtotal
    rtax = (lambda v: tax_round(v, incl)) if per_line else (lambda v: v)
    ramount = round_half_up if per_line else (lambda v: v)
    ship_to = cart.shipping_address or _same_address(cart.billing)
    pickup = any(s.method_id == "local_pickup" for s in cart.shipping)
    country = store.base_country if pickup else (ship_to.country or cart.billing.country or store.base_country)

    items = [CartItem(line, cart, store, country) for line in cart.lines]
    discounts = allocate_discounts(
        [i.price for i in items], [i.line.quantity for i in items], [(i.line.product_id, i.line.variation_id) for i in items], cart.coupons
    )
    for n, item in enumerate(items):
        item.discount(sum((d[n] for d in discounts.values()), ZERO), cart)
        item.settle(rtax)

    taxed_classes = [i.line.tax_class for i in items if i.line.taxable] if not cart.vat_exempt else []
    ship_rates = shipping_rates(store, country, taxed_classes, store.shipping_tax_class)
    ships = [
        (s, calc_tax(s.cost, ship_rates, False) if s.cost > 0 and s.method_id != "free_shipping" and not cart.vat_exempt else {})
        for s in cart.shipping
    ]
    fees = price_fees(cart, store, country, items, per_line)

    ids = iter(range(cart.id + 1, cart.id + 10_000))
    meta_ids = iter(range(cart.item_meta_id_start or cart.id * 100 + 51, 1 << 62))
    line_rows = [line_json(next(ids), i, meta_ids) for i in items]
    fee_rows = [fee_json(next(ids), fee, total, taxes, rtax) for fee, total, taxes in fees]
    ship_rows = [shipping_json(next(ids), s, taxes, cart.lines, meta_ids, rtax) for s, taxes in ships]
    coupon_rows = [coupon_json(next(ids), c, discounts, items, meta_ids) for c in cart.coupons]

    cart_taxes: Taxes = {}
    ship_taxes: Taxes = {}
    for item in items:
        merge(cart_taxes, item.tot_r)
    for _, taxes in ships:
        merge(ship_taxes, {r: rtax(t) for r, t in taxes.items()})
    for _, _, taxes in fees:
        merge(cart_taxes, {r: rtax(t) for r, t in taxes.items()})
    rate_ids = list(dict.fromkeys([*[r for i in items for r in i.taxes], *ship_taxes, *cart_taxes]))
    rates = {r.id: r for r in store.rates}
    tax_rows = [tax_line_json(next(ids), rates[r], cart_taxes.get(r, ZERO), ship_taxes.get(r, ZERO)) for r in rate_ids]

    items_total = sum((ramount(stored(i.total)) for i in items), ZERO)
    items_subtotal = sum((ramount(stored(i.subtotal)) for i in items), ZERO)
    cart_tax = sum(cart_taxes.values(), ZERO)
    shipping_tax = sum(ship_taxes.values(), ZERO)
    shipping_total = sum((round_half_up(s.cost) for s in cart.shipping), ZERO)
    fees_total = sum((total for _, total, _ in fees), ZERO) / HUNDRED
    total = max(ZERO, round_half_up(items_total + fees_total + shipping_total + cart_tax + shipping_tax))
    raw_sub = sum((t for i in items for t in i.sub_e.values()), ZERO)
    raw_tot = sum((t for i in items for t in i.tot_e.values()), ZERO)

    order_meta_ids = iter(range(cart.meta_id_start or cart.id * 100 + 1, 1 << 62))
    meta = [("is_vat_exempt", "yes" if cart.vat_exempt else "no"), *cart.meta]
    key = cart.order_key or _order_key(cart.id)
    modified = cart.modified or max(d for d in (cart.created, cart.paid, cart.completed) if d)
    order: dict[str, Any] = {
        "id": cart.id,
        "parent_id": cart.parent_id,
        "status": cart.status,
        "currency": store.currency,
        "version": cart.version,
        "prices_include_tax": incl,
        "date_created": local_date(cart.created),
        "date_modified": local_date(modified),
        "discount_total": money(items_subtotal - items_total),
        "discount_tax": money(tax_round(raw_sub - raw_tot, incl)),
        "shipping_total": money(shipping_total),
        "shipping_tax": money(shipping_tax),
        "cart_tax": money(cart_tax),
        "total": money(total),
        "total_tax": money(cart_tax + shipping_tax),
        "customer_id": cart.customer_id,
        "order_key": key,
        "billing": _address_json(cart.billing, True),
        "shipping": _address_json(ship_to, False),
        "payment_method": cart.payment_method,
        "payment_method_title": cart.payment_method_title,
        "transaction_id": cart.transaction_id,
        "customer_ip_address": cart.customer_ip_address,
        "customer_user_agent": cart.customer_user_agent,
        "created_via": cart.created_via,
        "customer_note": cart.customer_note,
        "date_completed": local_date(cart.completed),
        "date_paid": local_date(cart.paid),
        "cart_hash": cart.cart_hash or _cart_hash(cart),
        "number": cart.number or str(cart.id),
        "meta_data": [{"id": next(order_meta_ids), "key": k, "value": v} for k, v in meta],
        "line_items": line_rows,
        "tax_lines": tax_rows,
        "shipping_lines": ship_rows,
        "fee_lines": fee_rows,
        "coupon_lines": coupon_rows,
        "refunds": [],
        "payment_url": f"{store.url}/{store.pay_path}/{cart.id}/?pay_for_order=true&key={key}",
        "is_editable": cart.status in EDITABLE,
        "needs_payment": cart.status in UNPAID and total > 0,
        "needs_processing": bool(cart.lines),
        "date_created_gmt": gmt_date(cart.created, store),
        "date_modified_gmt": gmt_date(modified, store),
        "date_completed_gmt": gmt_date(cart.completed, store),
        "date_paid_gmt": gmt_date(cart.paid, store),
        "currency_symbol": store.currency_symbol,
        "_links": order_links(store, cart.id, cart.customer_id, cart.parent_id),
    }
    return order


def order_links(store: Store, order_id: int, customer_id: int, parent_id: int) -> dict[str, list[dict[str, str]]]:
    base = f"{store.url}/wp-json/wc/v3"
    links = {"self": [{"href": f"{base}/orders/{order_id}"}], "collection": [{"href": f"{base}/orders"}]}
    if customer_id:
        links["customer"] = [{"href": f"{base}/customers/{customer_id}"}]
    if parent_id:
        links["up"] = [{"href": f"{base}/orders/{parent_id}"}]
    return links


def _validate(cart: Cart) -> None:
    if not cart.lines:
        raise ValueError("a cart needs at least one product line")
    for line in cart.lines:
        if line.quantity < 1 or line.price < 0:
            raise ValueError(f"line {line.name!r}: quantity must be >= 1 and price >= 0")
    for ship in cart.shipping:
        if ship.cost < 0:
            raise ValueError(f"shipping {ship.method_title!r}: cost must be >= 0")


def _address_json(address: Address, billing: bool) -> dict[str, Any]:
    data = {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "address_1": address.address_1,
        "address_2": address.address_2,
        "city": address.city,
        "state": address.state,
        "postcode": address.postcode,
        "country": address.country,
    }
    if billing:
        data["email"] = address.email
    data["phone"] = address.phone
    return data


def _same_address(billing: Address) -> Address:
    """Ship-to-billing: WooCommerce copies the address; the shipping phone stays empty."""
    return Address(
        billing.first_name,
        billing.last_name,
        billing.company,
        billing.address_1,
        billing.address_2,
        billing.city,
        billing.state,
        billing.postcode,
        billing.country,
        None,
        "",
    )


def _order_key(order_id: int) -> str:
    return "wc_order_" + hashlib.sha1(f"order-{order_id}".encode()).hexdigest()[:13]


def _cart_hash(cart: Cart) -> str:
    if cart.created_via != "checkout":
        return ""
    return hashlib.md5(f"{cart.id}:{[(l.product_id, l.quantity) for l in cart.lines]}".encode()).hexdigest()


def before_3_7(order: dict[str, Any]) -> dict[str, Any]:
    """The order as WooCommerce before 3.7 saved it (and some importers still do): tax lines
    without `rate_percent` (the field came with 3.7)."""
    return {**order, "tax_lines": [{k: v for k, v in t.items() if k != "rate_percent"} for t in order["tax_lines"]]}
