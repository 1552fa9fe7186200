"""What a refund may be credited as: none beyond what was sold, and a refund line without
taxes taken at the rate of the line it refunds (DESIGN.md section 5, issue 11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from runner.core.model import Item, Order, Refund, TaxShare
from runner.core.money import ZERO, cents

HUNDRED = Decimal(100)


def refunded_item(line: dict) -> int:
    """The order item a refund line refunds (WooCommerce keeps it in `_refunded_item_id`); 0 if none."""
    meta = {m.get("key"): m.get("value") for m in line.get("meta_data") or [] if isinstance(m, dict)}
    return int(meta.get("_refunded_item_id") or 0)


def taxed_as_sold(order: Order, refund: Refund) -> tuple[list[Item], list[str]]:
    """A refund's product lines, where one without taxes (the admin typed only a line total)
    is taken as an amount including VAT at the rate of the line it refunds, the VAT split out;
    with a warning for each, since WooCommerce itself put no VAT on it."""
    sold = {item.id: item for item in order.items}
    refunded_from = {int(line.get("id") or 0): refunded_item(line) for line in refund.raw.get("line_items") or []}
    items, warnings = [], []
    for item in refund.items:
        original = sold.get(refunded_from.get(item.id, 0))
        shares = [t for t in original.taxes if t.total] if original else []
        if item.total and not item.total_tax and not any(t.total for t in item.taxes) and len(shares) == 1:
            rate = order.rates.get(shares[0].rate_id)
            if rate and rate.percent:
                net = cents(item.total * HUNDRED / (HUNDRED + rate.percent))
                share = TaxShare(rate.id, item.total - net, item.total - net)
                item = replace(item, total=net, subtotal=net, total_tax=item.total - net, subtotal_tax=item.total - net, taxes=(share,))
                warnings.append(
                    f"refund {refund.id}: '{item.name}' was refunded without VAT in WooCommerce; booked as {item.total + item.total_tax} "
                    f"including {rate.percent.normalize():f}% VAT, the rate it was sold at"
                )
        items.append(item)
    return items, warnings


def beyond_the_sale(order: Order, refund: Refund, earlier: Sequence[Refund]) -> str:
    """Why a refund cannot be credited: with the refunds before it, it gives back more than
    the order's total, or more of a line than was sold. Empty when it is fine."""
    given = sum((r.amount for r in earlier), ZERO) + refund.amount
    if given > order.total:
        return f"refund {refund.id} of order {order.number}: the refunds add up to {given}, more than the order's total {order.total}"
    sold = {item.id: item.quantity for item in order.items}
    back: dict[int, Decimal] = {}
    for r in (*earlier, refund):
        for line in r.raw.get("line_items") or []:
            refunded = refunded_item(line)
            back[refunded] = back.get(refunded, ZERO) - Decimal(str(line.get("quantity") or 0))
    for item_id, quantity in back.items():
        if item_id in sold and quantity > sold[item_id]:
            return f"refund {refund.id} of order {order.number}: {quantity} of line {item_id} refunded, but {sold[item_id]} were sold"
    return ""
