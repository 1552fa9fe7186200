"""Mollie's settlements (reference psp-settlements.md section 2): a paid-out settlement with
its payments, refunds and chargebacks, each read in pages (`_links.next`). Mollie reports
fees per month and method, rounded per transaction, so the fee is what the settlement holds
less what it paid out (the reference: take `amount` as truth). A payment's link to its order
is its id (the order's transaction_id: `tr_`) or `orderId` (`ord_`), and `metadata.order_id`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import httpx

from runner.adapters.psp.common import Api, money
from runner.domain.money import ZERO
from runner.domain.settlement import CHARGEBACK, PAYMENT, REFUND, Movement, Settlement
from runner.spec.providers import Provider

BASE = "https://api.mollie.com"
PAGE = 250


class Mollie(Api):
    name = "Mollie"

    def __init__(self, spec: Provider, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__((spec.url or BASE).rstrip("/"), transport, {"Authorization": f"Bearer {getattr(spec, 'api_key', '')}"})

    def listed(self, path: str, key: str, params: dict | None = None) -> Iterator[dict]:
        """Every item of a paginated list, following Mollie's absolute `next` links."""
        url, query = f"/v2/{path}", {"limit": PAGE, **(params or {})}
        while url:
            page = self.get(url, query)
            yield from (page.get("_embedded") or {}).get(key) or []
            link = ((page.get("_links") or {}).get("next") or {}).get("href")
            url, query = (link, None) if link else ("", None)

    def settlements(self, since: date | None = None) -> list[Settlement]:
        """The paid-out settlements on or after `since`, oldest first."""
        out = []
        for row in self.listed("settlements", "settlements"):
            if row.get("status") != "paidout" or not row.get("settledAt"):
                continue
            if since and _day(row["settledAt"]) < since:
                continue
            out.append(self.settlement(row))
        return sorted(out, key=lambda s: (s.paid_out, s.id))

    def settlement(self, row: dict) -> Settlement:
        sid = row["id"]
        # a payment Mollie did not settle (PayPal, a gift card through Mollie) has no settlementAmount: not in the payout
        movements = [_payment(p) for p in self.listed(f"settlements/{sid}/payments", "payments") if p.get("settlementAmount")]
        movements += [_payment(p) for p in self.listed(f"settlements/{sid}/captures", "captures") if p.get("settlementAmount")]
        movements += [_refund(r) for r in self.listed(f"settlements/{sid}/refunds", "refunds") if _settled(r)]
        movements += [_chargeback(c) for c in self.listed(f"settlements/{sid}/chargebacks", "chargebacks")]
        payout = money(row["amount"]["value"])
        held = sum((m.amount for m in movements), ZERO)
        return Settlement(
            "mollie",
            sid,
            row.get("reference") or "",
            _day(row["settledAt"]),
            payout,
            row["amount"].get("currency", "EUR"),
            tuple(movements),
            (("fees", held - payout),) if held != payout else (),
        )

    def balance(self) -> Decimal:
        """What Mollie holds now: available and pending."""
        row = self.get("/v2/balances/primary")
        return money((row.get("availableAmount") or {}).get("value")) + money((row.get("pendingAmount") or {}).get("value"))

    def in_transit(self, since: date | None = None) -> Decimal:
        """What no paid-out settlement holds yet: all Mollie holds (a settlement paid out leaves the balance)."""
        return self.balance()


def _day(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()


def _settled(row: dict) -> Decimal:
    return money((row.get("settlementAmount") or row.get("amount") or {}).get("value"))


def _order(row: dict) -> str:
    metadata = row.get("metadata")
    return str(metadata.get("order_id") or "") if isinstance(metadata, dict) else ""


def _payment(row: dict) -> Movement:
    if row.get("resource") == "capture":  # Klarna and other capture-based methods: the capture settles the payment
        ref = row.get("paymentId") or row["id"]
    else:
        ref = row["id"]
    links = tuple(x for x in (row.get("orderId"),) if x)
    stamp = row.get("paidAt") or row.get("createdAt")
    return Movement(PAYMENT, ref, _settled(row), _day(stamp), ref, _order(row), links, description=row.get("description") or "")


def _refund(row: dict) -> Movement:
    amount = -abs(_settled(row))  # always negative (docs); positive seen in fixtures
    return Movement(REFUND, row["id"], amount, _day(row["createdAt"]), row.get("paymentId") or "", _order(row))


def _chargeback(row: dict) -> Movement:
    amount = -abs(_settled(row))  # the docs say negative, a fixture shows it positive: normalised
    return Movement(CHARGEBACK, row["id"], amount, _day(row["createdAt"]), row.get("paymentId") or "")
