"""What the commands show, as plain text lines: the preview table, the run summary and
the status page. Pure functions; the CLI prints what they return."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
            for row in rows]


def preview_lines(result, payloads_json: list[str] | None, explain_skips: bool) -> list[str]:
    rows = [("order", "date", "customer", "total", "VAT per code", "lines", "document")]
    for doc, item in result.documents:
        customer = item["customer"].get("collective") or item["customer"]["match"]["email"]
        vat = ", ".join(f"{code}: {amount:.2f}" for code, amount in doc.vat_by_code().items())
        kind = ("credit " if doc.total < 0 else "") + ("invoice" if doc.target == "sales_invoice" else "entry")
        label = f"{doc.order_number}" + (f" r{doc.refund_id}" if doc.refund_id else "")
        rows.append((label, doc.entry_date.isoformat(), customer, f"{doc.total:.2f}", vat, str(len(doc.lines)), kind))
    out = table(rows, right=(3,))
    for index, (doc, item) in enumerate(result.documents):
        out += [f"  ! {doc.order_number}: {warning}" for warning in item["warnings"]]
        if payloads_json:
            out.append(payloads_json[index])
    if explain_skips:
        out += [f"skipped order {order_id}: {why}" for order_id, why in sorted(result.skipped.items())]
    orders = len({doc.order_id for doc, _ in result.documents})
    out.append(f"{len(result.documents)} document(s) from {orders} order(s); {len(result.skipped)} skipped; {len(result.failures)} failed")
    return out


def run_summary(report: dict[str, Any]) -> str:
    credits = f", {len(report['credits'])} credit document(s)" if report["credits"] else ""
    left = f" ({report['daily_left']:,} left today)" if report.get("daily_left") is not None else ""
    waiting = f", {len(report['waiting'])} waiting to retry" if report.get("waiting") else ""
    line = (f"booked {len(report['booked'])} order(s){credits}; skipped {report['skipped']}; failed {len(report['failed'])}{waiting}; "
            f"Exact calls {report['exact_calls']}{left}")
    return line + (f"; stopped early: {report['stopped']}" if report.get("stopped") else "")


def status_lines(status: dict[str, Any]) -> list[str]:
    out = [f"booked: {status['booked_total']} order(s), {status['credits_total']} credit document(s); "
           f"today {status['booked_today']}, this month {status['booked_month']}"]
    last = status.get("last_run")
    if last:
        out.append(f"last run: {last['started']} - booked {len(last['booked'])}, failed {len(last['failed'])}"
                   + (f", stopped: {last['stopped']}" if last.get("stopped") else ""))
        if last.get("daily_left") is not None:
            out.append(f"Exact calls left today (at the last run): {last['daily_left']:,}")
    else:
        out.append("last run: never")
    if status.get("last_success"):
        out.append(f"last run without failures: {status['last_success']}")
    age = status.get("token_age_days")
    if age is None:
        out.append("Exact login: none yet (run `runner auth SPEC`)")
    else:
        out.append(f"Exact login refreshed {age:.1f} day(s) ago")
        if age >= 25:
            out.append("WARNING: the Exact login dies after 30 days unused; run the sync (or `runner auth SPEC`) soon")
    if status["pending"]:
        out.append(f"unknown outcomes to look up on the next run: {len(status['pending'])}")
    if status["failures"]:
        out.append(f"failed: {len(status['failures'])} order(s)")
        rows = [("order", "attempts", "next retry", "message")]
        rows += [(str(f["order"]), str(f["attempts"]), f.get("next_retry") or "after `runner retry`", f["message"]) for f in status["failures"]]
        out += ["  " + line for line in table(rows)]
    return out


def today_utc() -> str:
    return datetime.now(timezone.utc).date().isoformat()
