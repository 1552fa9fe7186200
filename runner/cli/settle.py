"""`runner settle`: the payment providers' payouts booked as bank entries in their journals
(runner/services/settle.py), each provider's balance set beside its journal's in Exact."""

from __future__ import annotations

import csv
import io
import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

import click

from runner.cli.common import Out, guarded, load_spec, lock_path, main, parts, spec_argument
from runner.domain.money import text
from runner.errors import RunnerError, UsageError
from runner.ledger.lock import run_lock
from runner.services.settle import SettleOptions, SettleResult, chosen, settle
from runner.spec.model import Spec
from runner.spec.providers import PROVIDERS, KeyProvider, PayPal, Provider, Settlements

SANDBOX_JOURNALS = {"mollie": "23", "stripe": "22", "paypal": "21"}  # the sandbox administration's provider journals
SANDBOX_ACCOUNTS = {"clearing_account": "1190", "fee_account": "4600", "chargeback_account": "4610", "differences_account": "4610"}


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
    asked = SettleOptions(tuple(providers), _date(since), dry_run or bool(to))
    spec = load_spec(spec_path)
    with _target(spec, sandbox) as (spec, box):
        if box is not None:
            _book_demo(spec)
        result = book(spec, asked)
        balances = _provider_lines(box)
    if to:
        folder = Path(to)
        folder.mkdir(parents=True, exist_ok=True)
        for p in result.providers:
            for one in p.entries:
                (folder / f"{p.provider}-{one['payout']}.json").write_text(json.dumps(one, indent=2, ensure_ascii=False))
    if as_json:
        Out.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        for line in lines(result, asked.dry_run):
            Out.echo(line)
        for line in balances:
            Out.echo(line)
        for p in result.providers:
            for _payout, message in sorted(p.failed.items()):
                Out.echo(f"FAILED {message}", err=True)
    sys.exit(result.exit_code)


@contextmanager
def _target(spec: Spec, sandbox: bool):
    """The spec, or the spec pointed at a fresh sandbox whose providers pay the demo shop out
    (the spec's settlements: section kept for its journals and accounts, else the sandbox's)."""
    if not sandbox:
        yield spec, None
        return
    from runner.sandbox.embedded import embedded

    with embedded(spec, providers=True) as (sandboxed, box):
        keys = box.providers.credentials()
        Out.secrets |= sandboxed.secrets | {v for pair in keys.values() for v in pair.values()}
        yield replace(sandboxed, settlements=sandbox_settlements(spec.settlements, box.providers.urls, keys)), box


def sandbox_settlements(mine: Settlements, urls: dict[str, str], keys: dict[str, dict[str, str]]) -> Settlements:
    out = {}
    for name, journal in SANDBOX_JOURNALS.items():
        given = mine.providers().get(name)
        base = {f.name: getattr(given, f.name) for f in fields(Provider)} if given else dict(SANDBOX_ACCOUNTS, journal=journal)
        base["url"] = urls[name]
        if name == "paypal":
            out[name] = PayPal(**base, **keys[name])
        else:
            out[name] = KeyProvider(**base, api_key=next(iter(keys[name].values())))
    return Settlements(**out)


def _provider_lines(box) -> list[str]:
    """`--sandbox`: what each simulated provider holds, as it says itself."""
    if box is None or box.providers is None:
        return []
    return [f"sandbox {name}: holds {text(box.providers.balance(name))}, paid out {len(box.providers.paid_out(name))} time(s)" for name in PROVIDERS]


