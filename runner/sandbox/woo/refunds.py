"""Refunds as WooCommerce makes them (wc_create_refund): a separate object with negative
copies of the refunded items and its own tax lines; the order keeps its totals, lists the
refund in `refunds[]` and becomes `refunded` once nothing is left to refund.

Assumptions (INF): pro rata amounts are the line total and each per-rate tax times the
refunded share, rounded to cents (the admin screen keeps 6 decimals and rounds only the
amount, which can put the items a cent off the amount); the default amount is their sum; `refunds[]` lists the newest refund first; refund
tax lines copy the order's rate snapshot (code, label, percent)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from runner.sandbox.woo.carts import DEFAULT_STORE, RefundItem, RefundRequest, Store
from runner.sandbox.woo.maths import ZERO, Taxes, merge, money, php_price, raw, round_half_up, tax_round
from runner.sandbox.woo.order_dates import gmt_date, local_date, touched, with_status

KINDS = ("line_items", "fee_lines", "shipping_lines")  # wc_create_refund walks items in this order


def build_refund(order: dict[str, Any], request: RefundRequest, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    """The refund JSON of GET /orders/{id}/refunds/{refund_id} for a refund of `order`."""
    wanted = {r.item_id: r for r in request.items}
    known = {item["id"] for kind in KINDS for item in order[kind]}
    if set(wanted) - known:
        raise ValueError(f"order {order['id']} has no items {sorted(set(wanted) - known)}")
    incl, per_line = order["prices_include_tax"], not store.round_at_subtotal
    rtax = (lambda v: tax_round(v, incl)) if per_line else (lambda v: v)
    ids = iter(range(request.id + 1, request.id + 10_000))
    meta_ids = iter(range(request.meta_id_start or request.id * 100 + 51, 1 << 62))

    out: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    cart_taxes: Taxes = {}
    ship_taxes: Taxes = {}
    items_sum = ZERO
    for kind in KINDS:
        for item in order[kind]:
            ask = wanted.get(item["id"])
            if ask is None:
                continue
            total, taxes = _amounts(kind, item, ask, incl)
            if not ask.quantity and not total and not any(taxes.values()):
                continue  # wc_create_refund skips empty rows
            items_sum += total + sum(taxes.values(), ZERO)
            merge(ship_taxes if kind == "shipping_lines" else cart_taxes, {r: -rtax(t) for r, t in taxes.items()})
            out[kind].append(_refund_item(next(ids), kind, item, ask.quantity, total, taxes, meta_ids, rtax))

    amount = request.amount if request.amount is not None else round_half_up(items_sum)
    remaining = Decimal(order["total"]) - sum((-Decimal(r["total"]) for r in order["refunds"]), ZERO)
    if amount < 0 or amount > remaining:
        raise ValueError(f"Invalid refund amount: {amount} (remaining {remaining})")

    snapshot = {t["rate_id"]: t for t in order["tax_lines"]}
    tax_lines = [
        {
            "id": next(ids),
            "rate_code": snapshot[r]["rate_code"],
            "rate_id": r,
            "label": snapshot[r]["label"],
            "compound": snapshot[r]["compound"],
            "tax_total": money(cart_taxes.get(r, ZERO)),
            "shipping_tax_total": money(ship_taxes.get(r, ZERO)),
            "rate_percent": snapshot[r]["rate_percent"],
            "meta_data": [],
        }
        for r in dict.fromkeys([*cart_taxes, *ship_taxes])
    ]
    base = f"{store.url}/wp-json/wc/v3/orders/{order['id']}"
    return {
        "id": request.id,
        "date_created": local_date(request.created),
        "date_created_gmt": gmt_date(request.created, store),
        "amount": money(amount),
        "reason": request.reason,
        "refunded_by": request.refunded_by,
        "refunded_payment": request.refunded_payment,
        "meta_data": [],
        "line_items": out["line_items"],
        "shipping_lines": out["shipping_lines"],
        "tax_lines": tax_lines,
        "fee_lines": out["fee_lines"],
        "_links": {
            "self": [{"href": f"{base}/refunds/{request.id}"}],
            "collection": [{"href": f"{base}/refunds"}],
            "up": [{"href": base}],
        },
    }


def apply_refund(order: dict[str, Any], refund: dict[str, Any], modified: datetime | None = None, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    """The order after `refund`: listed first in `refunds[]`, totals untouched, status
    `refunded` when the refunds reach the order total, date_modified at `modified`."""
    when = modified or datetime.strptime(refund["date_created"], "%Y-%m-%dT%H:%M:%S")
    entry = {"id": refund["id"], "reason": refund["reason"], "total": "-" + refund["amount"]}
    new = {**order, "refunds": [entry, *order["refunds"]]}
    refunded = sum((-Decimal(r["total"]) for r in new["refunds"]), ZERO)
    if refunded >= Decimal(order["total"]):
        return with_status(new, "refunded", when, store)
    return touched(new, when, store)


def refund_order(order: dict[str, Any], request: RefundRequest, store: Store = DEFAULT_STORE) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the refund and apply it: (order after the refund, refund)."""
    refund = build_refund(order, request, store)
    return apply_refund(order, refund, request.created, store), refund


