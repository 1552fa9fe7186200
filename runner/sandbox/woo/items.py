"""The cart lines on their way through WC_Cart_Totals (cents, unrounded, then stored as
6-decimal euros) and the order-item JSON built from them: product lines, fees, shipping,
coupons and tax lines. Used by `shop.build_order`; see shop.py for the assumptions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from runner.sandbox.woo.carts import Cart, Coupon, Fee, ProductLine, Shipping, Store, TaxRate
from runner.sandbox.woo.maths import (
    HUNDRED,
    RAW,
    ZERO,
    Taxes,
    calc_tax,
    find_rates,
    merge,
    money,
    number,
    php_price,
    raw,
    round_half_up,
    tax_round,
)

Rounder = Callable[[Decimal], Decimal]


def stored(cents: Decimal) -> Decimal:
    """Cents as WooCommerce stores them in euros: 6 decimals."""
    return round_half_up(cents / HUNDRED, RAW)


class CartItem:
    """One cart line on its way through WC_Cart_Totals (cents, unrounded)."""

    __slots__ = ("line", "rates", "inclusive", "price", "subtotal", "sub_taxes", "total", "taxes", "sub_e", "tot_e", "sub_r", "tot_r")

    def __init__(self, line: ProductLine, cart: Cart, store: Store, country: str) -> None:
        self.line = line
        self.rates = find_rates(store, country, line.tax_class) if line.taxable else ()
        self.inclusive = cart.prices_include_tax
        price = line.price * line.quantity * HUNDRED
        if self.inclusive and line.taxable:
            base = find_rates(store, store.base_country, line.tax_class)
            base_tax = sum(calc_tax(price, base, True).values(), ZERO)
            if cart.vat_exempt:  # remove_item_base_taxes
                price, self.inclusive = round_half_up(price - base_tax, Decimal(1)), False
            elif self.rates != base:  # adjust_non_base_location_price
                price = price - base_tax + sum(calc_tax(price - base_tax, self.rates, False).values(), ZERO)
        self.price = price
        self.sub_taxes = calc_tax(price, self.rates, self.inclusive) if self._taxed(cart) else {}
        self.subtotal = price - sum(self.sub_taxes.values(), ZERO) if self.inclusive else price

    def _taxed(self, cart: Cart) -> bool:
        return self.line.taxable and not cart.vat_exempt

    def discount(self, cents: Decimal, cart: Cart) -> None:
        total = self.price - cents
        self.taxes = calc_tax(total, self.rates, self.inclusive) if self._taxed(cart) else {}
        self.total = total - sum(self.taxes.values(), ZERO) if self.inclusive else total

    def settle(self, rtax: Rounder) -> None:
        """Stored (6-dp euro) taxes, as WC_Order_Item_Product::set_taxes keeps them, and
        their rounded values per rate."""
        self.tot_e = {r: stored(t) for r, t in self.taxes.items()}
        self.sub_e = {r: stored(t) for r, t in self.sub_taxes.items()}
        if sum(self.sub_e.values(), ZERO) < sum(self.tot_e.values(), ZERO):  # "Subtotal cannot be less than total!"
            self.sub_e = dict(self.tot_e)
        self.tot_r = {r: rtax(t) for r, t in self.tot_e.items()}
        self.sub_r = {r: rtax(t) for r, t in self.sub_e.items()}


def price_fees(cart: Cart, store: Store, country: str, items: list[CartItem], per_line: bool) -> list[tuple[Fee, Decimal, Taxes]]:
    """WC_Cart_Totals::get_fees_from_cart: totals in cents (a negative fee capped so the
    order cannot go below zero) and stored taxes; a negative fee's tax is split over the classes."""
    items_total = sum((round_half_up(i.total, Decimal(1)) if per_line else i.total for i in items), ZERO)
    shipping_total = sum((s.cost * HUNDRED for s in cart.shipping), ZERO)
    first_class = cart.lines[0].tax_class
    done: list[tuple[Fee, Decimal, Taxes]] = []
    running = ZERO
    for fee in cart.fees:
        total = fee.amount * HUNDRED
        if total < 0:
            total = max(total, -round_half_up(items_total + running + shipping_total, Decimal(1)))
        running += total
        taxes: Taxes = {}
        if not cart.vat_exempt and total < 0:
            costs: dict[str, Decimal] = {}
            parts = [(i.line.taxable, i.line.tax_class, i.total) for i in items]
            parts += [(f.taxable, f.tax_class, t) for f, t, _ in done]
            parts += [(True, store.shipping_tax_class, s.cost * HUNDRED) for s in cart.shipping]
            for taxable, tax_class, amount in parts:
                if amount < 0:
                    continue
                key = "non-taxable" if not taxable else first_class if tax_class == "inherit" else tax_class
                costs[key] = costs.get(key, ZERO) + amount
            whole = sum(costs.values(), ZERO)
            for tax_class, cost in costs.items():
                if whole and cost and tax_class != "non-taxable":
                    merge(taxes, calc_tax(total * cost / whole, find_rates(store, country, tax_class), False))
        elif not cart.vat_exempt and fee.taxable:
            taxes = calc_tax(total, find_rates(store, country, fee.tax_class), False)
        kept = {r: stored(t) for r, t in taxes.items()}
        if store.fee_taxes_rounded:
            kept = {r: tax_round(t, cart.prices_include_tax) for r, t in kept.items()}
        done.append((fee, total, kept))
    return done


