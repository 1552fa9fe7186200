"""Fees without the provider's API (issue 24 point 5): where the spec gives a provider no key,
its fees are read from the order meta its WooCommerce plugin keeps and booked per day as an
estimate, one line on the fee account in the provider's journal, labelled so. Pure.

    Stripe (WooCommerce Stripe Gateway)   _stripe_fee          "1.75" (the charge's fee; refunds add theirs)
    WooPayments                           _wcpay_transaction_fee "1.75"
    PayPal Payments                       _ppcp_paypal_fees    {"paypal_fee": {"value": "3.36"}, ...}
    Mollie                                none: Mollie's plugin keeps no fee, so Mollie needs its key

Once the provider's settlements are read (a key given later), a settlement gives back the
estimates of the orders it pays (a line the other way on the same account) and books the
real fees: an order's fee is never booked twice. Which orders an estimate holds is kept
with it in the ledger; a day's estimate is booked once the day is over, and an order paid on
a day already estimated goes into that day's next estimate (`-2`, `-3`, ...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from runner.domain.money import ZERO, amount, text
from runner.domain.settlement import NAMES
from runner.domain.settling import Accounts, EntryLine, SettlementEntry

GATEWAYS = (("woocommerce_payments", "stripe"), ("stripe", "stripe"), ("ppcp", "paypal"), ("paypal", "paypal"), ("mollie", "mollie"))


def provider_of(gateway: str) -> str:
    """The provider behind a WooCommerce gateway id ("" for none we settle)."""
    return next((name for prefix, name in GATEWAYS if gateway.startswith(prefix)), "")


def meta_fee(raw: Mapping[str, Any]) -> Decimal | None:
    """The fee the order's gateway plugin noted, or None when it noted none."""
    meta = {m.get("key"): m.get("value") for m in raw.get("meta_data") or [] if isinstance(m, Mapping)}
    for key in ("_stripe_fee", "_wcpay_transaction_fee"):
        if meta.get(key) not in (None, ""):
            return amount(meta[key], key)
    fees = meta.get("_ppcp_paypal_fees")
    if isinstance(fees, Mapping) and isinstance(fees.get("paypal_fee"), Mapping):
        return amount(fees["paypal_fee"].get("value"), "_ppcp_paypal_fees")
    return None


@dataclass(frozen=True)
class Estimated:
    order_id: int
    day: date  # the day the order was paid (shop-local)
    fee: Decimal


def estimate_entry(provider: str, day: date, number: int, fees: Iterable[Estimated], accounts: Accounts, sign: int = 1) -> SettlementEntry:
    """One day's estimated fees as a bank entry (a single fee line), tagged `[stripe:est-20261103-1]`."""
    total = sum((e.fee for e in fees), ZERO)
    ident = f"est-{day:%Y%m%d}-{number}"
    tag = f"[{provider}:{ident}]"
    said = f"{NAMES.get(provider, provider)} fees {day.isoformat()} estimate"
    line = EntryLine("fee", accounts.fees, -total * sign, f"{said[: 59 - len(tag)]} {tag}", vat_code=accounts.fee_vat_code("estimate"))
    return SettlementEntry(
        provider, ident, tag, accounts.journal, day, "EUR", (line,), (f"{said}: {text(total)}, from the orders' meta until the settlement",)
    )


def given_back(estimates: Mapping[int, Decimal], orders: Iterable[int], accounts: Accounts, provider: str, sign: int = 1) -> EntryLine | None:
    """The line a settlement gives back the estimates of the orders it pays with (None: none)."""
    back = sum((estimates[o] for o in set(orders) if o in estimates), ZERO)
    if not back:
        return None
    return EntryLine(
        "fee",
        accounts.fees,
        back * sign,
        f"{NAMES.get(provider, provider)} estimated fees given back"[:60],
        vat_code=accounts.fee_vat_code("estimate"),
    )
