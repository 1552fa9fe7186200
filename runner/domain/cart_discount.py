"""A cart discount (a negative fee) spread over the VAT rates of the cart as WooCommerce spread
it: its own proportions of the class costs (`fee_split`), or, as the reading of last resort,
the taxed cost per rate (`taxed_split`). Pure; used by the charges' lines (runner/domain/lines.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from runner.domain.model import Charge, Item, Rate
from runner.domain.money import ZERO, cents

HUNDRED = Decimal(100)


def cart_costs(items: Iterable[Item], charges: Iterable[Charge]) -> dict[int | None, Decimal]:
    """What the cart cost per tax rate before a cart discount: items after coupons, shipping
    and positive fees, each by its rate; a line without taxes under None (non-taxable).
    Used by `taxed_split`, the reading of last resort."""
    costs: dict[int | None, Decimal] = {}
    for amount, shares in [(i.total, i.taxes) for i in items] + [(c.total, c.taxes) for c in charges]:
        if amount <= 0:
            continue
        key = shares[0].rate_id if len(shares) == 1 else None if not shares else -1
        costs[key] = costs.get(key, ZERO) + amount
    return costs


Split = list[tuple[Rate | None, Decimal, Decimal]]
# a stored fee tax against its prediction: half a cent (and a little) when stored in cents, else
# what 6 decimals and an item total rounded to cents can move it
FITS_CENTS, FITS_RAW = Decimal("0.006"), Decimal("0.0001")


def weighed_total(item: Item, inclusive: bool) -> Decimal:
    """An item's total after coupons as WooCommerce weighed it, unrounded: with prices
    including VAT the price paid is in cents and the net is that minus the unrounded taxes
    (WC_Cart_Totals::calculate_item_totals); the order shows the net rounded to cents."""
    if not inclusive or not item.taxes:
        return item.total
    taxes = sum((s.total for s in item.taxes), ZERO)
    return cents(item.total + taxes) - taxes


def fee_split(fee: Charge, items: Sequence[Item], charges: Sequence[Charge], rates: Mapping[int, Rate], inclusive: bool = False) -> Split | None:
    """A cart discount's (negative fee's) net and tax per rate in WooCommerce's own
    proportions (issue 22 #1). WC_Cart_Totals::get_fees_from_cart taxes a negative fee per
    tax class on `fee total x class cost / total cost`, the class costs from
    get_tax_class_costs(): every item after coupons, every shipping line and every fee
    calculated before this one, each by its tax class, lines below zero left out, the
    non-taxable ones counted under `non-taxable` (in the total, untaxed), and shipping whose
    class is `inherit` under the class of the cart's first item (`reset( $item_tax_classes )`).
    The net of a rate is that share: rounded to cents, the remainder on the largest share.
    The VAT stays the fee's stored taxes. Dividing a stored tax by its rate instead amplifies
    a tax rounded to cents by 1/rate (3 cents at 9 %).

    The order does not say the shop's shipping tax class: shipping is weighed under the first
    item's class (`inherit`, the default) or under the rates it was taxed at (a fixed class),
    whichever predicts the fee's stored taxes (inherit first); None when neither does (a plugin set the
    fee's taxes its own way: `taxed_split` then reads them) or a class carries two taxes."""
    key_of = lambda shares: tuple(s.rate_id for s in shares)  # noqa: E731 - the rates of a tax class, as a line shows them
    fees = [c for c in charges if c.kind == "fee"]
    classes: dict[str, tuple[int, ...]] = {}  # the rates of a tax class, as its taxed lines show them
    for line in [*items, *(c for c in fees if c.total > 0)]:
        if line.taxes:
            classes.setdefault(line.tax_class, key_of(line.taxes))
    earlier = fees[: next((n for n, c in enumerate(fees) if c is fee), len(fees))]
    fixed = [(key_of(i.taxes), weighed_total(i, inclusive)) for i in items] + [(key_of(c.taxes), c.total) for c in earlier]
    shipping = [c for c in charges if c.kind == "shipping"]
    stored = {s.rate_id: s.total for s in fee.taxes}
    first = classes.get(items[0].tax_class) if items else None
    # inherit: under the first item's class; when no taxed line shows its rates, one the fee was
    # taxed at, those that no other line explains first
    explained = {rate_id for key, cost in fixed if cost > 0 for rate_id in key}
    inherited = [first] if first is not None else [(r,) for r in sorted(stored, key=lambda r: r in explained)]
    readings = [fixed + [(key, s.total) for s in shipping] for key in inherited]
    readings.append(fixed + [(key_of(s.taxes), s.total) for s in shipping])  # a fixed shipping class: its own rates
    fits = FITS_CENTS if all(tax == cents(tax) for tax in stored.values()) else FITS_RAW
    chosen: dict[tuple[int, ...], Decimal] | None = None
    for parts in readings:
        costs: dict[tuple[int, ...], Decimal] = {}
        for key, cost in parts:
            if cost >= 0:  # get_tax_class_costs: `if ( 0 > $item->total ) continue;`
                costs[key] = costs.get(key, ZERO) + cost
        whole = sum(costs.values(), ZERO)
        if not whole or any(len(key) > 1 or any(r not in rates for r in key) for key, cost in costs.items() if cost):
            continue
        predicted: dict[int, Decimal] = {}
        for key, cost in costs.items():
            for rate_id in key:
                predicted[rate_id] = predicted.get(rate_id, ZERO) + fee.total * cost / whole * rates[rate_id].percent / HUNDRED
        weighed = {rate_id for key, cost in costs.items() if cost for rate_id in key}
        close = all(abs(predicted.get(r, ZERO) - stored.get(r, ZERO)) <= fits for r in {*predicted, *stored})
        if close and set(stored) <= weighed | {r for r in stored if not stored[r] and r not in predicted}:  # every rate it was taxed at weighed
            chosen = costs  # the first that fits: inherit, WooCommerce's default, when the taxes cannot tell
            break
    if chosen is None:
        return None
    costs = chosen
    whole = sum(costs.values(), ZERO)
    raw = {key: fee.total * cost / whole for key, cost in costs.items() if cost}
    nets = {key: cents(value) for key, value in raw.items()}
    if nets:
        largest = max(nets, key=lambda key: abs(raw[key]))
        nets[largest] += fee.total - sum(nets.values(), ZERO)
    taxes = {key: cents(stored.get(key[0], ZERO)) if key else ZERO for key in nets}
    taxed = [key for key in taxes if key and rates[key[0]].percent]
    if gap := fee.total_tax - sum(taxes.values(), ZERO):
        if not taxed:
            return None
        taxes[max(taxed, key=lambda key: abs(taxes[key]))] += gap  # the stored taxes are unrounded; the fee's total_tax is what was charged
    return [(rates[key[0]] if key else None, nets[key], taxes[key]) for key in nets if nets[key] or taxes[key]]


def taxed_split(fee: Charge, costs: Mapping[int | None, Decimal], rates: Mapping[int, Rate]) -> Split | None:
    """The reading of last resort for a cart discount whose stored taxes do not follow
    WooCommerce's proportions (see `fee_split`): the untaxed share from the costs, the rest
    over the taxed rates in the proportion their stored taxes give, so the nets add up to
    the fee and no line lands on a rate the fee was not taxed at. None when the order does
    not fit that reading either (then `split` decides)."""
    whole = sum(costs.values(), ZERO)
    taxes = {s.rate_id: s.total for s in fee.taxes if s.total}
    if not whole or -1 in costs or any(rate_id not in rates or not rates[rate_id].percent for rate_id in taxes):
        return None
    untaxed = {key: cost for key, cost in costs.items() if key is None or (key in rates and not rates[key].percent)}
    parts = [[key, cents(fee.total * cost / whole), ZERO] for key, cost in untaxed.items()]
    rest = fee.total - sum((p[1] for p in parts), ZERO)
    bases = {rate_id: tax * HUNDRED / rates[rate_id].percent for rate_id, tax in taxes.items()}
    if bases:
        total_base = sum(bases.values(), ZERO)
        taxed = [[rate_id, cents(rest * base / total_base), cents(taxes[rate_id])] for rate_id, base in bases.items()]
        max(taxed, key=lambda p: abs(p[1]))[1] += rest - sum((p[1] for p in taxed), ZERO)
        max(taxed, key=lambda p: abs(p[2]))[2] += fee.total_tax - sum((p[2] for p in taxed), ZERO)  # stored unrounded
        parts += taxed
    elif parts:
        max(parts, key=lambda p: abs(p[1]))[1] += rest
    else:
        return None
    return [(rates.get(key) if key is not None else None, net, tax) for key, net, tax in parts if net or tax]
