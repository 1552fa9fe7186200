"""The balance every bank or cash entry opens on. Exact: "Bank entries have an opening balance
which should be the end balance of the previous entry. Opening balance plus all bank entry lines
should result in the closing balance" (psp-settlements.md section 6 [C]); the previous entry is
the journal's chronologically last, ordered by FinancialYear, FinancialPeriod, then EntryNumber
(EntryNumber alone is not date order) [C3]. What Exact does with an entry that leaves the
balances out is [U], so the runner never leaves them out.

One reading for both writers of such entries: the per-order receipts (receipts.py) and the
payouts (settlements.py). A journal is read once a run, then carried forward by each entry the
run posts; an entry whose answer was lost is forgotten, so the next read continues from
whatever Exact holds (the lost entry, once found, or the one before it)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from runner.adapters.exact.client import ExactApi, quote
from runner.adapters.exact.master import decimal_of
from runner.domain.money import ZERO, text

CHRONOLOGY = ("FinancialYear", "FinancialPeriod", "EntryNumber")
FIELDS = ",".join(("ClosingBalanceFC", *CHRONOLOGY))  # what the chronology needs of an entry


def last_closing(rows: Iterable[dict]) -> Decimal:
    """The ClosingBalanceFC of the chronologically last entry of `rows`; 0 for none."""
    last = max(rows, key=lambda row: tuple(int(row.get(name) or 0) for name in CHRONOLOGY), default=None)
    return ZERO if last is None else decimal_of(last.get("ClosingBalanceFC"))


def lines_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return next(value for key, value in payload.items() if key.endswith("EntryLines"))


class Balances:
    """Per (endpoint, journal): the balance the next entry opens on."""

    def __init__(self, api: ExactApi) -> None:
        self.api = api
        self._held: dict[tuple[str, str], Decimal] = {}

    def clear(self) -> None:
        """A new run: every journal is read again (someone may have booked in it since)."""
        self._held.clear()

    def opening(self, endpoint: str, journal: str) -> Decimal:
        """One read of the journal's last entry (ordered by Exact, one row), then what this run moved it to."""
        key = (endpoint, journal)
        if key not in self._held:
            newest = ",".join(f"{name} desc" for name in CHRONOLOGY)
            self._held[key] = last_closing(self.api.get(endpoint, FIELDS, f"JournalCode eq {quote(journal)}", top=1, orderby=newest))
        return self._held[key]

    def seen(self, endpoint: str, journal: str, rows: Iterable[dict]) -> Decimal:
        """The journal read whole by its caller (settlements.py reads the lines for its tags)."""
        self._held[(endpoint, journal)] = last_closing(rows)
        return self._held[(endpoint, journal)]

    def chained(self, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The entry with OpeningBalanceFC (the journal's balance) and ClosingBalanceFC (plus its lines)."""
        opening = self.opening(endpoint, payload["JournalCode"])
        moved = sum((decimal_of(line.get("AmountFC")) for line in lines_of(payload)), ZERO)
        return {**payload, "OpeningBalanceFC": text(opening), "ClosingBalanceFC": text(opening + moved)}

    def post(self, endpoint: str, payload: dict[str, Any]) -> tuple[dict, dict[str, Any]]:
        """Post the entry chained on its journal and carry the balance forward: Exact's answer
        and what was sent. Any failure forgets the journal: a refusal may be a stale balance,
        a lost answer may have landed."""
        chained = self.chained(endpoint, payload)
        try:
            row = self.api.post(endpoint, chained)
        except Exception:
            self._held.pop((endpoint, payload["JournalCode"]), None)
            raise
        self._held[(endpoint, payload["JournalCode"])] = decimal_of(chained["ClosingBalanceFC"])
        return row, chained
