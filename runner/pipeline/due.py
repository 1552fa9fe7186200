"""What is due, and what an order becomes: the one path that `run`, `run --dry-run`,
`preview` (offline and online) and `report` share, so they can never disagree.

- `Window`: which orders the spec books (trigger statuses, the backfill start) and the
  verdict on one order: due, or why not.
- `listing`: which orders to look at in the shop: everything since the backfill start on
  a first run (or when the spec's statuses grew), else what changed since the last run.
- `read_order` + `plans`: a listed order (runner/domain/listed.py: what the Source yields,
  never the shop's JSON), read with its product categories once it is due, and its listed
  refunds become documents, each with the customer it is booked on and the payment that
  settles it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from runner.domain.booking import Booker, CustomerPlan, Document, PaymentPlan
from runner.domain.listed import Listed, ListedRefund
from runner.domain.model import Order
from runner.errors import BookingError, RunnerError, UsageError
from runner.pipeline.ports import Source

OVERLAP = 3600  # seconds re-read before the cursor: saves that raced the last listing
CURSOR = "woo_modified_gmt"  # ledger cursor: the newest date_modified_gmt a complete listing saw (the shop's clock)
SINCE = "orders_since"  # ledger cursor: the first entry date the ledger books (YYYY-MM-DD)
COVERED = "orders_covered"  # ledger cursor: {since, statuses} of the last complete full listing
STATUSES = "orders_statuses"  # older ledgers: the statuses the cursor covers


@dataclass(frozen=True)
class Window:
    """What a spec books: orders that reached a trigger status (or were refunded after
    one), and of those the documents dated on or after `since` (shop-local): a sale by its
    entry date, a credit by its refund's date, so a sale before the start is left to
    whoever booked it then while its later refunds are credited."""

    statuses: frozenset[str]
    since: date | None = None
    timezone: str = "Europe/Amsterdam"

    @classmethod
    def of(cls, statuses: Iterable[str], since: str | date | None = None, ledger: Any = None, timezone: str = "Europe/Amsterdam") -> Window:
        """The window of a spec: from the ledger's start once it has one, else `since`."""
        start = (ledger.cursor(SINCE) if ledger is not None else None) or since
        return cls(frozenset(statuses), _day(start), timezone)

    def verdict(self, listed: Listed, started: bool = False) -> str | None:
        """None when the order's documents are due (each still subject to `includes`); else
        why not. An order whose booking started is due whatever its status has become."""
        if started or listed.reached(self.statuses):
            return None
        return f"status '{listed.status}' is not one of orders.statuses ({', '.join(sorted(self.statuses))})"

    def includes(self, document: Document) -> bool:
        return self.since is None or document.entry_date >= self.since

    def why_not(self, document: Document) -> str:
        what = "refund" if document.refund_id is not None else "sale"
        return f"{what} dated {document.entry_date.isoformat()}, before orders.since ({self.since})"

    def listed_statuses(self) -> list[str]:
        return sorted(self.statuses | {"refunded"})

    def start_gmt(self) -> str | None:
        """Shop-local midnight of `since`, in UTC, as the API takes it with dates_are_gmt."""
        if self.since is None:
            return None
        local = datetime.combine(self.since, time(0), ZoneInfo(self.timezone))
        return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def start(ledger: Any, *asked: str | None) -> str | None:
    """The earliest start anyone asked for: the ledger's, `--since`, orders.since."""
    starts = [str(d)[:10] for d in ((ledger.cursor(SINCE) if ledger is not None else None), *asked) if d]
    return min(starts) if starts else None


class Listing:
    """The orders to look at: all of the window (every order modified since its start) on
    a first run, after an interruption, or when the window grew (an earlier `--since`,
    more statuses); else those changed since the newest change the last complete listing
    saw. Tracks that newest change on the shop's own clock: the runner's clock never
    decides what is read. Reads only; `advance` moves the cursor once it was read to the end."""

    def __init__(self, source: Source, window: Window, ledger: Any) -> None:
        self.source, self.window, self.ledger = source, window, ledger
        cursor = ledger.cursor(CURSOR)
        covered = ledger.cursor(COVERED) or ({"since": ledger.cursor(SINCE), "statuses": ledger.cursor(STATUSES)} if cursor else None)
        self.full = (
            cursor is None
            or not covered
            or not window.statuses <= set(covered.get("statuses") or window.statuses)
            or (window.since is not None and window.since < (_day(covered.get("since")) or window.since))
        )
        self.after = window.start_gmt() if self.full else _gmt(_epoch(cursor) - OVERLAP)
        self.newest = cursor
        self.complete = False

    def __iter__(self) -> Iterator[Listed]:
        statuses = self.window.listed_statuses() if self.full else None
        for listed in self.source.orders(statuses, modified_after_gmt=self.after):
            changed = listed.changed
            if changed and (self.newest is None or changed > self.newest):
                self.newest = changed
            yield listed
        self.complete = True

    def advance(self) -> None:
        """After a complete listing: the next run reads what changed after the newest change seen."""
        if not self.complete:
            return
        newest = self.newest or self.after
        if newest:
            self.ledger.set_cursor(CURSOR, newest)
        since = self.window.since.isoformat() if self.window.since else None
        self.ledger.set_cursor(COVERED, {"since": since, "statuses": sorted(self.window.statuses)})


