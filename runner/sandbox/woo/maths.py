"""WooCommerce's money maths in Decimal: PHP's rounding modes, tax from inclusive and
exclusive prices (WC_Tax), rate lookup by location, and the coupon engine (WC_Discounts).

Amounts for line items are in cents, as WC_Cart_Totals works in cents; `calc_tax` rounds
to 6 decimals of whatever unit it is given (WC_Tax::round), exactly like WooCommerce.
PHP float artefacts (e.g. 4840/3*3 != 4840) are not reproduced: Decimal is exact."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal

from runner.sandbox.woo.carts import Coupon, Store, TaxRate

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")
RAW = Decimal("0.000001")  # WC_ROUNDING_PRECISION: 6 decimals, as stored and as WC_Tax rounds
HUNDRED = Decimal("100")

Taxes = dict[int, Decimal]  # rate id -> amount, in the order WooCommerce keeps them


def round_half_up(value: Decimal, exp: Decimal = CENT) -> Decimal:
    """PHP round(): halves go away from zero."""
    return value.quantize(exp, rounding=ROUND_HALF_UP)


def round_half_down(value: Decimal, exp: Decimal = CENT) -> Decimal:
    """PHP_ROUND_HALF_DOWN: halves go toward zero (discounts, and tax when prices include it)."""
    return value.quantize(exp, rounding=ROUND_HALF_DOWN)


def tax_round(value: Decimal, prices_include_tax: bool) -> Decimal:
    """wc_round_tax_total: 2 decimals, half-down when the shop's prices include tax."""
    return value.quantize(CENT, rounding=ROUND_HALF_DOWN if prices_include_tax else ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """A money field as the REST API formats it (wc_format_decimal with dp=2, half-up)."""
    rounded = round_half_up(value)
    return "0.00" if not rounded else format(rounded, "f")


def raw(value: Decimal) -> str:
    """A stored unrounded amount as the API shows it: 6 decimals, trailing zeros trimmed."""
    text = format(value.quantize(RAW, rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: Decimal) -> int | float:
    """A JSON number at the output edge: an int when whole, as PHP's json_encode shows it."""
    return int(value) if value == value.to_integral_value() else float(value)


def php_price(stored_total: str, quantity: int) -> int | float:
    """Line `price` = stored total / quantity with PHP semantics: int when both are ints and
    the division is exact, a float otherwise (so 10.333333333333334 can appear)."""
    if quantity == 0:
        return 0
    if "." not in stored_total and int(stored_total) % quantity == 0:
        return int(stored_total) // quantity
    return float(stored_total) / quantity


def calc_tax(price: Decimal, rates: Sequence[TaxRate], inclusive: bool) -> Taxes:
    """WC_Tax::calc_tax for non-compound rates: the tax in `price` (inclusive) or on it."""
    if not rates:
        return {}
    if inclusive:
        total_rate = HUNDRED + sum((r.rate for r in rates), ZERO)
        return {r.id: round_half_up(price * r.rate / total_rate, RAW) for r in rates}
    return {r.id: round_half_up(price * r.rate / HUNDRED, RAW) for r in rates}


def merge(target: Taxes, extra: Mapping[int, Decimal]) -> Taxes:
    """wc_array_merge_recursive_numeric: add per rate id, keeping first-seen order."""
    for rate_id, amount in extra.items():
        target[rate_id] = target.get(rate_id, ZERO) + amount
    return target


_RATE_CACHE: dict[int, tuple[Store, dict[tuple[str, str, bool], tuple[TaxRate, ...]]]] = {}


def find_rates(store: Store, country: str, tax_class: str, shipping: bool = False) -> tuple[TaxRate, ...]:
    """WC_Tax::find_rates: rates of one class for a country (or for every country), one per
    priority, the most specific first. Memoised per store: it sits on the hot path."""
    cached = _RATE_CACHE.get(id(store))
    if cached is None or cached[0] is not store:
        cached = _RATE_CACHE[id(store)] = (store, {})
    key = (country, tax_class, shipping)
    if key not in cached[1]:
        cached[1][key] = _find_rates(store, country, tax_class, shipping)
    return cached[1][key]


def _find_rates(store: Store, country: str, tax_class: str, shipping: bool) -> tuple[TaxRate, ...]:
    if not country:
        return ()
    slug = tax_class or "standard"
    found = sorted(
        (r for r in store.rates if r.tax_class == slug and r.country in (country.upper(), "")),
        key=lambda r: (r.priority, r.country == "", r.country, r.id),
    )
    chosen: list[TaxRate] = []
    for rate in found:
        if rate.priority not in {c.priority for c in chosen}:
            chosen.append(rate)
    return tuple(r for r in chosen if r.shipping or not shipping)


def shipping_rates(store: Store, country: str, item_classes: Iterable[str], tax_class: str) -> tuple[TaxRate, ...]:
    """WC_Tax::get_shipping_tax_rates: an explicit class, or ("inherit") the first class
    present among the taxable items in slug order, standard first; standard as a fallback."""
    classes = set(item_classes)
    if tax_class == "inherit":
        if not classes:
            return ()
        order = [""] + [slug for slug, _ in store.tax_classes if slug != "standard"]
        tax_class = next((c for c in order if c in classes), next(iter(classes)))
    return find_rates(store, country, tax_class, shipping=True) or find_rates(store, country, "", shipping=True)


_COUPON_RANK = {"fixed_product": 1, "percent": 2, "fixed_cart": 3}


def allocate_discounts(
    prices: Sequence[Decimal], quantities: Sequence[int], products: Sequence[tuple[int, int]], coupons: Sequence[Coupon]
) -> dict[str, list[Decimal]]:
    """WC_Discounts: each coupon's discount per cart line, in cents. `prices` are line prices
    in cents (incl. VAT when the shop's prices include it); `products` (product, variation)."""
    if len({c.code.lower() for c in coupons}) != len(coupons):
        raise ValueError("a coupon code can be applied only once")
    order = sorted(range(len(prices)), key=lambda i: prices[i] * quantities[i], reverse=True)
    discounts: dict[str, list[Decimal]] = {}

    def left(i: int) -> Decimal:
        given = sum((d[i] for d in discounts.values()), ZERO)
        return abs(round_half_up(prices[i] - given, ONE))

    def remainder(code: str, items: list[int], amount: Decimal) -> Decimal:
        total = ZERO
        for i in items:
            for _ in range(quantities[i]):
                step = min(left(i), ONE)
                total += step
                discounts[code][i] += step
                if total >= amount:
                    return total
        return total

    def fixed_product(code: str, items: list[int], amount: Decimal) -> Decimal:
        total = ZERO
        for i in items:
            step = min(left(i), amount * quantities[i])
            total += step
            discounts[code][i] += step
        return total

    ranked = sorted(coupons, key=lambda c: (_COUPON_RANK.get(c.discount_type, 0), c.amount, -c.id))
    for coupon in ranked:
        code = coupon.code.lower()
        discounts[code] = [ZERO] * len(prices)
        items = [i for i in order if left(i) != 0 and quantities[i] > 0 and _applies(coupon, products[i])]
        if coupon.discount_type == "percent":
            cart_total = total = ZERO
            for i in items:
                base = round_half_up(prices[i], ONE)
                step = round_half_down(min(left(i), (base * coupon.amount / HUNDRED).quantize(ONE, ROUND_FLOOR)), ONE)
                cart_total += base
                total += step
                discounts[code][i] += step
            whole = round_half_down(cart_total * coupon.amount / HUNDRED, ONE)
            if total < whole:
                remainder(code, items, whole - total)
        elif coupon.discount_type == "fixed_product":
            fixed_product(code, items, coupon.amount * HUNDRED)
        elif coupon.discount_type == "fixed_cart":
            amount = coupon.amount * HUNDRED
            while amount > 0:  # WC recurses until the amount is used up or nothing is left
                items = [i for i in items if left(i) > 0]
                count = sum(quantities[i] for i in items)
                if not count:
                    break
                per_item = (amount / count).quantize(ONE, ROUND_DOWN)
                if per_item > 0:
                    given = fixed_product(code, items, per_item)
                    amount = amount - given if 0 < given < amount else ZERO
                else:
                    remainder(code, items, amount)
                    amount = ZERO
        else:
            raise ValueError(f"unknown coupon type {coupon.discount_type!r}")
    return discounts


def _applies(coupon: Coupon, product: tuple[int, int]) -> bool:
    """Product restrictions bind percent and fixed_product coupons; fixed_cart is cart-wide."""
    if coupon.discount_type == "fixed_cart" or not coupon.product_ids:
        return True
    return product[0] in coupon.product_ids or product[1] in coupon.product_ids
