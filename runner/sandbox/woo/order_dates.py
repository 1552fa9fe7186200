"""An order's dates as the REST API writes them (shop-local and the `_gmt` twin), and what a
status change or any later save does to them: shared by the order builder, refunds, the
catalogue and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from runner.sandbox.woo.carts import DEFAULT_STORE, Store

EDITABLE = ("pending", "on-hold", "auto-draft", "checkout-draft")
UNPAID = ("pending", "failed")


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(when: datetime | None) -> str | None:
    """A date as the REST API writes it: `YYYY-MM-DDTHH:MM:SS`, no offset."""
    return when.isoformat(timespec="seconds") if when else None


def gmt_date(when: datetime | None, store: Store = DEFAULT_STORE) -> str | None:
    """The `_gmt` twin of a shop-local date (CET/CEST for the default store)."""
    if when is None:
        return None
    aware = when.replace(tzinfo=_zone(store.timezone)).astimezone(UTC)
    return aware.replace(tzinfo=None).isoformat(timespec="seconds")


def with_status(order: dict[str, Any], status: str, when: datetime, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    """The order after a status change at `when` (shop-local): date_modified moves; the paid
    date is set the first time the order gets paid (WC_Order::maybe_set_date_paid keeps one
    set before), the completed date on every change to completed, also when completed again
    after an edit (WC_Order::maybe_set_date_completed sets it to now whatever it was)."""
    new = {**order, "status": status}
    if status in ("processing", "completed") and not order.get("date_paid"):
        new["date_paid"], new["date_paid_gmt"] = local_date(when), gmt_date(when, store)
    if status == "completed" and order.get("status") != "completed":
        new["date_completed"], new["date_completed_gmt"] = local_date(when), gmt_date(when, store)
    new["is_editable"] = status in EDITABLE
    new["needs_payment"] = status in UNPAID and Decimal(order["total"]) > 0
    return touched(new, when, store)


def touched(order: dict[str, Any], when: datetime, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    """The order after any save at `when`: only date_modified changes."""
    return {**order, "date_modified": local_date(when), "date_modified_gmt": gmt_date(when, store)}
