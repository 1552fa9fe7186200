"""The desk's one seam to the runner: what a page reads (a client's status, runs, preview, VAT
report) and what a button does (retry, run now), each returning plain data. Everything here
calls what the CLI calls, so a page and a command can never disagree; when the services of
issue 20 land (runner/services/{status,run,retry,preview,report}.py) this file is the only one
that changes. Every action takes the spec's run lock without waiting: a click never books
beside a cron run, it says the client is busy."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from runner.domain.settlement import NAMES
from runner.errors import RunnerError, SpecError
from runner.ledger import Ledger
from runner.ledger.lock import RunLock, run_lock
from runner.pipeline.outcome import status as ledger_status
from runner.spec.model import Spec

RUN_DAYS = 14  # the runs a client's page lists
PREVIEW_LIMIT = 10  # the next due orders a client's page previews


def lock_path(spec: Spec) -> Path:
    return spec.state_file.with_name(spec.state_file.name + ".lock")


def status(spec: Spec) -> dict[str, Any]:
    """What `runner status` says of one spec (runner/cli/status.py summary_of), read from a
    copy of the ledger: cheap, and never in a run's way."""
    from runner.adapters.exact.logins import login_of
    from runner.adapters.exact.oauth import TokenStore

    with Ledger.dry_copy(spec.state_file) as ledger:
        summary = ledger_status(ledger)
        summary["runs"] = [dict(run) for run in ledger.runs()]
        summary["ledger_damaged"] = ledger.damaged or ""
    try:
        summary["token_age_days"] = TokenStore(login_of(spec).path, "", "", "").age_days()
    except SpecError:
        summary["token_age_days"] = None
    path = lock_path(spec)
    holder = RunLock(path).holder() if path.exists() else None
    alive = holder is not None and not holder.gone and _held(path)
    summary["running"] = {"pid": holder.pid, "host": holder.host, "since": holder.since} if alive and holder else None
    return summary


def _held(path: Path) -> bool:
    with open(path, "a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def recent_runs(summary: dict[str, Any], today: date, days: int = RUN_DAYS) -> list[dict]:
    """The runs of the last `days` days, newest first."""
    first = (today - timedelta(days=days - 1)).isoformat()
    return [r for r in reversed(summary.get("runs") or []) if str(r.get("started", ""))[:10] >= first]


def _parts(spec: Spec, read_only: bool = False):
    """The shop, Exact and the ledger a spec names (runner/cli/common.py parts)."""
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.adapters.woo.source import source_from_spec

    spec.require_env("woocommerce", "exact")
    ledger = Ledger.dry_copy(spec.state_file) if read_only else Ledger(spec.state_file, compact=True)
    source, sink = source_from_spec(spec), sink_from_spec(spec, ledger, store_from_spec(spec))
    if read_only:
        ledger.claim(source.name, sink.name, record=False, about=source.about)
    return source, sink, ledger


def _book(spec: Spec, retrying: bool = False) -> dict[str, Any]:
    """One run under the spec's lock, as `runner run` (or `runner retry`: every failed order
    now, whatever its backoff) makes it. Raises Busy when another run (cron's, the schedule's,
    another click) holds the lock; "nothing" when there was nothing to retry."""
    from runner.adapters.vies import vies_from_spec
    from runner.pipeline import due, engine

    with run_lock(lock_path(spec)):
        source, sink, ledger = _parts(spec)
        try:
            how = {}
            if retrying:
                how["retry_now"] = due.retries(ledger, [])
                if not how["retry_now"]:
                    return {"booked": [], "failed": {}, "nothing": True}
            return engine.Run(spec, source, sink, ledger, vies=vies_from_spec(spec))(**how).as_dict()
        finally:
            ledger.close()


def run_now(spec: Spec) -> dict[str, Any]:
    """Book what is due, as a cron run would."""
    return _book(spec)


def retry(spec: Spec) -> dict[str, Any]:
    """Retry every failed order now (`runner retry SPEC`)."""
    return _book(spec, retrying=True)


def preview(spec: Spec, limit: int = PREVIEW_LIMIT) -> dict[str, Any]:
    """The next due orders as `runner preview` shows them, with the books' description of
    every GL account and VAT code; read-only (a copy of the ledger, nothing posted)."""
    from runner.services import preview as previews

    source, sink, ledger = _parts(spec, read_only=True)
    try:
        result = previews.online(spec, source, sink, ledger, (), limit)
    finally:
        ledger.close()
    documents = []
    for document, item in result.documents:
        documents.append(
            {
                "order": item.get("order"),
                "refund": item.get("refund"),
                "customer": item.get("customer"),
                "warnings": item.get("warnings") or [],
                "lines": [_line(line, result.names) for line in document.lines],
                "net": sum((line.net for line in document.lines), start=Decimal(0)),
                "vat": sum((line.vat for line in document.lines), start=Decimal(0)),
            }
        )
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
    """`runner report SPEC --from --to`: per VAT-return box, shop against Exact, and the
    documents behind every difference (read-only)."""
    from runner.pipeline.ports import capability
    from runner.services import reconcile
    from runner.services.vat_report import period

    first, last = period(start, end)
    source, sink, ledger = _parts(spec, read_only=True)
    try:
        read = capability(sink, "books_reader")
        if read is None:
            raise SpecError(f"{sink.name} cannot be read back for a report", "report on a spec that books into Exact")
        paid, codes = capability(sink, "payments_reader")(), capability(sink, "vat_codes")
        result = reconcile.reconcile(spec, source, read(), ledger, first, last, None, paid, codes)
    finally:
        ledger.close()
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
    from runner.adapters.exact.settlements import SettlementBooks
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
        books = SettlementBooks(sink.api, ledger, sink.receipt_sign)
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
    amount and the bank entry's number in Exact (no fee estimate: it pays nothing out)."""
    done = [r for r in records if r.get("provider") == provider and r.get("state") == "done" and r.get("payout") is not None]
    done.sort(key=lambda r: (r.get("day") or "", r.get("id") or ""), reverse=True)
    return [
        {"day": r.get("day"), "reference": r.get("reference") or r.get("id"), "amount": Decimal(r["payout"]), "entry": r.get("number")}
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
    from runner.adapters.exact.settlements import SettlementBooks
    from runner.adapters.psp import provider_for
    from runner.services.settle import SettleOptions, chosen, settle

    chosen(spec, ())
    spec.require_env("settlements")
    with run_lock(lock_path(spec)):
        source, sink, ledger = _parts(spec)
        try:
            books = SettlementBooks(sink.api, ledger, sink.receipt_sign)
            known = spec.settlements.providers()
            adapter = lambda name: provider_for(name, known[name], now=clock)  # noqa: E731
            return settle(spec, ledger, source, books, sink, adapter, SettleOptions(), today).as_dict()
        finally:
            ledger.close()


def now() -> float:
    return time.time()
