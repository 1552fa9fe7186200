"""Stripe's payouts (reference psp-settlements.md section 3): a paid automatic payout and its
balance transactions (`?payout=`, sources expanded), amounts in minor units. The fee sits on
each balance transaction (`fee_details`: Stripe's processing fee, a dispute fee). A charge's
link to its order is its id (`ch_`/`py_`, the Stripe plugin's transaction_id) or its payment
intent (`pi_`, WooPayments'), and `metadata.order_id`; a refund or a dispute links through its charge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx

from runner.adapters.psp.common import Api
from runner.domain.settlement import ADJUSTMENT, CHARGEBACK, PAYMENT, REFUND, REVERSAL, Movement, Settlement
from runner.spec.providers import Provider

BASE = "https://api.stripe.com"
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
KIND = {"charge": PAYMENT, "payment": PAYMENT, "refund": REFUND, "dispute": CHARGEBACK, "dispute_reversal": REVERSAL}


class Stripe(Api):
    name = "Stripe"

    def __init__(self, spec: Provider, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__((spec.url or BASE).rstrip("/"), transport, {"Authorization": f"Bearer {getattr(spec, 'api_key', '')}"})

    def listed(self, path: str, params: dict) -> Iterator[dict]:
        """Every object of a list, newest first, following `starting_after`."""
        query = {"limit": 100, **params}
        while True:
            page = self.get(path, query)
            data = page.get("data") or []
            yield from data
            if not page.get("has_more") or not data:
                return
            query = {**query, "starting_after": data[-1]["id"]}

    def settlements(self, since: date | None = None) -> list[Settlement]:
        """The paid automatic payouts arriving on or after `since`, oldest first; one still
        reconciling (its list not final) waits for a later run."""
        params = {"status": "paid"}
        if since:
            params["arrival_date[gte]"] = int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp())
        out = [
            self.settlement(row)
            for row in self.listed("/v1/payouts", params)
            if row.get("automatic", True) and row.get("reconciliation_status", "completed") == "completed"
        ]
        return sorted(out, key=lambda s: (s.paid_out, s.id))

    def settlement(self, payout: dict) -> Settlement:
        unit = _unit(payout["currency"])
        movements = []
        for row in self.listed("/v1/balance_transactions", {"payout": payout["id"], "expand[]": "data.source"}):
            if row.get("type") == "payout" or row.get("reporting_category") == "payout":
                continue  # the payout itself
            movements.append(_movement(row, unit))
        return Settlement(
            "stripe",
            payout["id"],
            payout.get("statement_descriptor") or "",
            _day(payout.get("arrival_date") or payout["created"]),
            Decimal(payout["amount"]) / unit,
            payout["currency"].upper(),
            tuple(movements),
        )

    def in_transit(self, since: date | None = None) -> Decimal:
        """What no paid payout holds yet: the balance, and the payouts on their way to the bank."""
        going = [p for status in ("pending", "in_transit") for p in self.listed("/v1/payouts", {"status": status})]
        return self.balance() + sum((Decimal(p["amount"]) / _unit(p["currency"]) for p in going), Decimal(0))

    def balance(self) -> Decimal:
        row = self.get("/v1/balance")
        return sum((Decimal(b["amount"]) / _unit(b["currency"]) for b in (row.get("available") or []) + (row.get("pending") or [])), Decimal(0))


def _unit(currency: str) -> Decimal:
    return Decimal(1 if currency.lower() in ZERO_DECIMAL else 100)


def _day(stamp: int) -> date:
    return datetime.fromtimestamp(int(stamp), UTC).date()


def _movement(row: dict, unit: Decimal) -> Movement:
    category = row.get("reporting_category") or row.get("type") or ""
    kind = KIND.get(category, ADJUSTMENT)
    source = row.get("source")
    source = source if isinstance(source, dict) else {"id": source or ""}
    charge = source.get("charge") if kind != PAYMENT else source.get("id")
    charge = charge.get("id") if isinstance(charge, dict) else charge or ""
    links = tuple(x for x in (source.get("payment_intent") if kind == PAYMENT else "",) if isinstance(x, str) and x)
    metadata = source.get("metadata") if isinstance(source.get("metadata"), dict) else {}
    details = row.get("fee_details") or []
    fee_kind = " + ".join(dict.fromkeys(d.get("description") or d.get("type") or "" for d in details)) or "Stripe fees"
    return Movement(
        kind,
        source.get("id") or row["id"],
        Decimal(row["amount"]) / unit,
        _day(row["created"]),
        charge or "",
        str(metadata.get("order_id") or ""),
        links,
        Decimal(row.get("fee") or 0) / unit,
        fee_kind,
        row.get("description") or "",
    )
