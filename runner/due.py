"""What is due, and what an order becomes: the one path that `run`, `run --dry-run`,
`preview` (offline and online) and `report` share, so they can never disagree.

- `Window`: which orders the spec books (trigger statuses, the backfill start) and the
  verdict on one order: due, or why not.
- `listing`: which orders to look at in the shop: everything since the backfill start on
  a first run (or when the spec's statuses grew), else what changed since the last run.
- `read_order` + `plans`: an order (with its product categories) and its refunds become
  documents, each with the customer it is booked on and the payment that settles it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from runner.core.booking import Booker, CustomerPlan, Document, PaymentPlan
from runner.core.model import Order, parse_order, parse_refund, reached_trigger
from runner.errors import BookingError
from runner.seams import Source

OVERLAP = 3600  # seconds re-read before the last cursor: saves that raced the last run
CURSOR = "woo_modified_gmt"  # ledger cursor: when the last listing started, shop's UTC
SINCE = "orders_since"  # ledger cursor: the backfill start the ledger was built with
STATUSES = "orders_statuses"  # ledger cursor: the trigger statuses the cursor covers


@dataclass(frozen=True)
class Window:
    """The orders a spec books: a trigger status (or refunded after one), created on or
    after `since` (shop-local, `YYYY-MM-DDTHH:MM:SS`; empty: no lower bound)."""

    statuses: frozenset[str]
    since: str = ""

    @classmethod
    def of(cls, statuses: Iterable[str], since: str | None = None, ledger: Any = None) -> Window:
        """The window of a spec: the ledger's start once it has one, else `since`."""
        start = (ledger.cursor(SINCE) if ledger is not None else None) or since or ""
        return cls(frozenset(statuses), f"{start}T00:00:00" if len(start) == 10 else start)

    def verdict(self, raw: Mapping[str, Any], started: bool = False) -> str | None:
        """None when the order is due; else why it is not. An order whose booking has
        started is due whatever its status has become (its refunds still need booking)."""
        if started:
            return None
        if not reached_trigger(raw, self.statuses):
            return f"status '{raw.get('status')}' is not one of orders.statuses ({', '.join(sorted(self.statuses))})"
        created = str(raw.get("date_created") or "")
        if self.since and created < self.since:
            return f"created {created[:10]}, before orders.since ({self.since[:10]})"
        return None

    def listed_statuses(self) -> list[str]:
        return sorted(self.statuses | {"refunded"})


def listing(source: Source, window: Window, ledger: Any) -> Iterator[dict]:
    """The orders to look at: all of the window on a first run or when the spec's
    statuses grew since the cursor was set; else those changed since the last listing
    (with an overlap for saves that raced it). Reads only: the caller moves the cursor."""
    cursor = ledger.cursor(CURSOR)
    covered = set(ledger.cursor(STATUSES) or window.statuses) if cursor else set()
    if cursor is None or not window.statuses <= covered:
        return source.orders(window.listed_statuses(), created_after=window.since or None)
    return source.orders(None, modified_after_gmt=_gmt(_epoch(cursor) - OVERLAP))


def advance(ledger: Any, window: Window, started_at: float) -> None:
    """After a complete listing: the next run reads what changed from `started_at` on."""
    ledger.set_cursor(CURSOR, _gmt(started_at))
    ledger.set_cursor(STATUSES, sorted(window.statuses))


@dataclass(frozen=True)
class Planned:
    """One document of an order, with the customer it is booked on and its payment."""

    document: Document
    customer: CustomerPlan
    payment: PaymentPlan | None


def read_order(raw: Mapping[str, Any], source: Source | None = None) -> Order:
    """The order model, with each product's categories when a shop is at hand."""
    categories = {i["product_id"]: source.categories(i["product_id"]) for i in raw.get("line_items") or []} if source else None
    return parse_order(raw, categories)


def sale(booker: Booker, order: Order) -> Planned:
    document = booker.book_order(order)
    if document.total < 0:
        raise BookingError(
            f"order {order.number} has a negative total ({document.total}); money going back is a refund, not a sale",
            "refund the original order in WooCommerce instead (the refund is booked as a credit), or book this one by hand in Exact",
        )
    return Planned(document, booker.customer(order), booker.payment(order, document))


def credit(booker: Booker, order: Order, refund: Mapping[str, Any]) -> Planned:
    document = booker.book_refund(order, parse_refund(refund, order))
    return Planned(document, booker.customer(order), booker.payment(order, document))


def plans(booker: Booker, order: Order, refunds: Sequence[Mapping[str, Any]] = ()) -> list[Planned]:
    """An order's documents: its sale, then one credit per refund (oldest first)."""
    return [sale(booker, order)] + [credit(booker, order, refund) for refund in sorted(refunds, key=lambda r: int(r.get("id") or 0))]


def _gmt(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _epoch(text: str) -> float:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
