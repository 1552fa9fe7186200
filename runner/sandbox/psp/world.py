"""What every payment-provider simulator shares: the shop's sales through one provider, the
provider's balance movements (payments, refunds, chargebacks, fee corrections) and the
payouts made from them on a weekly schedule. Pure data, Decimal money, no clock of its own:
the books are settled up to the `now` a simulator passes in, so a test pins every date.

The schedule [I, after the reference's section 7]: a movement becomes available `hold`
after it happens; on each payout moment (a weekday at 05:00 UTC) everything available and
not yet paid out is paid out in one payout, when the sum is positive (a negative balance
waits for later sales). A refund made more than `hold` + 7 days after its payment therefore
always lands in a later payout than the payment."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from runner.sandbox.woo.carts import RefundRequest
from runner.sandbox.woo.refunds import refund_order

CENT = Decimal("0.01")
ZERO = Decimal("0")
LEAD_DAYS = 21  # a late refund or chargeback is made only on a sale at least this long ago, so it is in the past
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def ceil_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_CEILING)


def floor_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_FLOOR)


def ident(prefix: str, *parts: object, size: int = 10, alphabet: str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") -> str:
    """A stable made-up id: the same parts give the same id in every run."""
    number = int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest(), "big")
    out = ""
    while len(out) < size:
        number, digit = divmod(number, len(alphabet))
        out += alphabet[digit]
    return prefix + out


def utc(text: str) -> datetime:
    """A WooCommerce `_gmt` date ("2026-11-03T09:13:37") as an aware UTC datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


@dataclass
class Refund:
    id: int  # the shop's refund id
    when: datetime
    amount: Decimal  # positive


@dataclass
class Sale:
    """A shop order paid through this provider, as the provider saw it."""

    order: dict[str, Any]
    paid: datetime
    total: Decimal
    refunds: list[Refund] = field(default_factory=list)

    @property
    def order_id(self) -> int:
        return self.order["id"]

    @property
    def number(self) -> str:
        return str(self.order.get("number") or self.order["id"])

    @property
    def transaction_id(self) -> str:
        return self.order["transaction_id"]


@dataclass
class Move:
    """One movement on the provider's balance. `amount` is signed (money in positive), `fee`
    what the provider deducted with it (negative when it gives a fee back)."""

    id: str
    kind: str  # payment | refund | chargeback | fee | compensation
    when: datetime
    amount: Decimal
    fee: Decimal = ZERO
    sale: Sale | None = None
    ref: str = ""  # the provider's id of the refund, chargeback or correction
    payout: str | None = None  # the payout that paid it out, once settled

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


@dataclass
class Payout:
    id: str
    when: datetime
    amount: Decimal
    moves: list[Move]
    reference: str = ""


def shop_sales(woo, gateways: tuple[str, ...]) -> list[Sale]:
    """The shop's paid orders whose payment method starts with one of `gateways`, oldest first,
    each with its refunds (made through the provider, as real gateway plugins do)."""
    sales = []
    for order in sorted(woo.orders.values(), key=lambda o: o["id"]):
        if not order.get("date_paid_gmt") or not order.get("transaction_id"):
            continue
        if order["status"] not in ("processing", "completed", "refunded") or not order["payment_method"].startswith(gateways):
            continue
        refunds = [Refund(r["id"], utc(r["date_created_gmt"]), Decimal(r["amount"])) for r in woo.refunds.get(order["id"], [])]
        sales.append(Sale(order, utc(order["date_paid_gmt"]), Decimal(order["total"]), sorted(refunds, key=lambda r: r.when)))
    return sales


def set_meta(order: dict[str, Any], key: str, value: Any) -> None:
    """Store an order meta value as the gateway plugin does (replacing an earlier one)."""
    meta = [m for m in order["meta_data"] if m["key"] != key]
    next_id = max([m["id"] for m in order["meta_data"]] + [order["id"] * 100]) + 1
    order["meta_data"] = [*meta, {"id": next_id, "key": key, "value": value}]