def line_json(item_id: int, item: CartItem, meta_ids: Iterator[int]) -> dict[str, Any]:
    """A product line: 2-dp money, raw per-rate taxes, `price` as a JSON number."""
    line, sub, total = item.line, item.sub_e, stored(item.total)
    return {
        "id": item_id,
        "name": line.name,
        "product_id": line.product_id,
        "variation_id": line.variation_id,
        "quantity": line.quantity,
        "tax_class": line.tax_class,
        "subtotal": money(stored(item.subtotal)),
        "subtotal_tax": money(sum(item.sub_r.values(), ZERO)),
        "total": money(total),
        "total_tax": money(sum(item.tot_r.values(), ZERO)),
        "taxes": [{"id": r, "total": raw(t), "subtotal": raw(sub[r]) if r in sub else ""} for r, t in item.tot_e.items()],
        "meta_data": [
            {"id": next(meta_ids), "key": a.key, "value": a.value, "display_key": a.display_key, "display_value": a.display_value}
            for a in line.attributes
        ],
        "sku": line.sku,
        "price": php_price(raw(total), line.quantity),
        "image": {"id": line.image_id, "src": line.image_src},
        "parent_name": line.parent_name,
    }


def fee_json(item_id: int, fee: Fee, total: Decimal, taxes_e: Taxes, rtax: Rounder) -> dict[str, Any]:
    """A fee line: `amount` as entered, `total` after the cap, taxes as stored."""
    return {
        "id": item_id,
        "name": fee.name,
        "tax_class": fee.tax_class if fee.taxable else "",
        "tax_status": "taxable" if fee.taxable else "none",
        "amount": str(fee.amount),
        "total": money(total / HUNDRED),
        "total_tax": money(sum((rtax(t) for t in taxes_e.values()), ZERO)),
        "taxes": [{"id": r, "total": raw(t), "subtotal": ""} for r, t in taxes_e.items()],
        "meta_data": [],
    }


def shipping_json(
    item_id: int, ship: Shipping, taxes: Taxes, lines: tuple[ProductLine, ...], meta_ids: Iterator[int], rtax: Rounder
) -> dict[str, Any]:
    """A shipping line with its "Items" meta (what the package holds)."""
    listing = ", ".join(f"{line.name} &times; {line.quantity}" for line in lines)
    return {
        "id": item_id,
        "method_title": ship.method_title,
        "method_id": ship.method_id,
        "instance_id": ship.instance_id,
        "total": money(ship.cost),
        "total_tax": money(sum((rtax(t) for t in taxes.values()), ZERO)),
        "taxes": [{"id": r, "total": raw(t), "subtotal": ""} for r, t in taxes.items()],
        "meta_data": [{"id": next(meta_ids), "key": "Items", "value": listing, "display_key": "Items", "display_value": listing}],
    }


def coupon_json(item_id: int, coupon: Coupon, discounts: dict[str, list[Decimal]], items: list[CartItem], meta_ids: Iterator[int]) -> dict[str, Any]:
    """A coupon line: its discount ex VAT and the VAT it took off (WC_Cart_Totals::calculate_discounts)."""
    code = coupon.code.lower()
    amount = tax = ZERO
    for n, cents in enumerate(discounts[code]):
        amount += cents
        if items[n].taxes or items[n].sub_taxes:
            line_tax = sum(calc_tax(cents, items[n].rates, items[n].inclusive).values(), ZERO)
            tax += line_tax
            amount -= line_tax if items[n].inclusive else ZERO
    info = [coupon.id, code, coupon.discount_type, number(coupon.amount)] + ([True] if coupon.free_shipping else [])
    info_text = json.dumps(info, separators=(",", ":"))
    return {
        "id": item_id,
        "code": code,
        "discount": money(stored(amount)),
        "discount_tax": money(stored(tax)),
        "discount_type": coupon.discount_type,
        "nominal_amount": number(coupon.amount),
        "free_shipping": coupon.free_shipping,
        "meta_data": [{"id": next(meta_ids), "key": "coupon_info", "value": info_text, "display_key": "coupon_info", "display_value": info_text}],
    }


def tax_line_json(item_id: int, rate: TaxRate, tax: Decimal, shipping_tax: Decimal) -> dict[str, Any]:
    return {
        "id": item_id,
        "rate_code": rate.code,
        "rate_id": rate.id,
        "label": rate.name,
        "compound": rate.compound,
        "tax_total": money(tax),
        "shipping_tax_total": money(shipping_tax),
        "rate_percent": number(rate.rate),
        "meta_data": [],
    }
