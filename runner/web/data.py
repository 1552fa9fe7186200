"""The desk's one seam to the runner: what a page reads (a client's status, runs, preview, VAT
report, settlements) and what a button does (retry, run now, settle now), each returning
plain data. Every one is a call to the services the CLI calls (runner/services: status_of,
run_spec, retry_orders, preview_spec, report_period; settle and the settlement report), so a
page and a command can never disagree. Every action takes the spec's run lock without
waiting: a click never books beside a cron run, it says the client is busy."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from runner.domain.settlement import NAMES
from runner.errors import RunnerError
from runner.services.connect import lock_path as _lock_path
from runner.services.connect import parts as _parts
from runner.spec.model import Spec

RUN_DAYS = 14  # the runs a client's page lists
PREVIEW_LIMIT = 10  # the next due orders a client's page previews


def lock_path(spec: Spec) -> Path:
    """The spec's run lock, the one every run takes (cron's, the CLI's, the desk's)."""
    return _lock_path(spec)


def status(spec: Spec) -> dict[str, Any]:
    """What `runner status` says of one spec (services/status.py status_of), with its runs:
    read from a copy of the ledger, cheap, and never in a run's way."""
    from runner.services.status import status_of

    said = status_of(spec)
    return said.as_dict() | {"runs": said.runs}


def recent_runs(summary: dict[str, Any], today: date, days: int = RUN_DAYS) -> list[dict]:
    """The runs of the last `days` days, newest first."""
    first = (today - timedelta(days=days - 1)).isoformat()
    return [r for r in reversed(summary.get("runs") or []) if str(r.get("started", ""))[:10] >= first]


def run_now(spec: Spec) -> dict[str, Any]:
    """Book what is due, as `runner run` does (services/run.py run_spec), without its
    `notify:` alerts (a desk is watched), without settling payouts (the page's Settle now
    does: a webhook may run a client every minute) and without waiting for another run."""
    from runner.services.run import RunOptions, run_spec

    return run_spec(spec, RunOptions(alerts=False, settle=False)).report


def retry(spec: Spec) -> dict[str, Any]:
    """Retry every failed order now, whatever its backoff (`runner retry SPEC`,
    services/retry.py); "nothing" when no order had failed."""
    from runner.services.retry import retry_orders

    report = retry_orders(spec).report
    return report if report is not None else {"booked": [], "failed": {}, "nothing": True}


def preview(spec: Spec, limit: int = PREVIEW_LIMIT) -> dict[str, Any]:
    """The next due orders as `runner preview` shows them (services/preview.py preview_spec),
    with the books' description of every GL account and VAT code; nothing posted."""
    from runner.services.preview import PreviewOptions, preview_spec

    result = preview_spec(spec, PreviewOptions(limit=limit))
    documents = [
        {
            "order": item.get("order"),
            "refund": item.get("refund"),
            "customer": item.get("customer"),
            "warnings": item.get("warnings") or [],
            "lines": [_line(line, result.names) for line in document.lines],
            "net": sum((line.net for line in document.lines), start=Decimal(0)),
            "vat": sum((line.vat for line in document.lines), start=Decimal(0)),
        }
        for document, item in result.documents
    ]
    return {"documents": documents, "failures": result.failures, "skipped": result.skipped, "more": result.more}


def _line(line, names: dict) -> dict[str, Any]:
    return {
        "description": line.description,
        "gl": line.gl_account,
        "gl_name": names.get(("gl", line.gl_account), ""),
        "vat_code": line.vat_code,
        "vat_name": names.get(("vat", line.vat_code), ""),
        "net": line.net,
        "vat": line.vat,
    }


def vat_report(spec: Spec, start: str, end: str) -> dict[str, Any]:
    """`runner report SPEC --from --to` (services/report.py report_period): per VAT-return
    box, shop against Exact, and the documents behind every difference (read-only)."""
    from runner.services.report import ReportOptions, report_period
    from runner.services.vat_report import period

    first, last = period(start, end)
    result = report_period(spec, ReportOptions(start, end)).reconciliation
    boxes = [{"box": b, "shop_net": sn, "shop_vat": sv, "exact_net": en, "exact_vat": ev} for b, sn, sv, en, ev in result.audit.boxes]
    findings = [
        {
            "problem": f.problem,
            "order": f.order_id,
            "shop": f.shop.your_ref if f.shop else "",
            "exact": ", ".join(d.your_ref for d in f.exact),
            "note": f.note,
        }
        for f in result.findings
    ]
    checks = [{"rule": c.rule, "documents": ", ".join(c.documents), "detail": c.detail} for c in result.audit.checks]
    return {"start": first, "end": last, "boxes": boxes, "findings": findings, "checks": checks, "differs": result.differs}


