"""The settlements booking mode (issue 24): each paid-out settlement of a payment provider
becomes one bank entry in the provider's journal (runner/domain/settling.py), handed to the
one exactly-once pipeline: skipped when the ledger has it done, found in the books by its
identity tag (`[mollie:stl_...]`), intended, written, done; an intent a crash or a lost answer
left open is looked up first thing (`opens`). Its receipts and payments back are then done in
the ledger, so the run's own `paid` receipts never book them again, and a later settlement
never books a receipt the run posted (`Link.booked`).

A movement is linked to its order by the order's transaction_id (the provider's payment id,
or its payment intent / order id) and else by the order id or number in the provider's
metadata; never by amount alone. A refund is matched to the order's WooCommerce refund of
that amount (within its order), whose credit it pays back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal

from runner.domain.booking import CustomerPlan
from runner.domain.fee_estimates import Estimated, estimate_entry, given_back, meta_fee, provider_of
from runner.domain.lines import local_date
from runner.domain.model import Order
from runner.domain.money import amount as money
from runner.domain.settlement import NAMES, PAYMENT, REFUND, Settlement
from runner.domain.settling import Accounts, Link, entry
from runner.errors import BookingError, OutcomeUnknown, Rejected, RunnerError
from runner.pipeline.exactly_once import Doc, Open, Pipeline
from runner.pipeline.keeps import SettlementKeep
from runner.pipeline.ports import Facts, Posting


class Orders:
    """The shop's orders a run's settlements may pay, found by each id a provider names."""

    def __init__(self, orders: Iterable[Order]) -> None:
        self.by_txn: dict[str, Order] = {}
        self.by_id: dict[str, Order] = {}
        self.by_number: dict[str, Order] = {}
        for order in orders:
            self.by_id[str(order.id)] = order
            self.by_number.setdefault(str(order.number), order)
            for key in _transaction_ids(order):
                self.by_txn[key] = order

    def of(self, payment: str, ref: str, links: tuple[str, ...], named: str) -> Order | None:
        for key in (payment, ref, *links):
            if key and key in self.by_txn:
                return self.by_txn[key]
        return (self.by_id.get(named) or self.by_number.get(named)) if named else None


def _transaction_ids(order: Order) -> list[str]:
    """The order's transaction_id and the ids gateway plugins keep beside it (reference 2.4, 3.4, 4.3)."""
    raw = order.raw
    keys = [raw.get("transaction_id") or ""]
    for meta in raw.get("meta_data") or []:
        if meta.get("key") in ("_mollie_payment_id", "_mollie_order_id", "_stripe_intent_id", "_intent_id", "_charge_id", "_ppcp_paypal_order_id"):
            keys.append(str(meta.get("value") or ""))
    return [k for k in keys if k]