def payout_moments(first: datetime, until: datetime, weekday: str) -> Iterable[datetime]:
    """Every `weekday` at 05:00 UTC after `first`, up to `until`."""
    day = first.replace(hour=5, minute=0, second=0, microsecond=0)
    day += timedelta(days=(WEEKDAYS.index(weekday) - day.weekday()) % 7)
    if day <= first:
        day += timedelta(days=7)
    while day <= until:
        yield day
        day += timedelta(days=7)


@dataclass
class Books:
    """A provider's movements and the payouts made from them up to `now`."""

    moves: list[Move]
    weekday: str
    hold: timedelta
    payout_id: Any  # (number, moment) -> id
    reference: Any = None  # (number in its month, moment) -> the bank reference, or None
    _cache: dict[datetime, list[Payout]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.moves.sort(key=lambda m: (m.when, m.id))

    def payouts(self, now: datetime) -> list[Payout]:
        """The payouts made up to `now`, oldest first; each move knows its payout (or None)."""
        if now in self._cache:
            return self._cache[now]
        for move in self.moves:
            move.payout = None
        made: list[Payout] = []
        if self.moves:
            for moment in payout_moments(self.moves[0].when, now, self.weekday):
                due = [m for m in self.moves if m.payout is None and m.when + self.hold <= moment]
                total = sum((m.net for m in due), ZERO)
                if not due or total <= 0:
                    continue
                in_month = 1 + sum(1 for p in made if (p.when.year, p.when.month) == (moment.year, moment.month))
                payout = Payout(self.payout_id(len(made) + 1, moment), moment, total, due)
                payout.reference = self.reference(in_month, moment) if self.reference else ""
                for move in due:
                    move.payout = payout.id
                made.append(payout)
        self._cache.clear()
        self._cache[now] = made
        return made

    def seen(self, now: datetime) -> list[Move]:
        self.payouts(now)
        return [m for m in self.moves if m.when <= now]

    def balance(self, now: datetime) -> Decimal:
        """What the provider holds at `now`: all movements so far less what it paid out."""
        paid = sum((p.amount for p in self.payouts(now)), ZERO)
        return sum((m.net for m in self.seen(now)), ZERO) - paid

    def available(self, now: datetime) -> Decimal:
        return sum((m.net for m in self.seen(now) if m.payout is None and m.when + self.hold <= now), ZERO)

    def pending(self, now: datetime) -> Decimal:
        return sum((m.net for m in self.seen(now) if m.payout is None and m.when + self.hold > now), ZERO)

    def paid_out(self, now: datetime) -> list[tuple[str, datetime, Decimal]]:
        """(payout id, date, amount) of every payout up to `now`."""
        return [(p.id, p.when, p.amount) for p in self.payouts(now)]


def pick(sales: list[Sale], seed: int, salt: str, taken: set[int], before: datetime) -> Sale | None:
    """A sale without refunds, paid before `before`, chosen by a seeded hash and never twice;
    from the first half of the history when it has one (so later sales carry what the pick
    takes back into a payout)."""
    free = [s for s in sales if not s.refunds and s.order_id not in taken and s.paid < before]
    half = sales[len(sales) // 2].paid if sales else before
    fits = [s for s in free if s.paid < half] or free
    if not fits:
        return None
    chosen = min(fits, key=lambda s: hashlib.sha256(f"{seed}|{salt}|{s.order_id}".encode()).digest())
    taken.add(chosen.order_id)
    return chosen


def add_late_refund(woo, sale: Sale, days: int, share: Decimal = Decimal("0.25")) -> Refund:
    """Refund part of `sale` in the shop `days` after its payment (amount-only, as a
    goodwill refund), so the provider's refund lands in a later payout than the payment."""
    local = (sale.paid + timedelta(days=days)).astimezone(ZoneInfo(woo.store.timezone)).replace(tzinfo=None)
    request = RefundRequest(woo.allocate_id(), local, (), cents(sale.total * share), "Coulance: te laat geleverd")
    order, refund = refund_order(woo.orders[sale.order_id], request, woo.store)
    woo.add_order(order)
    woo.refunds.setdefault(sale.order_id, []).insert(0, refund)
    sale.order = order
    made = Refund(refund["id"], utc(refund["date_created_gmt"]), Decimal(refund["amount"]))
    sale.refunds.append(made)
    return made