def settlements(spec: Spec, today: date, clock: Callable[[], datetime] | None = None) -> list[dict[str, Any]]:
    """Per provider of the spec's `settlements:`, what `runner report --settlements` says for
    this month (its own function, services/settlement_report.py report): the provider's balance
    and what no payout holds yet beside the journal's in Exact, the difference, what the payouts
    named; with the last payouts the ledger booked. Reads each provider and its journal; posts
    nothing. A provider out of reach is said in its own entry. `clock`: the providers' now."""
    from runner.adapters.psp import provider_for
    from runner.services import settlement_report

    known = spec.settlements.providers()
    if not known:
        return []
    spec.require_env("settlements")
    first = today.replace(day=1)
    last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
    _source, sink, ledger = _parts(spec, read_only=True)
    try:
        books = sink.payout_books(ledger)  # the sink's settlements capability
        number = lambda order, refund: (ledger.step(order, refund, "document") or {}).get("number")  # noqa: E731
        records = ledger.settlements()

        def one(name: str) -> dict[str, Any]:
            try:
                (said,) = settlement_report.report(spec, ledger, books, {name: provider_for(name, known[name], now=clock)}, first, last, number)
            except RunnerError as error:
                return {"provider": name, "journal": known[name].journal, "error": error.message, "hint": error.hint}
            return _settlement(said, records)

        return [{**one(name), "name": NAMES.get(name, name), "payouts": _payouts(records, name)} for name in known]
    finally:
        ledger.close()


LAST_PAYOUTS = 5  # the payouts a client's page lists per provider


def _payouts(records: list[dict], provider: str) -> list[dict[str, Any]]:
    """The last payouts the ledger booked for the provider, newest first: day, reference,
    amount, fees and the bank entry's number in Exact (no fee estimate: it pays nothing out)."""
    done = [r for r in records if r.get("provider") == provider and r.get("state") == "done" and r.get("payout") is not None]
    done.sort(key=lambda r: (r.get("day") or "", r.get("id") or ""), reverse=True)
    return [
        {
            "day": r.get("day"),
            "reference": r.get("reference") or r.get("id"),
            "amount": Decimal(r["payout"]),
            "fees": Decimal(r.get("fees") or "0"),
            "entry": r.get("number"),
        }
        for r in done[:LAST_PAYOUTS]
    ]


def _settlement(said, records: list[dict]) -> dict[str, Any]:
    return {
        "provider": said.provider,
        "journal": said.journal,
        "provider_balance": said.provider_balance,
        "in_transit": said.in_transit,
        "provider_settled": said.provider_balance - said.in_transit,
        "journal_balance": said.journal_balance,
        "unsettled": said.unsettled,
        "journal_settled": said.journal_balance - said.unsettled,
        "difference": said.difference,
        "in_transit_receipts": said.in_transit_receipts,
        "fees": sum(said.fees_per_month.values(), Decimal(0)),
        "named": [*said.chargebacks, *said.unmatched, *said.without_credit],
    }


def settle_now(spec: Spec, today: date, clock: Callable[[], datetime] | None = None) -> dict[str, Any]:
    """`runner settle SPEC` under the spec's run lock, without waiting (Busy when a run holds
    it): each provider's new payouts booked in its journal, its balance beside the journal's."""
    from runner.adapters.psp import provider_for
    from runner.services.settle import SettleOptions, chosen, settle
    from runner.services.turns import turn

    chosen(spec, ())
    spec.require_env("settlements")
    with turn(spec, lock_path(spec)):
        source, sink, ledger = _parts(spec)
        try:
            books = sink.payout_books(ledger)  # the sink's settlements capability
            known = spec.settlements.providers()
            adapter = lambda name: provider_for(name, known[name], now=clock)  # noqa: E731
            return settle(spec, ledger, source, books, sink, adapter, SettleOptions(), today).as_dict()
        finally:
            ledger.close()


def now() -> float:
    return time.time()
