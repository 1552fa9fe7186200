"""An order and a refund as a shop lists them, before they are read: what deciding whether an
order is due needs (its id, its status, whether it was paid or completed, when it last
changed), and `read`, which turns it into the `Order` of runner/domain/model.py. A shop's
adapter implements both (runner/adapters/woo/rest.py reads WooCommerce's REST shape); the
pipeline never looks inside what the shop sent.

Reading is lazy on purpose: product categories are asked of the shop only for an order that is
due, and an order (or one refund) whose data cannot be read fails alone, when it is read."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from runner.domain.model import Order, Refund

Categories = Callable[[int], tuple[str, ...]]  # a product's category names, as the shop has them


class Listed(ABC):
    """One order as listed. `id` None: the shop listed something that names no order (said,
    never booked); `shown` is what it sent, shortened, for that message."""

    id: int | None
    status: str  # as the shop names it
    paid: bool  # the shop keeps a date it was paid
    completed: bool  # the shop keeps a date it was completed
    changed: str  # when it last changed, on the shop's clock (UTC, ISO): the listing's cursor; "" when not said
    dated: str  # the day its sale is reckoned at before it is read: completed, else paid, else created (shop-local, ISO); "" when none
    shown: str

    def reached(self, statuses: Iterable[str]) -> bool:
        """Due for booking: a trigger status now, or refunded after reaching one (a completed
        order was completed, a processing one paid): its sale and its refund both belong in the
        books, even when the refund came before the first run saw the order."""
        statuses = frozenset(statuses)
        if self.status in statuses:
            return True
        paid = bool(statuses & {"processing", "on-hold"}) and self.paid
        return self.status == "refunded" and (("completed" in statuses and self.completed) or paid)

    @property
    def rank(self) -> int:
        """The number an orders file is sorted and filtered by: the id, 0 for none."""
        return self.id or 0

    @abstractmethod
    def read(self, categories: Categories | None = None) -> Order:
        """The order, with each product's categories when `categories` is given. Raises a
        `RunnerError` (a `BookingError` for data that cannot be read) for this order alone."""

    def refunds(self) -> list[ListedRefund]:
        """Full refunds the order carries itself (an export with its refunds embedded); a
        shop's listing carries none, they are asked of the source."""
        return []


class ListedRefund(ABC):
    """One refund as listed: `id` as the shop numbers it (raises when it names none: the
    order's refunds cannot be ordered), `rank` the same but 0 for none, `label` for messages."""

    @property
    @abstractmethod
    def id(self) -> int: ...

    @property
    @abstractmethod
    def rank(self) -> int: ...

    @property
    @abstractmethod
    def label(self) -> str: ...

    @abstractmethod
    def read(self, order: Order) -> Refund:
        """The refund of `order` (whose rate snapshot it books at); raises for this refund alone."""
