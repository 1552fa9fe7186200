"""The lines of a booking as WooCommerce sees them ("facts"), split per tax rate, with
VAT made to agree with the order's tax_lines. Pure functions; no templates, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from runner.domain.cart_discount import cart_costs, fee_split, taxed_split
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
