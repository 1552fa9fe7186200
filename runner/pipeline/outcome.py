"""What a run reports (`Outcome`, kept in the ledger per run) and the ledger in numbers
for `runner status`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass
class Outcome:
    started: str
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    booked: list[int] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # steps the books held although the ledger did not know them
    notes: list[str] = field(default_factory=list)  # what the consultant should know about this run
    missing: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # receipts posted this run that left their sale open in the books
    warnings: list[str] = field(
        default_factory=list
    )  # what an accountant should look at in the documents posted  # due documents the ledger has as booked that the books do not hold
    skipped: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    waiting: list[int] = field(default_factory=list)
    settled: int = 0
    stopped: str = ""
    exact_calls: int = 0
    exact_lines: int = 0  # booking lines posted on documents: Exact's editions allow so many a month
    woo_calls: int = 0
    daily_left: int | None = None
    finished: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: (v if not isinstance(v, dict) else {str(i): m for i, m in v.items()}) for k, v in self.__dict__.items()}


def iso(epoch: float, gmt: bool = False, tz: str | None = None) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    if tz:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if gmt or tz else moment.isoformat(timespec="seconds")


def status(ledger) -> dict[str, Any]:
    """The ledger in numbers, for `runner status`."""
    today = datetime.now(UTC).date().isoformat()
    orders = credits = booked_today = booked_month = 0
    for refund, day in ledger.documents_done():
        if refund:
            credits += 1
        else:
            orders, booked_today, booked_month = orders + 1, booked_today + (day == today), booked_month + day.startswith(today[:7])
    blank = {k: v for k, v in Outcome(started="").as_dict().items() if k != "run"}
    runs = [{**blank, **run} for run in ledger.runs()]  # a run record leaves out its empty fields
    clean = [r for r in runs if not r.get("failed") and not r.get("stopped")]
    return {
        "booked_total": orders,
        "credits_total": credits,
        "booked_today": booked_today,
        "booked_month": booked_month,
        "last_run": runs[-1] if runs else None,
        "last_success": clean[-1]["finished"] if clean else None,
        "lines_month": sum(r.get("exact_lines") or 0 for r in runs if str(r.get("started") or "").startswith(today[:7])),
        "failures": [dict(f) for f in ledger.failures()],  # records as the dicts they were: the status is JSON too
        "pending": [dict(i) for i in ledger.open_intents()],
    }
