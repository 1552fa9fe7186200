"""`runner status SPEC...`: for one spec the ledger in numbers, the last run (live or not,
its start and end in local time with the zone), failures grouped by their message, the
login's age; for several a table, one row per client."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from runner.cli.common import Out, guarded, load_spec, main, spec_argument
from runner.pipeline.progress import span
from runner.services import settlement_report
from runner.services.status import INTERRUPTED, SpecStatus, status_of
from runner.support.moments import shown
from runner.support.text import table

SHOWN_ORDERS = 6  # order ids named with a group of failures


def local(stamp: str | None, zone: str | None = None) -> str:
    """An ISO time from the ledger in the shop's local time (the spec's woocommerce.timezone), with its zone."""
    return shown(stamp, zone)


def last_run_lines(status: dict[str, Any]) -> list[str]:
    from runner.cli.render import incomplete

    last, running, zone = status.get("last_run"), status.get("running"), status.get("timezone")
    if running and running.get("since") is None:
        return ["running: `runner run --every` holds this ledger between its rounds"] + (last_run_lines({**status, "running": None}) if last else [])
    if not last:
        return ["last run: never" if not running else "running: a run has just begun"]
    counts = f"booked {len(last['booked'])}, failed {len(last['failed'])}"
    if running and last.get("stopped") == INTERRUPTED:
        took = span(time.time() - (running["since"] or time.time()))
        return [f"running for {took} (process {running['pid']} on {running['host']}), started {local(last['started'], zone)}: {counts} so far"]
    if last.get("stopped") == INTERRUPTED:
        return [
            f"last run: started {local(last['started'], zone)}, interrupted, did not end (stopped or killed): "
            f"{counts} before it stopped; the next run carries on"
        ]
    stopped = f", stopped: {last['stopped']}" if last.get("stopped") else ""
    return [f"last run: started {local(last['started'], zone)}, ended {local(last.get('finished'), zone)}: {counts}{stopped}" + incomplete(last)]


def failure_lines(failures: list[dict], zone: str | None = None) -> list[str]:
    """Failures with one message are one group: `160 orders: collective account '999' ...`."""
    groups: dict[str, list[dict]] = {}
    for f in failures:
        groups.setdefault(f["message"], []).append(f)
    out = [f"failed: {len(failures)} order(s)"]
    singles = [fs[0] for fs in groups.values() if len(fs) == 1]
    for message, fs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        if len(fs) > 1:
            names = [_which(f) for f in fs]
            shown = ", ".join(names[:SHOWN_ORDERS]) + (f" and {len(names) - SHOWN_ORDERS} more" if len(names) > SHOWN_ORDERS else "")
            retry = min((f.get("next_retry") or "" for f in fs), default="") or "after `runner retry`"
            out += [f"  {len(fs)} orders: {message}", f"    orders {shown}; next retry {_when(retry, zone)}"]
    if singles:
        rows = [("order", "attempts", "next retry", "message")]
        rows += [(_which(f), str(f["attempts"]), _when(f.get("next_retry") or "after `runner retry`", zone), f["message"]) for f in singles]
        out += ["  " + line for line in table(rows)]
    return out


def _which(f: dict) -> str:
    return f"{f['order']}/{f['refund']}" if f.get("refund") else str(f["order"])  # a refund that failed alone: 7001/7102


def _when(stamp: str, zone: str | None) -> str:
    return local(stamp, zone) if stamp[:1].isdigit() else stamp


def status_lines(status: dict[str, Any]) -> list[str]:
    out = [
        f"booked: {status['booked_total']} order(s), {status['credits_total']} credit document(s); "
        f"today {status['booked_today']}, this month {status['booked_month']}"
    ]
    out += last_run_lines(status)
    last = status.get("last_run")
    if last:
        out += [f"  warning: {warning}" for warning in (last.get("warnings") or [])[:20]]
        if last.get("daily_left") is not None:
            out.append(f"Exact calls left today (at the last run): {last['daily_left']:,}")
    allowance = status.get("allowance") or 0
    of = f" of {allowance:,} (exact.monthly_lines)" if allowance else " (no allowance set: exact.monthly_lines)"
    out.append(f"Exact booking lines this month: {status.get('lines_month') or 0:,}{of}")
    if status.get("last_success"):
        out.append(f"last run without failures: ended {local(status['last_success'], status.get('timezone'))}")
    age = status.get("token_age_days")
    if age is None:
        out.append("Exact login: none yet (run `runner auth SPEC`)")
    else:
        out.append(f"Exact login refreshed {age:.1f} day(s) ago")
        if age >= 25:
            out.append("WARNING: the Exact login dies after 30 days unused; run the sync (or `runner auth SPEC`) soon")
    if status.get("ledger_damaged"):
        out.append(f"WARNING: the ledger cannot be read in full ({status['ledger_damaged']})")
    out += settlement_report.status_lines(status.get("settlements") or [])
    if status["pending"]:
        out.append(f"unknown outcomes to look up on the next run: {len(status['pending'])}")
    if status["failures"]:
        out += failure_lines(status["failures"], status.get("timezone"))
    return out


def overview_lines(rows: list[SpecStatus]) -> list[str]:
    """Several specs: one row per client."""
    lines = [("spec", "now", "booked", "failed", "last run ended", "login")]
    for s in rows:
        age = s.token_age_days
        lines.append(
            (
                s.path,
                s.now,
                str(s.booked_total),
                str(len(s.failures)),
                local(s.last_run.get("finished"), s.timezone) if s.last_run else "-",
                "none" if age is None else f"{age:.1f} d",
            )
        )
    return table(lines)


@main.command()
@spec_argument(many=True)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@guarded
def status(spec_paths, as_json) -> None:
    """Booked, failed and pending orders, the last run (or the one running now), the rate
    budget and the login's age; for several specs one row per client."""
    statuses = [status_of(load_spec(path)) for path in spec_paths]
    for status, path in zip(statuses, spec_paths, strict=True):
        status.path = path  # as the consultant named it
    if as_json:
        data = statuses[0].as_dict() if len(statuses) == 1 else {s.path: s.as_dict() for s in statuses}
        Out.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    for line in status_lines(statuses[0].as_dict()) if len(statuses) == 1 else overview_lines(statuses):
        Out.echo(line)
