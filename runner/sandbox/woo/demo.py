"""A seeded demo history for the Dutch demo shop: realistic, internally consistent orders and
refunds, built with `shop.build_order` / `shop_refund` so every order passes `check_order`.

Every cycle of 50 orders holds, at positions 1..len(SCENARIOS), one of each special case
(EU business VAT-exempt, export, OSS consumer in Germany, 100 % coupon, full / itemized /
amount-only refund, statuses on-hold / pending / cancelled / processing, a repeat customer
whose e-mail differs in case, a payment fee, a wholesale order with a cart discount, two
fixed coupons), so any n >= 16 has them all. The rest is random: 1-4 lines, coupons,
cart discounts, shipping free above a threshold, guests and registered repeat customers.

Assumption: the shop serves consumers VAT-inclusive and business customers through a
wholesale storefront with VAT-exclusive net prices (a real store has one setting; a B2B
plugin or second storefront is assumed), so both kinds of order appear."""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from runner.sandbox.woo.carts import DEFAULT_STORE, Address, Cart, Coupon, Fee, RefundItem, RefundRequest, Store
from runner.sandbox.woo.demo_choices import (
    ABROAD,
    BUSINESS_IDS,
    COUPONS,
    DHL,
    EXPRESS,
    FOREIGN,
    FREE,
    FREE_COUPON,
    PAY,
    PICKUP,
    POSTNL,
    VAT_NUMBERS,
    Customers,
    cart_lines,
)
from runner.sandbox.woo.maths import CENT, HUNDRED, round_half_up
from runner.sandbox.woo.orders import build_order
from runner.sandbox.woo.refunds import apply_refund, build_refund

D = Decimal
SCENARIOS = (
    "eu_business",
    "export",
    "oss",
    "free_order",
    "full_refund",
    "item_refund",
    "amount_refund",
    "on-hold",
    "pending",
    "cancelled",
    "processing",
    "repeat_case",
    "payment_fee",
    "wholesale",
    "fixed_coupons",
)
CYCLE = 50


@dataclass
class DemoData:
    """A generated history: orders by ascending id, refunds per order id (newest first)."""

    orders: list[dict[str, Any]]
    refunds: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class _Plan:
    index: int
    created: datetime
    cart: dict[str, Any]  # Cart fields except id
    refunds: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)  # (when, request fields)


def generate_orders(
    n: int, seed: int = 0, start: datetime = datetime(2024, 1, 2, 9, 0), store: Store = DEFAULT_STORE, first_id: int = 5001
) -> DemoData:
    """`n` orders from `start` on (shop-local), deterministic per seed; ids start at first_id."""
    paused = gc.isenabled()
    gc.disable()  # thousands of fresh dicts make the cyclic collector the main cost, and none form cycles
    try:
        return _generate(n, seed, start, store, first_id)
    finally:
        if paused:
            gc.enable()


def _generate(n: int, seed: int, start: datetime, store: Store, first_id: int) -> DemoData:
    rng = random.Random(seed)
    people = Customers(rng)
    plans, when = [], start
    for i in range(n):
        when += timedelta(seconds=int(rng.expovariate(1 / 5400)) + 60)
        scenario = SCENARIOS[i % CYCLE - 1] if 0 < i % CYCLE <= len(SCENARIOS) else "regular"
        plans.append(_plan(i, n, when, scenario, rng, people))

    events = sorted([(p.created, 0, p.index, -1) for p in plans] + [(w, 1, p.index, k) for p in plans for k, (w, _) in enumerate(p.refunds)])
    ids: dict[tuple[int, int], int] = {}
    next_id = first_id
    for _, _, index, k in events:
        ids[(index, k)] = next_id
        cart = plans[index].cart
        size = len(cart["lines"]) + len(cart["fees"]) + len(cart["shipping"]) + len(cart["coupons"])
        next_id += 1 + size + 4  # room for the items and the tax lines

    orders = {p.index: build_order(Cart(id=ids[(p.index, -1)], **p.cart), store) for p in plans}
    refunds: dict[int, list[dict[str, Any]]] = {}
    for when, _, index, k in events:
        if k < 0:
            continue
        order = orders[index]
        request = _refund_request(order, ids[(index, k)], when, plans[index].refunds[k][1])
        refund = build_refund(order, request, store)
        orders[index] = apply_refund(order, refund, when, store)
        refunds.setdefault(order["id"], []).insert(0, refund)
    return DemoData(sorted(orders.values(), key=lambda o: o["id"]), refunds)