def book(spec: Spec, options: SettleOptions) -> SettleResult:
    """The settlements of a spec, under its run lock (not for a dry run, which writes nothing)."""
    from runner.adapters.exact.settlements import SettlementBooks
    from runner.adapters.psp import provider_for

    chosen(spec, options.providers)  # a spec problem before any connection
    spec.require_env("settlements")
    lock = run_lock(lock_path(spec))
    if not options.dry_run:
        lock.acquire()
    try:
        source, sink, ledger = parts(spec, read_only=options.dry_run)
        with ledger:
            books = SettlementBooks(sink.api, ledger, sink.receipt_sign)
            known = spec.settlements.providers()
            show = None if not sys.stderr.isatty() else lambda said: Out.echo(f"  {said}", err=True)
            adapter = lambda name: provider_for(name, known[name])  # noqa: E731
            return settle(spec, ledger, source, books, sink, adapter, options, date.today(), show or (lambda said: None))
    finally:
        if not options.dry_run:
            lock.release()


def _book_demo(spec: Spec) -> None:
    """`--sandbox`: the demo shop's orders booked first, as `run --sandbox` does."""
    from runner.pipeline import engine

    source, sink, ledger = parts(spec)
    with ledger:
        engine.Run(spec, source, sink, ledger)()


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
            same = "equal" if p.difference == 0 else f"DIFFERENCE {text(p.difference)}"
            out.append(f"  balance: {p.provider} {text(p.provider_balance)}, journal {p.journal} in Exact {text(p.journal_balance)}: {same}")
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
    from runner.adapters.exact.settlements import SettlementBooks
    from runner.adapters.psp import provider_for
    from runner.services import settlement_report

    first, last = _period(period, start, end)
    spec = load_spec(spec_path)
    with _target(spec, sandbox) as (spec, box):
        names = chosen(spec, providers)
        if box is not None:
            _book_demo(spec)
            book(spec, SettleOptions())
        spec.require_env("settlements")
        _source, sink, ledger = parts(spec, read_only=True)
        with ledger:
            known = spec.settlements.providers()
            adapters = {name: provider_for(name, known[name]) for name in names}
            books = SettlementBooks(sink.api, ledger, sink.receipt_sign)
            number = lambda order, refund: (ledger.step(order, refund, "document") or {}).get("number")  # noqa: E731
            reports = settlement_report.report(spec, ledger, books, adapters, first, last, number)
    if fmt == "json":
        Out.echo(json.dumps([r.as_dict() for r in reports], indent=2, ensure_ascii=False, default=str))
    elif fmt == "csv":
        Out.echo(settlements_csv(reports))
    else:
        for line in settlement_report.lines(reports, first, last):
            Out.echo(line)
    sys.exit(1 if any(r.difference for r in reports) else 0)


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
    """--period YYYY-MM, or --from/--to, or this month."""
    if period:
        try:
            first = date.fromisoformat(f"{period}-01")
        except ValueError:
            raise UsageError(f"--period {period!r} is not a month", "give it as YYYY-MM, e.g. --period 2026-11") from None
    elif start or end:
        first, last = _date(start) or date(2000, 1, 1), _date(end) or date.today()
        return first, last
    else:
        first = date.today().replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


@dataclass
class AfterRun:
    """The settlements a run booked at its end (`runner run` with a settlements: section)."""

    result: SettleResult | None = None  # None: nothing to settle (no settlements:, a dry run, a review folder)
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems or (self.result and self.result.exit_code) else 0

    def as_dict(self) -> dict:
        return {"settlements": {**self.result.as_dict(), "problems": self.problems}} if self.result else {}

    def lines(self) -> list[str]:
        failed = [f"FAILED {message}" for p in self.result.providers for message in p.failed.values()] if self.result else []
        return ([f"settlements: {line}" for line in lines(self.result, False)] if self.result else []) + failed + self.problems


def after_run(spec: Spec, booking: bool) -> AfterRun:
    """Settles after the orders are booked; a provider out of reach is said, never a crash of the run."""
    if not booking or not spec.settlements.providers():
        return AfterRun()
    try:
        return AfterRun(book(spec, SettleOptions()))
    except RunnerError as failed:
        return AfterRun(SettleResult(), [f"FAILED settlements: {failed.message}" + (f" (what to do: {failed.hint})" if failed.hint else "")])
