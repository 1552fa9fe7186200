"""`runner report --settlements` as a service: the spec (or a fresh sandbox whose demo shop
and payouts are booked first) read for each provider's sum against its journal
(runner/services/settlement_report.py), for the month of the latest payout unless a period
is given. Typed options in, a typed result out; the CLI renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from runner.errors import NotSupported
from runner.pipeline.ports import capability
from runner.services import connect, settlement_report
from runner.services.connect import Secrets
from runner.services.payouts import chosen
from runner.services.settle import SettleOptions, book, book_demo, target
from runner.services.settlement_report import ProviderReport
from runner.spec.model import Spec


@dataclass(frozen=True)
class SettlementReportOptions:
    providers: tuple[str, ...] = ()  # empty: every provider of the spec
    period: tuple[date, date] | None = None  # None: the month of the latest payout booked (this month when none is)
    sandbox: bool = False


@dataclass
class SettlementReportResult:
    first: date
    last: date
    latest: bool  # the period is the month of the latest payout (none was asked for)
    reports: list[ProviderReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(r.difference for r in self.reports) else 0


def report_settlements(
    spec: Spec, options: SettlementReportOptions = SettlementReportOptions(), on_secret: Secrets | None = None
) -> SettlementReportResult:
    """Per provider its balance against its journal's, the period's payouts and what they named."""
    from runner.adapters.psp import provider_for

    with target(spec, options.sandbox, on_secret) as (spec, box):
        names = chosen(spec, options.providers)
        if box is not None:
            book_demo(spec)
            book(spec, SettleOptions())
        spec.require_env("settlements")
        _source, sink, ledger = connect.parts(spec, read_only=True)
        with ledger:
            known = spec.settlements.providers()
            adapters = {name: provider_for(name, known[name]) for name in names}
            books = capability(sink, "payout_books")
            if books is None:
                raise NotSupported(f"{sink.name} keeps no payment journals to settle payouts in", "settle against Exact: leave out --to")
            books = books(ledger)
            number = lambda order, refund: (ledger.step(order, refund, "document") or {}).get("number")  # noqa: E731
            first, last = options.period or settlement_report.latest_month(ledger.settlements(), names, date.today())
            reports = settlement_report.report(spec, ledger, books, adapters, first, last, number)
    return SettlementReportResult(first, last, options.period is None, reports)