class SettlementMode:
    """Books settlements through `pipeline` (whose sink writes bank entries)."""

    def __init__(
        self,
        pipeline: Pipeline,
        ledger,
        accounts: Mapping[str, Accounts],
        orders: Orders,
        customer: Callable[[Order], CustomerPlan],
        account_of: Callable[[CustomerPlan], str | None],
        sign: int = 1,
    ) -> None:
        self.pipeline, self.ledger, self.accounts, self.orders = pipeline, ledger, accounts, orders
        self.customer, self.account_of, self.sign = customer, account_of, sign
        self.booked: list[str] = []  # "provider|id" posted or found this run
        self.failed: dict[str, str] = {}
        self.named: list[str] = []

    def opens(self) -> Iterable[Open]:
        """Entries an earlier run intended without knowing whether they landed."""
        for record in self.ledger.settlements():
            if record.get("state") == "intent":
                yield Open(SettlementKeep(self.ledger, record, self.done), "document", record, set)

    def book(self, settlement: Settlement) -> bool:
        """Whether the settlement's entry was posted (or found) now; False when it was booked before."""
        key = f"{settlement.provider}|{settlement.id}"
        record = self.ledger.settlement(key)
        if record is not None and record.get("state") == "done":
            return False
        said = f"{NAMES.get(settlement.provider, settlement.provider)} payout {settlement.reference or settlement.id}"
        accounts = self.accounts[settlement.provider]
        try:
            links = self.links(settlement)
            paid = [link.order_id for m, link in ((m, links.get(m.ref)) for m in settlement.movements) if link and m.kind == PAYMENT]
            back = given_back(self.estimates(settlement.provider), paid, accounts, settlement.provider, self.sign)
            made = entry(settlement, links, accounts, self.sign, (back,) if back else ())
        except RunnerError as exc:
            self.failed[key] = f"{said}: {exc.message}"
            return False
        record = {
            "key": key,
            "provider": settlement.provider,
            "id": settlement.id,
            "reference": settlement.reference or settlement.id,  # as the bank statement names it
            "day": settlement.paid_out.isoformat(),
            "payout": str(settlement.payout),
            "receipts": [list(r) for r in made.receipts],
            # what the report reads: the receipts the run booked that this payout holds, its fees and what to look at
            "covers": sorted(
                {(link.order_id, link.refund_id or 0) for link in links.values() if link.booked} | {(o, r or 0) for o, r, _ in made.receipts}
            ),
            "fees": str(sum(settlement.fee_kinds().values(), Decimal(0))),
            "named": list(made.named),
            "given_back": sorted(set(paid) & set(self.estimates(settlement.provider))),
        }
        return self.post(key, made, record, said)

    def post(self, key: str, made, record: dict, said: str) -> bool:
        """A bank entry through the pipeline, kept as `record`; whether it was posted (or found) now."""
        try:
            if problems := self.pipeline.sink.problems(made, None):  # a core method of every sink
                raise BookingError("; ".join(problems), f"fix settlements.{made.provider} in the spec, or the accounts in Exact")
        except RunnerError as exc:
            self.failed[key] = f"{said}: {exc.message}"
            return False
        keep = SettlementKeep(self.ledger, record, self.done)
        doc = Doc(
            Posting(made, CustomerPlan("", "", {}), ""),  # type: ignore[arg-type]  # a settlement's entry in a document's place
            keep,
            ("document",),
            said,
            found_as=lambda step: f"{said} (in Exact already)",
            known=set,
            lost=lambda unknown, step: Rejected(unknown.answer or f"{unknown.message}, and Exact does not hold {said}", "posted again next run"),
        )
        try:
            self.pipeline.post(doc)
        except (Rejected, BookingError, OutcomeUnknown) as exc:
            self.failed[key] = f"{said}: {exc.message}"
            return False
        self.booked.append(key)
        self.named += [f"{said}: {line}" if not line.startswith(said) else line for line in made.named]
        return True

    def estimates(self, provider: str) -> dict[int, Decimal]:
        """The orders whose fees an estimate holds and no settlement has given back yet."""
        records = [r for r in self.ledger.settlements() if r.get("provider") == provider and r.get("state") == "done"]
        back = {o for r in records for o in r.get("given_back") or []}
        return {int(o): Decimal(fee) for r in records for o, fee in (r.get("estimated") or {}).items() if int(o) not in back}

    def estimate(self, provider: str, orders: Iterable[Order], today: date, timezone: str) -> int:
        """The fees the orders' meta notes, per day that is over, not estimated before: one
        entry per provider and day (a later one `-2`...). How many entries were posted."""
        records = [r for r in self.ledger.settlements() if r.get("provider") == provider and str(r.get("id", "")).startswith("est-")]
        known = {int(o) for r in records for o in (r.get("estimated") or {})}
        days: dict[date, list[Estimated]] = {}
        for order in orders:
            fee = meta_fee(order.raw) if provider_of(order.raw.get("payment_method") or "") == provider else None
            paid = local_date(order.raw.get("date_paid_gmt") or order.raw.get("date_paid") or "", timezone) if fee else None
            if fee and paid and paid < today and order.id not in known:
                days.setdefault(paid, []).append(Estimated(order.id, paid, fee))
        posted = 0
        for day, fees in sorted(days.items()):
            number = 1 + sum(1 for r in records if str(r.get("id", "")).startswith(f"est-{day:%Y%m%d}-"))
            made = estimate_entry(provider, day, number, fees, self.accounts[provider], self.sign)
            record = {"key": f"{provider}|{made.settlement_id}", "provider": provider, "id": made.settlement_id, "day": day.isoformat()}
            record |= {
                "estimated": {str(e.order_id): str(e.fee) for e in fees},
                "fees": str(sum((e.fee for e in fees), Decimal(0))),
                "named": list(made.named),
            }
            posted += self.post(record["key"], made, record, made.named[0].split(":")[0])
        return posted

    def done(self, record: dict, facts: Facts) -> None:
        """The entry is in the books: the receipts it holds are the orders' own from now on."""
        for order_id, refund_id, ref in record.get("receipts") or []:
            self.ledger.done(order_id, refund_id or None, "payment", ref=facts.get("ref"), settlement=record["key"], provider_ref=ref)

    def links(self, settlement: Settlement) -> dict[str, Link]:
        reader = self.pipeline.capability("paid")
        paid = reader(self.accounts[settlement.provider].journal) if reader else set()
        out = {}
        for movement in settlement.movements:
            order = self.orders.of(movement.payment, movement.ref, movement.links, movement.order)
            if order is not None:
                out[movement.ref] = self._link(order, movement.kind, movement.amount, paid)
        return out

    def _link(self, order: Order, kind: str, amount: Decimal, paid: set[tuple[int, bool]]) -> Link:
        """What the books know of the order: its sale (a refund: its credit) by the ledger,
        and whether the provider's journal holds its receipt (payment back) already, by Exact."""
        sale = self.ledger.step(order.id, None, "document") or {}
        if sale.get("state") != "done":
            return Link(order.id, str(order.number))
        account = self.account_of(self.customer(order)) or ""
        if kind == PAYMENT:
            return Link(order.id, str(order.number), account, sale.get("number"), (sale.get("number"), True) in paid)
        if kind == REFUND:
            refund_id = next((r["id"] for r in order.raw.get("refunds") or [] if abs(money(r.get("total"))) == abs(amount)), None)
            credit = (self.ledger.step(order.id, refund_id, "document") or {}) if refund_id else {}
            number = credit.get("number") if credit.get("state") == "done" else None
            return Link(order.id, str(order.number), account, number, (number, False) in paid, refund_id if number is not None else None)
        return Link(order.id, str(order.number), account, sale.get("number"))
