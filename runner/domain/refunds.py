"""What a refund may be credited as: none beyond what was sold, a refund line without taxes
taken at the rate of the line it refunds (DESIGN.md section 5, issue 11), and a refund of
all that is left credited as the mirror of the sale (issue 22 #3 and the review's point a)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from runner.domain.lines import Fact
from runner.domain.model import Item, Order, Refund, TaxShare
from runner.domain.money import ZERO, cents

HUNDRED = Decimal(100)


def taxed_as_sold(order: Order, refund: Refund) -> tuple[list[Item], list[str]]:
    """A refund's product lines, where one without taxes (the admin typed only a line total)
    is taken as an amount including VAT at the rate of the line it refunds, the VAT split out;
    with a warning for each, since WooCommerce itself put no VAT on it."""
    sold = {item.id: item for item in order.items}
    refunded_from = {line.id: line.refunded_item for line in refund.items}
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


def fitting(order: Order, earlier: Sequence[Refund]) -> list[Refund]:
    """The refunds before this one that can be credited, oldest first: one that gave back
    more than was left is failed on its own (issue 22 #2) and takes nothing from the rest."""
    kept: list[Refund] = []
    for refund in earlier:
        if not _exceeds(order, refund, kept):
            kept.append(refund)
    return kept


def beyond_the_sale(order: Order, refund: Refund, earlier: Sequence[Refund]) -> str:
    """Why a refund cannot be credited: with the refunds before it that fit, it gives back
    more than the order's total, or more of a line than was sold. Empty when it is fine."""
    return _exceeds(order, refund, fitting(order, earlier))


def _exceeds(order: Order, refund: Refund, before: Sequence[Refund]) -> str:
    given = sum((r.amount for r in before), ZERO) + refund.amount
    if given > order.total:
        left = order.total - (given - refund.amount)
        after = f" after refund(s) {', '.join(str(r.id) for r in before)}" if before else ""
        return (
            f"refund {refund.id} of order {order.number}: the refunds add up to {given}, more than the order's total {order.total}; "
            f"{left} was left to refund{after}, and this refund is {refund.amount}"
        )
    sold = {item.id: item.quantity for item in order.items}
    back: dict[int, Decimal] = {}
    for r in (*before, refund):
        for line in r.items:
            back[line.refunded_item] = back.get(line.refunded_item, ZERO) - line.quantity
    for item_id, quantity in back.items():
        if item_id in sold and quantity > sold[item_id]:
            return f"refund {refund.id} of order {order.number}: {quantity} of line {item_id} refunded, but {sold[item_id]} were sold"
    return ""


def whole_order(order: Order, refund: Refund, earlier: Sequence[Refund]) -> bool:
    """The refund gives back the whole order at once (issue 22 #3): nothing credited before,
    its amount the order's total, and every product line refunded in its full quantity and
    every fee and shipping line refunded. Its credit is then the sale's lines negated, so
    the cents a shop that rounds at subtotal put on revenue in the sale come back off the
    same lines, instead of a rounding line beside lines rounded one by one."""
    if fitting(order, earlier) or not order.total or refund.amount != order.total:
        return False
    back: dict[int, Decimal] = {}
    for line in (*refund.items, *refund.charges):  # a fee or shipping line counts by being there: it has no quantity
        back[line.refunded_item] = back.get(line.refunded_item, ZERO) - (line.quantity if isinstance(line, Item) else ZERO)
    if any(back.get(item.id) != item.quantity for item in order.items if item.quantity):
        return False
    return all(charge.id in back for charge in order.charges if charge.total or charge.total_tax)


def amount_only(refund: Refund) -> bool:
    """A refund typed as an amount alone (WooCommerce's refund screen, no line filled in)."""
    return refund.amount > 0 and not any(item.total or item.quantity for item in refund.items) and not any(c.total for c in refund.charges)


def rest_of_order(order: Order, refund: Refund, earlier: Sequence[Refund]) -> bool:
    """An amount-only refund of exactly what the refunds before it that fit left of the order."""
    left = order.total - sum((r.amount for r in fitting(order, earlier)), ZERO)
    return amount_only(refund) and refund.amount == left


Facts = tuple[list[Fact], list[str]]


def credit_facts(
    order: Order, refund: Refund, earlier: Sequence[Refund], sale: Callable[[Order], Facts], own: Callable[[Order, Refund], Facts]
) -> Facts:
    """A credit's facts. A refund of the whole order (`whole_order`) or, by amount alone, of
    all that is left (`rest_of_order`) is the mirror of the sale: every line of the sale
    negated, on its own GL account and VAT code, net and VAT to the cent as the sale booked
    them, less what the credits before it gave back, so that after it every account and code
    of the order stands at zero. Any other refund is its own lines (`own`), an amount its
    lines do not explain spread over the order's rates."""
    if not whole_order(order, refund, earlier) and not rest_of_order(order, refund, earlier):
        return own(order, refund)
    sold, warnings = sale(order)
    credited = []
    for before in fitting(order, earlier):
        credited += credit_facts(order, before, list(earlier)[: list(earlier).index(before)], sale, own)[0]
    return _rest_negated(sold, credited), warnings


def _rest_negated(sold: list[Fact], credited: list[Fact]) -> list[Fact]:
    """What the sale booked less what was credited, per line (its kind, name, rate, product),
    negated; a line nothing was credited from keeps the sale's quantity (negated, a product),
    one partly credited before is one unit."""
    left: dict[Fact, list] = {}
    for fact, sign in [(f, 1) for f in sold] + [(f, 0) for f in credited]:
        key = replace(fact, quantity=ZERO, net=ZERO, tax=ZERO)
        entry = left.setdefault(key, [fact, ZERO, ZERO, bool(sign)])
        entry[1], entry[2] = entry[1] + fact.net, entry[2] + fact.tax
        entry[3] = entry[3] and bool(sign)
    out = []
    for first, net, tax, untouched in left.values():
        if net or tax or untouched:  # a zero line of the sale (a 100 % coupon) is mirrored too
            quantity = (-first.quantity if first.kind == "product" else first.quantity) if untouched else Decimal(1)
            out.append(replace(first, net=-net, tax=-tax, quantity=quantity))
    return out