def _plan(i: int, n: int, created: datetime, scenario: str, rng: random.Random, people: Customers) -> _Plan:
    """One order's cart fields and refund plans for a scenario (see module docstring)."""
    net = scenario == "wholesale" or (scenario == "regular" and rng.random() < 0.1)
    customer_id, billing = people.consumer(force_repeat=scenario == "repeat_case")
    meta: tuple[tuple[str, Any], ...] = ()
    exempt = False
    if scenario in FOREIGN:
        billing, customer_id = rng.choice(FOREIGN[scenario]), 0
        if scenario == "eu_business":
            exempt, customer_id = True, BUSINESS_IDS[billing.country]
            meta = (("_billing_vat_number", VAT_NUMBERS[billing.country]),)
    elif net:
        billing = Address(
            billing.first_name,
            billing.last_name,
            "Koffiebar De Boon B.V.",
            "Oudegracht 112",
            "",
            "Utrecht",
            "",
            "3511 AX",
            "NL",
            "inkoop@deboon.example.nl",
            "030 123 4567",
        )
        customer_id, meta = 57, (("btw_nummer", "NL123456789B01"),)
    lines = cart_lines(rng, rng.choice((1, 1, 2, 2, 3, 4)), net, exclude_zero_rate=scenario in ("oss", "export"))
    gross = sum((line.price * line.quantity for line in lines), D(0))
    coupons: tuple[Coupon, ...] = ()
    if scenario == "free_order":
        coupons = (FREE_COUPON,)
    elif scenario == "fixed_coupons":
        coupons = (COUPONS[2], COUPONS[3])
    elif scenario == "regular" and rng.random() < 0.15:
        coupons = (rng.choice(COUPONS),)
    fees: list[Fee] = []
    if scenario == "wholesale" or (net and gross >= 100) or (scenario == "regular" and gross >= 150 and rng.random() < 0.5):
        share = D("0.10") if net else D("0.05")
        base = gross if net else gross / D("1.21")
        fees.append(Fee(f"Staffelkorting {int(share * HUNDRED)}%", -round_half_up(base * share, CENT)))
    method = "bacs" if net else rng.choice(("ideal", "ideal", "ideal", "card", "paypal", "klarna"))
    if scenario == "payment_fee":
        method = "klarna"
    if method == "klarna" and scenario in ("payment_fee", "regular"):
        fees.append(Fee("Toeslag achteraf betalen", D("1.50")))
    if scenario == "free_order" or (not net and gross >= 50 and scenario not in FOREIGN) or (net and gross >= 120):
        shipping = (FREE,)
    elif scenario == "export":
        shipping = (EXPRESS,)
    elif scenario in FOREIGN:
        shipping = (ABROAD,)
    else:
        shipping = (rng.choice((POSTNL, POSTNL, DHL, PICKUP)),)

    status = _status(i, n, scenario, method, rng)
    gateway, title = PAY[method] if scenario != "free_order" else ("", "")
    paid = completed = None
    if status in ("processing", "completed"):
        paid = created + (timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5)) if method == "bacs" else timedelta(seconds=rng.randint(20, 240)))
    if status == "completed":
        completed = (paid or created) + timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 600))
    modified = max(d for d in (created, paid, completed) if d) + timedelta(seconds=rng.randint(1, 40))
    cart = dict(
        lines=lines,
        billing=billing,
        created=created,
        coupons=coupons,
        fees=tuple(fees),
        shipping=shipping,
        prices_include_tax=not net,
        vat_exempt=exempt,
        customer_id=customer_id,
        status=status,
        paid=paid,
        completed=completed,
        modified=modified,
        payment_method=gateway,
        payment_method_title=title,
        transaction_id=f"tr_{rng.getrandbits(40):010x}" if paid and method != "bacs" else "",
        customer_ip_address=f"198.51.100.{rng.randint(1, 254)}",
        meta=meta,
        customer_user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
    )
    plan = _Plan(i, created, cart)
    settled = completed or paid
    if settled and status == "completed" and scenario != "free_order":
        later = settled + timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 8))
        roll = rng.random()
        if scenario == "full_refund" or (scenario == "regular" and roll < 0.01):
            plan.refunds.append((later, {"mode": "full", "reason": "Bestelling volledig terugbetaald"}))
        elif scenario == "item_refund" or (scenario == "regular" and roll < 0.04):
            plan.refunds.append((later, {"mode": "item", "items": (0,), "reason": "Retour: past niet"}))
        elif scenario == "amount_refund" or (scenario == "regular" and roll < 0.06):
            plan.refunds.append((later, {"mode": "amount", "reason": "Coulance: beschadigde verpakking"}))
    return plan


def _status(i: int, n: int, scenario: str, method: str, rng: random.Random) -> str:
    if scenario in ("on-hold", "pending", "cancelled", "processing"):
        return scenario
    if scenario in ("full_refund", "item_refund", "amount_refund", "free_order"):
        return "completed"
    if method == "bacs" and rng.random() < 0.05:
        return "on-hold"
    if i >= n * 0.95:
        return rng.choices(("processing", "completed", "on-hold", "pending"), (50, 35, 10, 5))[0]
    return rng.choices(("completed", "processing", "cancelled", "pending"), (90, 3, 5, 2))[0]


def _refund_request(order: dict[str, Any], refund_id: int, when: datetime, spec: dict[str, Any]) -> RefundRequest:
    """Turn a refund plan into a request against the built order (item ids are known now)."""
    if spec["mode"] == "full":
        items = tuple(RefundItem(i["id"], i.get("quantity", 0)) for kind in ("line_items", "fee_lines", "shipping_lines") for i in order[kind])
        amount = D(order["total"])
        return RefundRequest(refund_id, when, items, amount, spec["reason"])
    if spec["mode"] == "item":
        line = max(order["line_items"], key=lambda i: (D(i["total"]), -i["id"]))
        return RefundRequest(refund_id, when, (RefundItem(line["id"], 1),), None, spec["reason"])
    amount = min(D(order["total"]), max(D("1"), round_half_up(D(order["total"]) * D("0.1"), CENT)))
    return RefundRequest(refund_id, when, (), amount, spec["reason"])
