"""A client's state on the overview, worst first, from its status (pure). The words are the
consultant's: ok, failing, incomplete, login expiring, stalled; and never run, running."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# worst first: what needs the consultant soonest sorts to the top
ORDER = ("spec broken", "stalled", "failing", "login expiring", "incomplete", "never run", "running", "ok")
LOGIN_WARN_DAYS = 25  # Exact's refresh token dies after 30 days unused
STALL_HOURS = 2  # a run still going after this long is taken for a hang (notify.stall_after overrides)


def state(status: dict[str, Any], now: float, stall_hours: float = STALL_HOURS) -> str:
    last, running = status.get("last_run") or {}, status.get("running")
    if running and running.get("since") is not None and now - running["since"] > stall_hours * 3600:  # None: `run --every` between rounds
        return "stalled"
    if last and str(last.get("stopped", "")).startswith("interrupted") and not running:
        return "stalled"
    if status.get("failures") or (last and last.get("failed")):
        return "failing"
    age = status.get("token_age_days")
    if age is None or age >= LOGIN_WARN_DAYS:
        return "login expiring"
    if last and (last.get("missing") or last.get("unmatched")):
        return "incomplete"
    if running:
        return "running"
    if not last:
        return "never run"
    return "ok"


def rank(name: str) -> int:
    return ORDER.index(name) if name in ORDER else len(ORDER)


def row(name: str, status: dict[str, Any], now: float, next_run: float | None, allowance: int = 0, stall_hours: float = STALL_HOURS) -> dict:
    """One overview row: everything the table shows and sorts by."""
    last = status.get("last_run") or {}
    failures = status.get("failures") or []
    shown = state(status, now, stall_hours)
    differ = [p["provider"] for p in status.get("settlements") or [] if p.get("agrees") is False]
    outcome = "-"
    if last:
        outcome = f"booked {len(last.get('booked') or [])}, failed {len(last.get('failed') or {})}"
        outcome += f", stopped: {last['stopped']}" if last.get("stopped") else ""
    return {
        "name": name,
        "state": shown,
        "rank": rank(shown),
        "last_run": local(last.get("finished") or last.get("started")) if last else "never",
        "outcome": outcome,
        "today": status.get("booked_today", 0),
        "month": status.get("booked_month", 0),
        "failures": len(failures),
        "first_failure": failures[0]["message"] if failures else "",
        "calls_left": last.get("daily_left") if last else None,
        "lines_month": status.get("lines_month"),
        "allowance": allowance,
        "login_days": status.get("token_age_days"),
        "next_run": None if next_run is None else int(next_run),
        "settlements_differ": differ,  # providers whose journal differed at the last settle (from the ledger)
        "flags": "settlements differ" if differ else "",
    }


def local(stamp: str | None) -> str:
    if not stamp:
        return "-"
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp
