"""`runner settle`: the payment providers' payouts booked as bank entries in their journals
(runner/services/settle.py), each provider's balance set beside its journal's in Exact."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from runner.cli.common import Out, guarded, load_spec, lock_path, main, parts, spec_argument, target
from runner.domain.money import text
from runner.errors import UsageError
from runner.ledger.lock import run_lock
from runner.services.settle import SettleOptions, SettleResult, settle
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
    asked = SettleOptions(tuple(providers), _date(since), dry_run or bool(to))
    spec = load_spec(spec_path)
    with target(spec, sandbox) as (spec, box):
        if box is not None:
            _book_demo(spec)
        result = book(spec, asked)
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
        for p in result.providers:
            for _payout, message in sorted(p.failed.items()):
                Out.echo(f"FAILED {message}", err=True)
    sys.exit(result.exit_code)


def book(spec, options: SettleOptions) -> SettleResult:
    """The settlements of a spec, under its run lock (not for a dry run, which writes nothing)."""
    from runner.adapters.exact.settlements import SettlementBooks
    from runner.adapters.psp import provider_for

    lock = run_lock(lock_path(spec))
    if not options.dry_run:
        lock.acquire()
    try:
        source, sink, ledger = parts(spec, read_only=options.dry_run)
        with ledger:
            books = SettlementBooks(sink.api, ledger)
            known = spec.settlements.providers()
            show = None if not sys.stderr.isatty() else lambda said: Out.echo(f"  {said}", err=True)
            adapter = lambda name: provider_for(name, known[name])  # noqa: E731
            return settle(spec, ledger, source, books, sink, adapter, options, date.today(), show or (lambda said: None))
    finally:
        if not options.dry_run:
            lock.release()


def _book_demo(spec) -> None:
    """`--sandbox`: the demo shop's orders booked first, as `run --sandbox` does."""
    from runner.pipeline import engine

    source, sink, ledger = parts(spec)
    with ledger:
        engine.Run(spec, source, sink, ledger)()


def lines(result: SettleResult, dry: bool) -> list[str]:
    out = []
    for p in result.providers:
        done = f"{len(p.booked)} payout(s) booked" if not dry else f"{len(p.entries)} payout(s) to book"
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
