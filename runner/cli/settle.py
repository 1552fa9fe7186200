"""`runner settle`: the payment providers' payouts booked as bank entries in their journals
(runner/services/settle.py), each provider's balance set beside its journal's in Exact; and
`runner report --settlements` (runner/services/settle_report.py). Parse, call, render."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path

import click

from runner.cli.common import Out, guarded, load_spec, main, spec_argument
from runner.domain.money import text
from runner.errors import UsageError
from runner.services.settle import AfterRun, SettleOptions, SettleResult, settle_spec
from runner.services.settle_report import SettlementReportOptions, report_settlements
from runner.services.settlement_report import lines as report_lines
from runner.services.settlement_report import month as settlement_report_month
from runner.services.settlement_report import verdict
from runner.spec.providers import PROVIDERS


@main.command("settle")
@spec_argument()
@click.option("--provider", "providers", type=click.Choice(PROVIDERS), multiple=True, help="Only this provider (repeatable); default: all.")
@click.option("--since", help="Payouts paid out on or after this date (YYYY-MM-DD); default: the last 31 days.")
@click.option("--dry-run", is_flag=True, help="Read the providers and Exact, post nothing; show each payout's bank entry.")
@click.option("--to", "to", metavar="DIR", type=click.Path(file_okay=False), help="Post nothing; write each payout's bank entry to DIR as JSON.")
@click.option("--sandbox", is_flag=True, help="Against a fresh embedded sandbox: the demo shop booked, then its settlements.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@guarded
def settle_command(spec_path, providers, since, dry_run, to, sandbox, as_json) -> None:
    """Book payment-provider payouts (Mollie, Stripe, PayPal) into their Exact bank journals."""
    asked = SettleOptions(tuple(providers), _date(since), dry_run or bool(to), Path(to) if to else None, sandbox)
    progress = (lambda said: Out.echo(f"  {said}", err=True)) if sys.stderr.isatty() else (lambda said: None)
    result = settle_spec(load_spec(spec_path), asked, progress, on_secret=Out.secrets.add)
    if as_json:
        Out.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        for line in lines(result, asked.dry_run):
            Out.echo(line)
        for name, held, times in result.sandbox:
            Out.echo(f"sandbox {name}: holds {text(held)}, paid out {times} time(s)")
        for p in result.providers:
            for _payout, message in sorted(p.failed.items()):
                Out.echo(f"FAILED {message}", err=True)
    sys.exit(result.exit_code)


def lines(result: SettleResult, dry: bool) -> list[str]:
    out = []
    for p in result.providers:
        done = f"{len(p.booked)} payout(s) booked" if not dry else f"{len(p.entries)} payout(s) to book"
        done = f"no key: {p.estimated} day(s) of fees estimated from the orders' meta" if p.estimated else done
        out.append(f"{p.provider}: {done}, {p.before} booked before, {len(p.failed)} failed (journal {p.journal})")
        for entry in p.entries:
            out.append(f"  would post payout {entry['payout']}: {len(entry['payload']['BankEntryLines'])} lines")
        for said in p.named:
            out.append(f"  note: {said}")
        if p.provider_balance is not None and p.journal_balance is not None:
            held = f"{p.provider} {text(p.provider_balance)} (in no payout yet {text(p.in_transit)})"
            journal = f"journal {p.journal} in Exact {text(p.journal_balance)} (receipts in no payout yet {text(p.unsettled)})"
            out.append(f"  balance: {held}, {journal}: {verdict(p.difference)}")
            if p.provider_balance < 0:
                why = "refunds or chargebacks after its last payout; its next payout takes them from new sales"
                out.append(f"  note: {p.provider} holds less than nothing: {why}")
    return out or ["no provider to settle"]


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r} is not a date", "give it as YYYY-MM-DD, e.g. --since 2026-11-01") from None


def settlements_report(spec_path, providers, period, start, end, fmt, sandbox) -> None:
    """`runner report --settlements`: exit 1 on a difference."""
    asked = SettlementReportOptions(tuple(providers), _period(period, start, end) if period or start or end else None, sandbox)
    result = report_settlements(load_spec(spec_path), asked, on_secret=Out.secrets.add)
    if fmt == "json":
        Out.echo(json.dumps([r.as_dict() for r in result.reports], indent=2, ensure_ascii=False, default=str))
    elif fmt == "csv":
        Out.echo(settlements_csv(result.reports))
    else:
        for line in report_lines(result.reports, result.first, result.last, result.latest):
            Out.echo(line)
    sys.exit(result.exit_code)


CSV_FIELDS = ("provider", "journal", "kind", "date", "reference", "amount", "fees", "note")
BALANCES = ("provider_balance", "in_transit", "journal_balance", "unsettled", "difference")


def settlements_csv(reports) -> str:
    """A row per fact, for a spreadsheet: each balance of the report's sum, each payout, the fees
    per month, and each chargeback, payment without an order, refund without a credit and
    receipt in no payout yet (`kind` says which; the JSON's names)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in reports:
        said = r.as_dict()
        rows = [{"kind": name, "amount": said[name]} for name in BALANCES]
        rows += [{"kind": "payout", "date": p["day"], "reference": p["payout"], "amount": p["amount"], "fees": p["fees"]} for p in r.payouts]
        rows += [{"kind": "fees", "date": month, "amount": fee} for month, fee in sorted(said["fees_per_month"].items())]
        for kind, notes in (("chargeback", r.chargebacks), ("unmatched", r.unmatched), ("without_credit", r.without_credit)):
            rows += [{"kind": kind, "date": note[:10], "note": note[12:] if note[10:12] == ": " else note} for note in notes]
        rows += [{"kind": "receipt", "note": receipt} for receipt in r.in_transit_receipts]
        writer.writerows({"provider": r.provider, "journal": r.journal, **row} for row in rows)
    return buffer.getvalue().rstrip("\n")


def _period(period: str | None, start: str | None, end: str | None) -> tuple[date, date]:
    """--period YYYY-MM, or --from/--to (without either: the month of the latest payout, settlement_report.latest_month)."""
    if period:
        try:
            first = date.fromisoformat(f"{period}-01")
        except ValueError:
            raise UsageError(f"--period {period!r} is not a month", "give it as YYYY-MM, e.g. --period 2026-11") from None
        return settlement_report_month(first)
    return _date(start) or date(2000, 1, 1), _date(end) or date.today()


def after_lines(after: AfterRun) -> list[str]:
    """What `runner run` says of the settlements it booked at its end."""
    if after.result is None:
        return after.problems + ([after.note] if after.note else [])
    failed = [f"FAILED {message}" for p in after.result.providers for message in p.failed.values()]
    return [f"settlements: {line}" for line in lines(after.result, False)] + failed + after.problems