def _amounts(kind: str, item: dict[str, Any], ask: RefundItem, incl: bool) -> tuple[Decimal, dict[int, Decimal]]:
    """What to refund of one item, positive: as asked, else pro rata (all of a fee/shipping),
    taxes rounded like the order's (so a full refund of every item equals the total)."""
    share = Decimal(1)
    if kind == "line_items":
        if ask.quantity > item["quantity"] or ask.quantity < 0:
            raise ValueError(f"item {item['id']}: cannot refund {ask.quantity} of {item['quantity']}")
        share = Decimal(ask.quantity) / Decimal(item["quantity"])
    total = ask.total if ask.total is not None else round_half_up(Decimal(item["total"]) * share)
    if ask.taxes is not None:
        taxes = dict(ask.taxes)
    else:
        taxes = {t["id"]: tax_round(Decimal(t["total"]) * share, incl) for t in item["taxes"]}
    return total, taxes


def _refund_item(
    item_id: int, kind: str, item: dict[str, Any], quantity: int, total: Decimal, taxes: dict[int, Decimal], meta_ids, rtax
) -> dict[str, Any]:
    """A negative copy of an order item, with `_refunded_item_id` pointing at the original."""
    tax_total = money(-sum((rtax(t) for t in taxes.values()), ZERO))
    meta = [{**m, "id": next(meta_ids)} for m in item["meta_data"]]
    meta.append(
        {
            "id": next(meta_ids),
            "key": "_refunded_item_id",
            "value": str(item["id"]),
            "display_key": "_refunded_item_id",
            "display_value": str(item["id"]),
        }
    )
    if kind == "line_items":
        return {
            "id": item_id,
            "name": item["name"],
            "product_id": item["product_id"],
            "variation_id": item["variation_id"],
            "quantity": -quantity,
            "tax_class": item["tax_class"],
            "subtotal": money(-total),
            "subtotal_tax": tax_total,
            "total": money(-total),
            "total_tax": tax_total,
            "taxes": [{"id": r, "total": raw(-t), "subtotal": raw(-t)} for r, t in taxes.items()],
            "meta_data": meta,
            "sku": item["sku"],
            "price": php_price(raw(-total), -quantity),
            "image": item["image"],
            "parent_name": item["parent_name"],
        }
    copied = {k: item[k] for k in item if k not in ("id", "total", "total_tax", "taxes", "meta_data")}
    return {
        "id": item_id,
        **copied,
        "total": money(-total),
        "total_tax": tax_total,
        "taxes": [{"id": r, "total": raw(-t), "subtotal": ""} for r, t in taxes.items()],
        "meta_data": meta,
    }


def after_rate_recreated(refund: dict[str, Any], rate_ids: Iterable[int]) -> dict[str, Any]:
    """A refund made after the shop deleted these tax rate rows and made them again: its tax
    lines snapshot the old rate ids with no code and 0 % (woocommerce issues on re-created rates)."""
    gone = set(rate_ids)
    lines = [{**t, "rate_code": "", "label": "", "rate_percent": 0} if t["rate_id"] in gone else t for t in refund["tax_lines"]]
    return {**refund, "tax_lines": lines}
