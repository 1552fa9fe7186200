"""What the desk's routes show and say beside the pages: a client's overview row, the sorts,
a button's outcome in one sentence, a failure split into Exact's words and what to do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from runner.domain.settlement import NAMES
from runner.errors import Busy, RunnerError
from runner.web import data
from runner.web.states import STALL_HOURS, row


def overview_row(client, moment: float, next_run: float | None) -> dict:
    """A client's overview row; a spec that no longer reads is a row that says so, first."""
    try:
        spec = client.spec
        stall = spec.notify.stall.total_seconds() / 3600 if spec.notify and spec.notify.stall_after else STALL_HOURS  # as the CLI's alerts
        return row(client.name, data.status(spec), moment, next_run, spec.exact.monthly_lines, stall)
    except RunnerError as error:
        return {**row(client.name, {}, moment, next_run), "state": "spec broken", "rank": 0, "first_failure": error.message}


SORTS = {
    "state": lambda r: (r["rank"], r["name"]),
    "name": lambda r: r["name"],
    "failures": lambda r: (r["failures"], r["name"]),
    "today": lambda r: r["today"],
    "month": lambda r: r["month"],
    "login": lambda r: -(r["login_days"] if r["login_days"] is not None else 1e9),
}


def act(client, what: str, today: date, clock: Callable[[], datetime]) -> str:
    """A button's run, said in one sentence for the page."""
    try:
        if what == "retry":
            result = data.retry(client.spec)
            if result.get("nothing"):
                return "nothing to retry: no order has failed"
        elif what == "run":
            result = data.run_now(client.spec)
        elif what == "settle":
            return settled(data.settle_now(client.spec, today, clock))
        else:
            return f"there is no button {what!r}"
    except Busy:
        return "a run of this client is busy (cron's or the schedule's); nothing was started, try again in a minute"
    except RunnerError as error:
        return f"{error.message}" + (f"; what to do: {error.hint}" if error.hint else "")
    failed = result.get("failed") or {}
    said = f"booked {len(result.get('booked') or [])} order(s)"
    return said + (f", {len(failed)} failed" if failed else "") + (f", stopped: {result['stopped']}" if result.get("stopped") else "")


def failure(record: dict) -> dict:
    """A failure with Exact's words and what to do, split where the runner's message says it."""
    message = record.get("message", "")
    words, _, todo = message.partition("what to do:")
    return {
        "order": f"{record['order']}/{record['refund']}" if record.get("refund") else str(record["order"]),
        "message": words.strip().rstrip("(;").strip(),
        "todo": todo.strip().rstrip(")") or "put it right in Exact or in the spec, then press Retry",
        "attempts": record.get("attempts", 0),
        "next_retry": record.get("next_retry") or "after Retry",
    }


def settled(result: dict) -> str:
    """`runner settle`'s outcome in one sentence: per provider the payouts booked now and what
    failed (whether its journal agrees shows in its section, as `report --settlements` says)."""
    out = []
    for p in result.get("providers") or []:
        name = NAMES.get(p["provider"], p["provider"])
        said = f"{name} {len(p.get('booked') or [])} payout(s) booked"
        said = f"{name} {p['estimated']} day(s) of fees estimated" if p.get("estimated") else said
        said += f", {len(p['failed'])} failed ({'; '.join(p['failed'].values())})" if p.get("failed") else ""
        out.append(said)
    return "settled: " + ("; ".join(out) or "no provider to settle")
