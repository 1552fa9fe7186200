"""The VAT report of a period (`runner report`, the dashboard's "VAT report"): the shop's
orders and refunds of the period against what Exact holds, per VAT code and GL account, with
the documents behind every difference and the check on the runner (the VAT return's boxes).
Reads only; with `sandbox` a fresh sandbox's shop is booked first, then reconciled.

    from runner.services.report import ReportOptions, report_period
    done = report_period("clients/acme.yaml", ReportOptions("2026-10-01", "2026-12-31"))
    done.reconciliation.differs, done.exit_code
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import SpecError
from runner.pipeline import engine
from runner.pipeline.ports import capability
from runner.pipeline.progress import Tick
from runner.services.connect import Secrets, hear_waits, open_spec, parts, target, vies
from runner.services.vat_report import period
from runner.spec.model import Spec

Progress = Callable[[Tick | None], None]


@dataclass(frozen=True)
class ReportOptions:
    """`start` and `end`: the first and last entry date of the period (YYYY-MM-DD, shop-local,
    inclusive); `sandbox`: book a fresh embedded sandbox first, then reconcile it."""

    start: str
    end: str
    sandbox: bool = False


@dataclass
class ReportResult:
    """`reconciliation` (runner/services/reconcile.py `Reconciliation`): rows per VAT code and
    GL account, findings, summaries, the audit; None when the report was stopped (Ctrl-C),
    then `read` of `total` shop orders had been read."""

    reconciliation: Any = None
    interrupted: bool = False
    read: int = 0
    total: int | None = None

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else 1 if self.reconciliation.differs else 0


def report_period(
    spec: Spec | str | Path,
    options: ReportOptions,
    progress: Progress | None = None,
    booking: Progress | None = None,
    on_secret: Secrets | None = None,
) -> ReportResult:
    """The reconciliation of the period (a `UsageError` for dates that are not a period).
    `progress` hears a tick per shop order read; `booking` the sandbox's booking first."""
    from runner.services import reconcile

    first, last = period(options.start, options.end)
    spec = open_spec(spec, on_secret) if isinstance(spec, str | Path) else spec
    result = ReportResult()
    with target(spec, options.sandbox, on_secret) as (spec, _box):
        if options.sandbox:  # a fresh sandbox holds nothing yet: book its shop first
            woo, sink, ledger = parts(spec)
            try:
                engine.Run(spec, woo, sink, ledger, progress=booking, vies=vies(spec))(since=spec.orders.since or "2000-01-01")
            finally:
                ledger.close()
        woo, sink, ledger = parts(spec, read_only=True)  # the ledger as a copy in memory: read-only, even while a run books
        hear_waits(sink, progress)
        started = time.monotonic()

        def read(done: int | None, total: int | None = None) -> None:
            if done is not None:
                result.read, result.total = done, total
            if progress is None:
                return
            if done is None:
                return progress(None)
            quota = sink.quota()
            progress(Tick(done, total, time.monotonic() - started, quota.calls, quota.left_today, quota.per_minute, what="shop order"))

        try:
            books = capability(sink, "books_reader")  # the sink's reading of its books (runner/pipeline/ports.py)
            if books is None:
                raise SpecError(f"{sink.name} cannot be read back for a report", "report on a spec that books into Exact")
            paid, codes = capability(sink, "payments_reader")(), capability(sink, "vat_codes")
            result.reconciliation = reconcile.reconcile(spec, woo, books(), ledger, first, last, read, paid, codes)
        except KeyboardInterrupt:
            read(None)
            result.interrupted = True
            return result
        finally:
            ledger.close()
        read(None)
    return result
