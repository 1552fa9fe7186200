"""The lines of a booking as WooCommerce sees them ("facts"), split per tax rate, with
VAT made to agree with the order's tax_lines. Pure functions; no templates, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from runner.domain.model import Charge, Item, Rate, TaxShare
from runner.domain.money import CENT, ZERO, cents
from runner.errors import BookingError

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Fact:
    """One accounting line as the shop sees it, at one tax rate (None: untaxed)."""

    kind: str  # product, shipping, fee, discount, rounding
    name: str
    quantity: Decimal
    net: Decimal
    tax: Decimal
    rate: Rate | None
    sku: str = ""
    product_id: int = 0
    variation_id: int = 0
    tax_class: str = ""
    categories: tuple[str, ...] = ()
    coupons: tuple[str, ...] = ()

    @property
    def percent(self) -> Decimal:
        return self.rate.percent if self.rate else ZERO


def split(
    net: Decimal, tax: Decimal, shares: Sequence[TaxShare], rates: Mapping[int, Rate], use_subtotal: bool = False
) -> list[tuple[Rate | None, Decimal, Decimal]]:
    """A line's (net, tax) per rate. Several rates are either stacked on the whole amount
    (one combined rate, as two taxes of one class in some countries) or a split of the
    amount over classes, as WooCommerce does for fees and shipping: whichever the bases
    derived from the taxes fit better."""
    for share in shares:
        if share.rate_id not in rates:
            raise BookingError(
                f"a line is taxed at rate id {share.rate_id}, which the order's tax_lines do not list", "check the order's taxes in WooCommerce"
            )
    amounts = [(rates[s.rate_id], s.subtotal if use_subtotal else s.total) for s in shares]
    if not amounts:
        return [(None, net, tax)]
    if len(amounts) == 1:
        return [(amounts[0][0], net, tax)]
    taxed = [(rate, amount, cents(amount * HUNDRED / rate.percent)) for rate, amount in amounts if rate.percent]
    bases = sum((base for _, _, base in taxed), ZERO)
    if len(taxed) > 1 and abs(bases - len(taxed) * net) < abs(bases - net):
        combined = Rate(
            -1, sum((r.percent for r, _, _ in taxed), ZERO), "+".join(r.code for r, _, _ in taxed), "+".join(r.label for r, _, _ in taxed)
        )
        return [(combined, net, tax)]
    parts = [[rate, base, cents(amount)] for rate, amount, base in taxed]
    remainder = net - sum((p[1] for p in parts), ZERO)
    zero_rates = [rate for rate, _ in amounts if not rate.percent]
    if parts and abs(remainder) <= CENT * len(parts) and not zero_rates:
        max(parts, key=lambda p: abs(p[1]))[1] += remainder
    elif remainder:
        parts.append([zero_rates[0] if zero_rates else None, remainder, ZERO])
    tax_gap = tax - sum((p[2] for p in parts), ZERO)
    if tax_gap and parts:
        max(parts, key=lambda p: abs(p[2]))[2] += tax_gap
    return [(rate, part_net, part_tax) for rate, part_net, part_tax in parts]


def item_facts(order_items, rates: Mapping[int, Rate], coupons: tuple[str, ...], discounts: str) -> list[Fact]:
    """Product lines; with `separate` discounts, at their pre-coupon amounts plus one
    discount line per rate, else after discount."""
    facts: list[Fact] = []
    discount: dict[Rate | None, list[Decimal]] = {}
    for item in order_items:
        after = split(item.total, item.total_tax, item.taxes, rates)
        common = dict(sku=item.sku, product_id=item.product_id, variation_id=item.variation_id, tax_class=item.tax_class, categories=item.categories)
        if discounts == "separate":
            before = split(item.subtotal, item.subtotal_tax, item.taxes, rates, use_subtotal=True)
            for (rate, net, tax), (_, net_after, tax_after) in zip(before, after):
                facts.append(Fact("product", item.name, item.quantity, net, tax, rate, **common))
                acc = discount.setdefault(rate, [ZERO, ZERO])
                acc[0] += net_after - net
                acc[1] += tax_after - tax
        else:
            used = coupons if item.subtotal != item.total else ()
            facts.extend(Fact("product", item.name, item.quantity, net, tax, rate, coupons=used, **common) for rate, net, tax in after)
    for rate, (net, tax) in discount.items():
        if net or tax:
            label = f"Discount {', '.join(coupons)}".strip() if coupons else "Discount"
            facts.append(Fact("discount", label, Decimal(1), net, tax, rate, coupons=coupons))
    return facts


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


def charge_facts(
    charges: Sequence[Charge], rates: Mapping[int, Rate], refunded: bool = False, items: Sequence[Item] | None = None, inclusive: bool = False
) -> list[Fact]:
    """Shipping and fees, split per rate; a negative fee (cart discount) is a discount. In a
    refund the signs turn: a refunded fee is negative and still a fee, a refunded cart
    discount positive and still a discount. Zero charges (free shipping) are left out; zero
    product lines stay, so a 100 % coupon order still shows in the books."""
    facts = []
    for charge in charges:
        if not charge.total and not charge.total_tax:
            continue  # free shipping: nothing to book
        discount = charge.total > 0 if refunded else charge.total < 0
        kind = "discount" if charge.kind == "fee" and discount else charge.kind
        parts = None
        if kind == "discount" and items is not None and not refunded:  # a cart discount of a sale: spread as WooCommerce spread it
            parts = fee_split(charge, items, charges, rates, inclusive) or taxed_split(charge, cart_costs(items, charges), rates)
        for rate, net, tax in parts or split(charge.total, charge.total_tax, charge.taxes, rates):
            facts.append(Fact(kind, charge.name, Decimal(1), net, tax, rate, tax_class=charge.tax_class))
    return facts


def cents_to_revenue(facts: list[Fact], expected: Decimal, explained: Decimal) -> list[Fact]:
    """A shop that rounds tax at subtotal level rounds the order's total tax once, and each
    rate's tax line on its own: the two differ by a cent or so (`explained`: the order's
    total_tax minus its tax lines). The VAT per rate is WooCommerce's tax line and the total
    what the customer paid, so exactly that difference belongs to the revenue of a rate (the
    largest product line of the taxed rates), not on a rounding line."""
    gap = expected - sum((f.net + f.tax for f in facts), ZERO)
    taxed = [i for i, f in enumerate(facts) if f.rate and f.rate.percent]
    if not gap or gap != explained or not taxed:
        return facts
    revenue = [i for i in taxed if facts[i].kind == "product"] or taxed
    largest = max(revenue, key=lambda i: abs(facts[i].net))
    facts = list(facts)
    facts[largest] = replace(facts[largest], net=facts[largest].net + gap)
    return facts


def agree_vat(facts: list[Fact], targets: Mapping[int, Decimal], keep_gross: bool = False) -> tuple[list[Fact], list[str]]:
    """Make the VAT per rate equal the order's tax_lines: per-line rounding may differ from
    WooCommerce's (a shop that rounds at subtotal level rounds the rate's total, not each
    line), and the difference goes onto the largest product line of that rate (a shop that
    rounds at subtotal rounds the goods' tax once; shipping's tax is rounded on its own, so
    the cent is the goods', whichever line is largest), else its largest line. With prices including
    VAT (`keep_gross`) what the customer paid for a product stays, so the cents move from the
    VAT to its revenue; a fee, shipping or cart discount is net in WooCommerce either way."""
    facts, warnings = list(facts), []
    for rate_id, target in targets.items():
        members = [i for i, f in enumerate(facts) if f.rate and f.rate.id == rate_id]
        gap = target - sum((facts[i].tax for i in members), ZERO)
        if not gap or not members:
            continue
        if abs(gap) <= CENT * len(members):
            revenue = [i for i in members if facts[i].kind == "product"] or members  # the cent is the goods', not shipping's (issue 22 #4)
            largest = max(revenue, key=lambda i: abs(facts[i].net))
            fact = facts[largest]
            facts[largest] = replace(fact, tax=fact.tax + gap, net=fact.net - gap if keep_gross and fact.kind == "product" else fact.net)
        else:
            pct = facts[members[0]].percent
            warnings.append(f"VAT at {pct.normalize():f}% is {target - gap} on the lines but {target} in the order's tax_lines")
    return facts, warnings


def amount_spread(gross: Decimal, basis: Sequence[Fact], name: str) -> list[Fact]:
    """Spread an amount over the rates of `basis` in proportion to their gross amounts,
    to the cent (largest remainder), for refunds that name no lines."""
    weights: dict[Rate | None, Decimal] = {}
    for fact in basis:
        weights[fact.rate] = weights.get(fact.rate, ZERO) + fact.net + fact.tax
    weights = {rate: w for rate, w in weights.items() if w > 0}  # a rate the discounts ate up takes no share
    total = sum(weights.values(), ZERO)
    if not gross:
        return []
    if not total:
        raise BookingError(f"cannot spread {gross} over an order whose lines total zero", "book this refund by hand in Exact")
    raw = {rate: gross * w / total for rate, w in weights.items() if w}
    shares = {rate: cents(v) for rate, v in raw.items()}
    gap = gross - sum(shares.values(), ZERO)
    if gap:
        key = max(raw, key=lambda r: abs(raw[r] - shares[r]) if (raw[r] - shares[r]) * gap > 0 else -1)
        shares[key] += gap
    facts = []
    for rate, share in shares.items():
        pct = rate.percent if rate else ZERO
        net = cents(share * HUNDRED / (HUNDRED + pct))
        facts.append(Fact("product", name, Decimal(1), net, share - net, rate))
    return facts


def local_date(text: str, timezone: str) -> date:
    """A calendar date in the shop's time zone. Shop dates carry no offset and are local
    already; a value with an offset is converted, never the other way round."""
    value = (text or "").strip()
    if not value:
        raise BookingError("the entry date template gave an empty date", "check orders.entry_date")
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BookingError(f"'{value}' is not a date", "orders.entry_date must give YYYY-MM-DD or an ISO date-time") from None
    return (moment.astimezone(ZoneInfo(timezone)) if moment.tzinfo else moment).date()
