"""The invariants of reference section 12 as checks over order and refund JSON, in the form
WooCommerce guarantees them for any order (the samples satisfy the stricter wording).

Where the API shows only rounded values, a check either works from the raw per-rate
`taxes[]` (which are shown) or allows the half cent per line that rounding can move:
- `discount_tax` is round(Σ raw subtotal taxes − Σ raw total taxes), not Σ of 2-dp lines;
- coupon lines may sum a cent per coupon away from the order's discount (inclusive prices);
- a line's tax is checked against its 2-dp total, within half a cent's worth when the net
  was derived from a VAT-inclusive price;
- a negative fee's taxes are checked against the class split of the lines' totals, assuming
  the shop's shipping tax class is `inherit` (shipping counts with the first line's class);
- with round-at-subtotal (pass `round_at_subtotal=True`) totals may move by half a cent per
  line, as WooCommerce's known one-cent mismatches do."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from runner.sandbox.woo.maths import HUNDRED, ZERO, money, round_half_up, tax_round

MONEY = re.compile(r"^-?\d+\.\d{2}$")
ORDER_MONEY = ("discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax", "total", "total_tax")
KIND_MONEY = {
    "line_items": ("subtotal", "subtotal_tax", "total", "total_tax"),
    "fee_lines": ("total", "total_tax"),
    "shipping_lines": ("total", "total_tax"),
    "tax_lines": ("tax_total", "shipping_tax_total"),
    "coupon_lines": ("discount", "discount_tax"),
}
DATES = ("date_created", "date_modified", "date_completed", "date_paid")
TINY = Decimal("0.000002")


def check_order(order: dict[str, Any], *, round_at_subtotal: bool = False, tz: str = "Europe/Amsterdam") -> list[str]:
    """Every broken invariant of one order, as readable lines; [] when the order is sound."""
    problems: list[str] = []
    fail = problems.append
    formats = [f"{f}={order.get(f)!r}" for f in ORDER_MONEY if not MONEY.match(str(order.get(f)))]
    formats += [
        f"{kind}[{n}].{f}={item.get(f)!r}"
        for kind, fields in KIND_MONEY.items()
        for n, item in enumerate(order[kind])
        for f in fields
        if not MONEY.match(str(item.get(f)))
    ]
    formats += [f"refunds[{n}].total={r['total']!r}" for n, r in enumerate(order["refunds"]) if not re.match(r"^-\d+\.\d{2}$", r["total"])]
    if formats:
        return [f"order {order.get('id')}: not a 2-decimal money string: {f}" for f in formats]

    d = lambda v: Decimal(str(v))  # noqa: E731 - local shorthand
    incl = order["prices_include_tax"]
    rtax = (lambda v: tax_round(v, incl)) if not round_at_subtotal else (lambda v: v)
    lines, fees, ships = order["line_items"], order["fee_lines"], order["shipping_lines"]
    slack = Decimal("0.005") * (len(lines) + len(fees) + 1) if round_at_subtotal else ZERO
    percent = {t["rate_id"]: d(t["rate_percent"]) for t in order["tax_lines"]}

    def near(a: Decimal, b: Decimal, tol: Decimal, what: str) -> None:
        if abs(a - b) > tol:
            fail(f"{what}: {a} but expected {b}" + (f" (±{tol})" if tol else ""))

    # Per item: total_tax (and subtotal_tax) from the raw per-rate taxes.
    for kind, items in (("line_items", lines), ("fee_lines", fees), ("shipping_lines", ships)):
        for item in items:
            where = f"{kind} {item['id']}"
            near(
                d(item["total_tax"]), d(money(sum((rtax(d(t["total"])) for t in item["taxes"]), ZERO))), ZERO, f"{where} total_tax vs Σ taxes[].total"
            )
            if kind == "line_items":
                near(
                    d(item["subtotal_tax"]),
                    d(money(sum((rtax(d(t["subtotal"])) for t in item["taxes"]), ZERO))),
                    ZERO,
                    f"{where} subtotal_tax vs Σ taxes[].subtotal",
                )
            for t in item["taxes"]:
                if t["id"] not in percent:
                    fail(f"{where}: tax rate {t['id']} has no tax line")
    if problems:
        return [f"order {order['id']}: {p}" for p in problems]

    # Each tax entry is the line's amount at its rate (see module docstring for tolerances).
    for line in lines:
        for t in line["taxes"]:
            tol = Decimal("0.005") * percent[t["id"]] / HUNDRED + TINY if incl else TINY
            for field, base in (("total", "total"), ("subtotal", "subtotal")):
                near(
                    d(t[field]),
                    d(line[base]) * percent[t["id"]] / HUNDRED,
                    tol,
                    f"line {line['id']} tax {t['id']} {field} vs {line[base]} at {percent[t['id']]}%",
                )
    for ship in ships:
        for t in ship["taxes"]:
            near(d(t["total"]), d(ship["total"]) * percent[t["id"]] / HUNDRED, TINY, f"shipping {ship['id']} tax {t['id']}")
    fee_values = [d(f["amount"]) if money(d(f["amount"])) == f["total"] else d(f["total"]) for f in fees]
    for n, (fee, value) in enumerate(zip(fees, fee_values)):
        expected = _fee_taxes(order, n, value, percent) if value < 0 else ({t["id"]: value * percent[t["id"]] / HUNDRED for t in fee["taxes"]})
        if expected is None:
            continue
        shown = {t["id"]: d(t["total"]) for t in fee["taxes"]}
        for rate_id in dict.fromkeys([*shown, *expected]):
            near(
                shown.get(rate_id, ZERO), expected.get(rate_id, ZERO), TINY if not incl else Decimal("0.01"), f"fee {fee['id']} tax at rate {rate_id}"
            )

    # Tax lines and order totals.
    cart_raw, ship_raw = _per_rate(lines + fees, rtax), _per_rate(ships, rtax)
    rate_ids = [t["rate_id"] for t in order["tax_lines"]]
    if len(set(rate_ids)) != len(rate_ids) or set(rate_ids) != set(cart_raw) | set(ship_raw):
        fail(f"tax lines {rate_ids} vs rates used {sorted(set(cart_raw) | set(ship_raw))}")
    for t in order["tax_lines"]:
        near(d(t["tax_total"]), d(money(cart_raw.get(t["rate_id"], ZERO))), ZERO, f"tax line {t['rate_id']} tax_total")
        near(d(t["shipping_tax_total"]), d(money(ship_raw.get(t["rate_id"], ZERO))), ZERO, f"tax line {t['rate_id']} shipping_tax_total")
    cart_tax, shipping_tax = d(order["cart_tax"]), d(order["shipping_tax"])
    near(cart_tax, d(money(sum(cart_raw.values(), ZERO))), ZERO, "cart_tax vs Σ line and fee taxes")
    near(shipping_tax, d(money(sum(ship_raw.values(), ZERO))), ZERO, "shipping_tax vs Σ shipping taxes")
    near(d(order["shipping_total"]), _sum(ships, "total"), ZERO, "shipping_total vs Σ shipping lines")
    near(d(order["total_tax"]), cart_tax + shipping_tax, Decimal("0.01") if round_at_subtotal else ZERO, "total_tax vs cart_tax + shipping_tax")
    if not round_at_subtotal:
        near(cart_tax, _sum(lines, "total_tax") + _sum(fees, "total_tax"), ZERO, "cart_tax vs Σ item total_tax")
        near(shipping_tax, _sum(ships, "total_tax"), ZERO, "shipping_tax vs Σ shipping total_tax")
    paid = _sum(lines, "total") + sum(fee_values, ZERO) + _sum(ships, "total") + cart_tax + shipping_tax
    near(d(order["total"]), max(ZERO, round_half_up(paid)), slack, "total vs Σ lines + fees + shipping + taxes")

    # Discounts: coupons come off the lines.
    discount = _sum(lines, "subtotal") - _sum(lines, "total")
    near(d(order["discount_total"]), discount, slack, "discount_total vs Σ(line subtotal − total)")
    raw_sub = sum((d(t["subtotal"]) for line in lines for t in line["taxes"]), ZERO)
    raw_tot = sum((d(t["total"]) for line in lines for t in line["taxes"]), ZERO)
    near(d(order["discount_tax"]), tax_round(raw_sub - raw_tot, incl), ZERO, "discount_tax vs raw line taxes")
    coupons = order["coupon_lines"]
    tol = ZERO if not incl and len(coupons) <= 1 else Decimal("0.01") * (len(coupons) + len(lines) * incl)
    if coupons:
        near(_sum(coupons, "discount"), d(order["discount_total"]), tol + slack, "Σ coupon discount vs discount_total")
        near(
            _sum(coupons, "discount_tax"),
            d(order["discount_tax"]),
            Decimal("0.01") * len(coupons) * (incl or len(coupons) > 1),
            "Σ coupon discount_tax vs discount_tax",
        )
    elif discount:
        fail(f"lines are discounted by {discount} without a coupon")
    for line in lines:
        near(
            Decimal(repr(line["price"])) * line["quantity"], d(line["total"]), Decimal("0.005") + TINY, f"line {line['id']} price × quantity vs total"
        )

    problems += _check_meta(order, tz)
    return [f"order {order['id']}: {p}" for p in problems]


def check_refund(order: dict[str, Any], refund: dict[str, Any], *, round_at_subtotal: bool = False) -> list[str]:
    """Every broken invariant of one refund of `order` (an itemized refund's amount is its
    items including VAT; items point at the order's items; tax lines sum the items)."""
    problems: list[str] = []
    d = lambda v: Decimal(str(v))  # noqa: E731
    rtax = (lambda v: tax_round(v, order["prices_include_tax"])) if not round_at_subtotal else (lambda v: v)
    kinds = ("line_items", "fee_lines", "shipping_lines")
    originals = {item["id"]: (kind, item) for kind in kinds for item in order[kind]}
    if not MONEY.match(refund["amount"]) or d(refund["amount"]) < 0:
        return [f"refund {refund['id']}: amount {refund['amount']!r} is not a positive money string"]
    items = [(kind, item) for kind in kinds for item in refund[kind]]
    if items:
        gross = sum((d(item["total"]) + d(item["total_tax"]) for _, item in items), ZERO)
        if -gross != d(refund["amount"]):
            problems.append(f"refund {refund['id']}: amount {refund['amount']} but items sum to {-gross}")
    for kind, item in items:
        ref = next((m["value"] for m in item["meta_data"] if m["key"] == "_refunded_item_id"), None)
        original = originals.get(int(ref)) if ref else None
        if original is None or original[0] != kind:
            problems.append(f"refund item {item['id']}: _refunded_item_id {ref!r} is no {kind} item of the order")
            continue
        if money(sum((rtax(d(t["total"])) for t in item["taxes"]), ZERO)) != item["total_tax"]:
            problems.append(f"refund item {item['id']}: total_tax {item['total_tax']} vs its taxes")
        if kind == "line_items" and item["quantity"]:
            if not -original[1]["quantity"] <= item["quantity"] < 0:
                problems.append(f"refund item {item['id']}: quantity {item['quantity']} of {original[1]['quantity']}")
            elif abs(Decimal(repr(item["price"])) - Decimal(repr(original[1]["price"]))) > Decimal("0.01"):
                problems.append(f"refund item {item['id']}: unit price {item['price']} vs {original[1]['price']}")
    for kind_items, field in ((("line_items", "fee_lines"), "tax_total"), (("shipping_lines",), "shipping_tax_total")):
        sums = _per_rate([i for k in kind_items for i in refund[k]], rtax)
        shown = {t["rate_id"]: d(t[field]) for t in refund["tax_lines"]}
        for rate_id in set(sums) | {r for r, v in shown.items() if v}:
            if d(money(sums.get(rate_id, ZERO))) != shown.get(rate_id):
                problems.append(f"refund {refund['id']} tax line {rate_id} {field} {shown.get(rate_id)} vs items")
    entry = {"id": refund["id"], "total": "-" + refund["amount"]}
    if not any(r["id"] == entry["id"] and r["total"] == entry["total"] for r in order["refunds"]):
        problems.append(f"order {order['id']}: refunds[] lacks {entry}")
    return problems


def _per_rate(items: Iterable[dict[str, Any]], rtax) -> dict[int, Decimal]:
    sums: dict[int, Decimal] = {}
    for item in items:
        for t in item["taxes"]:
            sums[t["id"]] = sums.get(t["id"], ZERO) + rtax(Decimal(t["total"]))
    return sums


def _sum(items: Iterable[dict[str, Any]], field: str) -> Decimal:
    return sum((Decimal(i[field]) for i in items), ZERO)


def _fee_taxes(order: dict[str, Any], index: int, value: Decimal, percent: dict[int, Decimal]) -> dict[int, Decimal] | None:
    """A negative fee's expected taxes: its total split over the rate groups of the lines,
    earlier positive fees and shipping, in proportion to their non-negative amounts (None
    when the order does not show enough to tell)."""
    if any(m["key"] == "is_vat_exempt" and m["value"] == "yes" for m in order["meta_data"]):
        return {}
    groups: dict[tuple[int, ...], Decimal] = {}
    lines = order["line_items"]
    class_keys = {i["tax_class"]: tuple(t["id"] for t in i["taxes"]) for i in reversed(lines) if i["taxes"]}
    first = class_keys.get(lines[0]["tax_class"]) if lines else ()
    if first is None:
        if any(Decimal(s["total"]) for s in order["shipping_lines"]):
            return None  # shipping counts with a class no taxed line shows: cannot tell its rates
        first = ()
    parts = [(tuple(t["id"] for t in i["taxes"]), Decimal(i["total"])) for i in lines]
    parts += [(tuple(t["id"] for t in f["taxes"]), Decimal(f["total"])) for f in order["fee_lines"][:index]]
    parts += [(first, Decimal(s["total"])) for s in order["shipping_lines"]]
    for key, amount in parts:
        if amount >= 0:
            groups[key] = groups.get(key, ZERO) + amount
    whole = sum(groups.values(), ZERO)
    expected: dict[int, Decimal] = {}
    for key, amount in groups.items():
        for rate_id in key:
            if whole and amount:
                expected[rate_id] = expected.get(rate_id, ZERO) + value * amount / whole * percent[rate_id] / HUNDRED
    return expected


def _check_meta(order: dict[str, Any], tz: str) -> list[str]:
    """Dates (local vs GMT), links, refunds and exemption."""
    problems: list[str] = []
    zone = ZoneInfo(tz)
    for field in DATES:
        local, gmt = order.get(field), order.get(field + "_gmt")
        if (local is None) != (gmt is None):
            problems.append(f"{field} and {field}_gmt: one is null")
        elif local is not None:
            when = datetime.fromisoformat(local)
            offsets = {when.replace(tzinfo=zone, fold=f).utcoffset() for f in (0, 1)}
            if datetime.fromisoformat(local) - datetime.fromisoformat(gmt) not in offsets:
                problems.append(f"{field} {local} vs {field}_gmt {gmt}: not the {tz} offset")
    if order["date_modified"] < order["date_created"]:
        problems.append("date_modified is before date_created")
    links = order["_links"]
    if ("customer" in links) != bool(order["customer_id"]):
        problems.append(f"_links.customer present={'customer' in links} for customer_id {order['customer_id']}")
    if ("up" in links) != bool(order["parent_id"]) or "self" not in links or "collection" not in links:
        problems.append("_links: self/collection missing or up not matching parent_id")
    refunded = sum((-Decimal(r["total"]) for r in order["refunds"]), ZERO)
    total = Decimal(order["total"])
    if len({r["id"] for r in order["refunds"]}) != len(order["refunds"]) or refunded > total:
        problems.append(f"refunds {refunded} exceed the total {total} or repeat an id")
    if order["status"] == "refunded" and refunded != total:
        problems.append(f"status refunded but only {refunded} of {total} refunded")
    if order["refunds"] and total > 0 and refunded == total and order["status"] != "refunded":
        problems.append(f"fully refunded but status {order['status']}")
    exempt = any(m["key"] == "is_vat_exempt" and m["value"] == "yes" for m in order["meta_data"])
    if exempt and (order["tax_lines"] or Decimal(order["total_tax"])):
        problems.append("VAT-exempt order carries tax")
    ids = [i["id"] for k in ("line_items", "fee_lines", "shipping_lines", "coupon_lines", "tax_lines") for i in order[k]]
    if len(set(ids)) != len(ids):
        problems.append("item ids repeat")
    return problems