def retries(ledger: Any, named: Sequence[int] = ()) -> list[int]:
    """The failed orders `runner retry` books now: all of them, or the ones named. Naming an
    order that has not failed is a mistake, said with what the ledger knows of it."""
    failed = [f["order"] for f in ledger.failures()]
    for order in named:
        if order in failed:
            continue
        listed = f"failed orders: {', '.join(map(str, failed))}" if failed else "no order has failed"
        booked = ledger.step(order, None, "document")
        if booked and booked.get("state") == "done":
            raise UsageError(f"order {order} is booked already ({listed})", "nothing to retry for it; `runner status SPEC` lists the failures")
        raise UsageError(
            f"order {order} has not failed ({listed})",
            f"`runner run SPEC --order {order}` books it now if it is due; `runner status SPEC` lists the failures",
        )
    return list(named) or failed


@dataclass(frozen=True)
class Planned:
    """One document of an order, with the customer it is booked on and its payment."""

    document: Document
    customer: CustomerPlan
    payment: PaymentPlan | None


def asks_for_refunds(order: Order, store_wide: bool, listed_parents: set[int]) -> bool:
    """Whether an order's refunds must be asked of the shop: its embedded list names some, or
    the shop has no store-wide refunds list (the embedded list may be empty), or that list
    named this order."""
    return bool(order.refund_ids) or not store_wide or order.id in listed_parents


def read_order(listed: Listed, source: Source | None = None) -> Order:
    """The order model, with each product's categories when a shop is at hand (asked only
    now: for an order that is due). Data that cannot be read fails this order only."""
    return listed.read(source.categories if source else None)


def sample(value: Any) -> str:
    """A short rendering of something the shop sent, for a message."""
    shown = str(value)
    return shown if len(shown) <= 120 else shown[:117] + "..."


@contextmanager
def planning(what: str) -> Iterator[None]:
    """Turning one order into documents: any exception it meets (an arithmetic signal, a
    template that raised something of its own, a shape no check foresaw) is that order's
    failure, named, and the run goes on; the runner's own errors pass as they are."""
    try:
        yield
    except RunnerError:
        raise
    except Exception as exc:
        raise BookingError(
            f"{what} cannot be turned into documents ({type(exc).__name__}: {sample(exc)})",
            "look at the order in WooCommerce (a plugin may have saved an odd value); it is retried by itself",
        ) from None


def sale(booker: Booker, order: Order) -> Planned:
    with planning(f"order {order.number}"):
        return _sale(booker, order)


def _sale(booker: Booker, order: Order) -> Planned:
    document = booker.book_order(order)
    if document.total < 0:
        raise BookingError(
            f"order {order.number} has a negative total ({document.total}); money going back is a refund, not a sale",
            "refund the original order in WooCommerce instead (the refund is booked as a credit), or book this one by hand in Exact",
        )
    return Planned(document, booker.customer(order), booker.payment(order, document))


def credit(booker: Booker, order: Order, refund: ListedRefund, earlier: Sequence[ListedRefund] = ()) -> Planned:
    """A refund's credit; `earlier`: the order's refunds before it, which it may not exceed with."""
    with planning(f"refund {refund.label} of order {order.number}"):
        before = [r.read(order) for r in earlier]
        document = booker.book_refund(order, refund.read(order), before)
        return Planned(document, booker.customer(order), booker.payment(order, document))


def plans(booker: Booker, order: Order, refunds: Sequence[ListedRefund] = (), refused: list[tuple[int, BookingError]] | None = None) -> list[Planned]:
    """An order's documents: its sale, then one credit per refund (oldest first). With
    `refused`, a refund that cannot be credited is put there (id, why) and the others go on,
    as in a run (issue 22 #2); without, it fails the order."""
    ordered = sorted(refunds, key=lambda r: r.rank)
    planned = [sale(booker, order)]
    for n, refund in enumerate(ordered):
        try:
            planned.append(credit(booker, order, refund, ordered[:n]))
        except BookingError as exc:
            if refused is None:
                raise
            refused.append((refund.rank, exc))
    return planned


def _day(value: Any) -> date | None:
    """A window start as a date: ledgers before this one kept a timestamp."""
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _gmt(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _epoch(text: str) -> float:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
