"""Moments as a consultant reads them: the shop's local time with its zone
(`2025-06-14 13:30:05 CEST`), never a UTC ISO string. The shop's zone is the spec's
`woocommerce.timezone` (Europe/Amsterdam unless it says otherwise): the zone the shop's
orders, days and the consultant's client live in, whatever zone the server runs in."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SHOP_ZONE = "Europe/Amsterdam"


def shown(moment: datetime | float | str | None, zone: str | None = SHOP_ZONE, seconds: bool = True) -> str:
    """An epoch, an aware datetime or an ISO time (a naive one is this machine's local time,
    as the ledger wrote it) in `zone`, with the zone's abbreviation; "-" for none; text that
    is no time comes back as it is."""
    if moment is None or moment == "":
        return "-"
    try:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        elif not isinstance(moment, datetime):
            moment = datetime.fromtimestamp(float(moment), UTC)
        local = moment.astimezone(_zone(zone))
    except (ValueError, TypeError, OverflowError, OSError):
        return str(moment)
    return local.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def _zone(name: str | None):
    try:
        return ZoneInfo(name or SHOP_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # astimezone(None): this machine's own zone


def at(epoch: float, zone: str | None = SHOP_ZONE, now: float | None = None) -> str:
    """A moment soon to come, as a clock says it: `14:30 CET`, with the date when it is not
    today's (`2025-06-15 00:15 CET`); `now` is the moment it is said at."""
    tz = _zone(zone)
    moment = datetime.fromtimestamp(epoch, UTC).astimezone(tz)
    today = datetime.fromtimestamp(epoch if now is None else now, UTC).astimezone(tz).date()
    return moment.strftime("%H:%M %Z" if moment.date() == today else "%Y-%m-%d %H:%M %Z")
