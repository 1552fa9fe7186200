"""Commands that book: run (one spec, several, or on a schedule), retry, and status."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

import runner.cli.render as render
from runner.adapters.dry import DryRunSink
from runner.adapters.exact.client import check_schedule
from runner.adapters.folder import LEDGER
from runner.cli.common import Out, default_spec, guarded, load_spec, lock_path, main, parts, spec_argument, target, vies
from runner.cli.progress import announce_waits, progress_printer
from runner.cli.waiting import folder_summary, next_round, stamped, waiting_lines
from runner.errors import Busy, RunnerError, UsageError
from runner.ledger import Ledger
from runner.ledger.lock import RunLock, run_lock
from runner.pipeline import due, engine, live
from runner.services import preview as preview_module
from runner.support.durations import duration


@contextmanager
def _alerting(spec, enabled: bool):
    """The spec's `notify:` alerts once a run is over, also when it crashed (that is what a
    stall is made of); not for dry or sandbox runs. A failed alert is a warning only."""
    outcome: dict[str, Any] = {}
    if not enabled or not spec.notify:
        yield outcome
        return
    from runner.services import notify

    try:
        yield outcome
    except Exception as error:
        if isinstance(error, RunnerError):
            outcome["crash"] = error.message + (f" (what to do: {error.hint})" if error.hint else "")
        else:
            outcome["crash"] = f"unexpected error in the runner ({type(error).__name__})"
        raise
    finally:
        if outcome:
            for warning in notify.after_run(spec, outcome.get("report"), outcome.get("crash", "")):
                Out.echo(f"warning: {warning}", err=True)


@contextmanager
def _turn(spec, path: Path, wait: bool = False, alerts: bool = False) -> Iterator[RunLock]:
    """The spec's run lock. Found held by a run that began longer than notify.stall_after
    ago, it is a hang: alerted (once, like any stall) before this run says `already running`
    (or queues, with --wait). An orphaned lock is taken over, and said so."""
    lock = run_lock(path)
    try:
        lock.acquire()
    except Busy as busy:
        if alerts:
            _hang(spec, busy)
        if not wait:
            raise
        lock.acquire(wait=True)
    if lock.taken_over:
        Out.echo(f"note: the run lock was held by process {lock.taken_over.pid}, which has ended; this run took it over", err=True)
    try:
        yield lock
    finally:
        lock.release()


def _hang(spec, busy: Busy) -> None:
    if not spec.notify or not spec.notify.stall_after or busy.since is None:
        return
    from runner.services import notify

    if time.time() - busy.since < spec.notify.stall.total_seconds():
        return
    crash = f"{busy.message}; it may hang: if it does not end, stop that process (the next run carries on where it stopped)"
    for warning in notify.after_run(spec, None, crash, held_since=datetime.fromtimestamp(busy.since, UTC)):
        Out.echo(f"warning: {warning}", err=True)


@main.command()
@spec_argument(many=True)
@click.option("--dry-run", is_flag=True, help="Read both services, post nothing, leave the ledger untouched; show what would be booked.")
@click.option("--payloads", is_flag=True, help="With --dry-run: also print each payload as Exact would get it (with its GUIDs).")
@click.option("--since", help="Backfill from this date (YYYY-MM-DD) on a first run, instead of orders.since.")
@click.option("--order", "order_ids", type=int, multiple=True, help="Only this WooCommerce order id (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Book at most this many orders.")
@click.option("--sandbox", is_flag=True, help="Run against a fresh embedded sandbox of both services.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome of the run as JSON (the same as --format json).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="json: the outcome (and a dry run's payloads)."
)
@click.option("--wait", is_flag=True, help="If another run of this spec is busy, wait for it instead of stopping.")
@click.option("--every", metavar="INTERVAL", help="Keep running: every 15m, 30m, 1h... (Ctrl-C stops).")
@click.option("--to", "to", metavar="DIR", type=click.Path(file_okay=False), help="Write each document to DIR as JSON instead of Exact (a review).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, help="Run this many specs (clients) at once, each in its own process.")
@guarded
def run(spec_paths, dry_run, payloads, since, order_ids, limit, sandbox, as_json, fmt, wait, every, to, jobs) -> None:
    """Book what is due: new and changed orders, refunds, and retries. Several specs
    (clients) run in turn, or --jobs N at a time, each with its own ledger, login and call budget."""
    if to and dry_run:
        raise UsageError("--to already writes nothing to Exact", "leave out --dry-run: --to DIR writes each document to DIR for review")
    since = _day(since) if since else since
    if payloads and not dry_run:
        raise UsageError("--payloads shows what a dry run would post", "add --dry-run, or use `runner preview SPEC --payloads`")
    as_json = as_json or fmt == "json"
    options = dict(dry_run=dry_run, since=since, order_ids=order_ids, limit=limit, sandbox=sandbox, as_json=as_json, to=to, payloads=payloads)
    if jobs > 1 and len(spec_paths) > 1:
        if every:
            raise UsageError("--jobs runs each spec once", "schedule `runner run clients/*.yaml --jobs N` with cron or a systemd timer")
        from runner.cli.jobs import run_parallel

        forwarded = [*(["--dry-run"] if dry_run else []), *(["--payloads"] if payloads else []), *(["--since", since] if since else [])]
        forwarded += [*(["--limit", str(limit)] if limit else []), *(f"--order={o}" for o in order_ids), *(["--sandbox"] if sandbox else [])]
        forwarded += [*(["--json"] if as_json else []), *(["--wait"] if wait else []), *(["--to", to] if to else [])]
        sys.exit(run_parallel(spec_paths, jobs, forwarded))
    if not every:
        codes = [_run_logged(path, len(spec_paths) > 1, wait=wait, **options) for path in spec_paths]
        sys.exit(max(codes))
    interval = _interval(every)
    if dry_run or sandbox or order_ids or to:
        raise UsageError("--every repeats real runs", "leave out --dry-run, --sandbox, --order and --to when scheduling")
    with ExitStack() as stack:
        locks = {}  # the loop owns each spec: cron-started runs meanwhile say 'already running'
        for path in spec_paths:
            spec = load_spec(path)
            check_schedule(every, interval, spec.exact.base_url)
            locks[path] = stack.enter_context(_turn(spec, lock_path(spec), wait, alerts=True))
        Out.echo(f"running {', '.join(spec_paths)} every {every}; Ctrl-C stops")
        while True:
            started = time.monotonic()
            for path in spec_paths:
                locks[path].stamp(busy=True)  # a run that takes long is a hang; the sleep between rounds is not
                _run_logged(path, True, locked=True, **options)
                locks[path].stamp(busy=False)
            time.sleep(next_round(interval - (time.monotonic() - started), spec.timezone, every))


def _day(text: str) -> str:
    """--since as a day that exists: 2024-13-01 is refused here, not taken for no date at all."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat()
        problem = "write it YYYY-MM-DD"
    except ValueError as exc:
        problem = str(exc)
    raise UsageError(f"--since {text!r} is not a date ({problem})", "give the first day to book as YYYY-MM-DD, e.g. --since 2024-01-01")


def _interval(text: str) -> float:
    every = duration(text)
    if every is None:
        raise UsageError(f"--every {text!r} is not an interval", "write it like 15m, 30m, 1h or 90s")
    return every.total_seconds()


def _run_logged(path: str, log: bool, **options) -> int:
    """One spec's run. With several specs (or a schedule) a failing client is reported with
    its name and the others go on; the exit code is the worst one."""
    try:
        return _run_one(path, log, **options)
    except RunnerError as error:
        if not log:
            raise
        Out.echo(stamped(path, f"error: {error.message}" + (f" ({error.hint})" if error.hint else "")), err=True)
        return error.exit_code


def _run_one(
    path: str,
    log: bool,
    dry_run=False,
    since=None,
    order_ids=(),
    limit=None,
    sandbox=False,
    as_json=False,
    wait=False,
    locked=False,
    to=None,
    payloads=False,
) -> int:
    spec = load_spec(path)
    with target(spec, sandbox) as (spec, box):
        alerts = not dry_run and not to and box is None
        if to:
            from runner.adapters.folder import FolderSink

            FolderSink(to).open()  # before its lock is taken: the folder's own files may not be links out of it
        lock = nullcontext() if locked else _turn(spec, Path(to) / (LEDGER + ".lock") if to else lock_path(spec), wait, alerts)
        with lock, _alerting(spec, alerts) as outcome:
            source, sink, ledger = _adapters(spec, dry_run, to)
            pushed = _push_products(spec, source, sink, ledger) if spec.products.push and not dry_run and not to else None
            show = None if as_json else progress_printer(sys.stdout.isatty())
            announce_waits(getattr(sink, "api", None), show)
            booking = engine.Run(spec, source, sink, ledger, vies=vies(spec))
            booking.progress = progress = live.recording(booking, show)  # status sees the run as it goes
            try:
                result = outcome["report"] = booking(since=since, only=order_ids, limit=limit).as_dict()
                waits = ledger.failures() if result.get("waiting") else []
            except KeyboardInterrupt:
                if progress:
                    progress(None)
                Out.echo(render.interrupted(booking.outcome.as_dict()), err=True)
                sys.exit(130)
            finally:
                ledger.close()
                if progress:
                    progress(None)
            names = preview_module.code_names(sink, [doc for doc, _ in sink.documents]) if dry_run else {}
        products_failed = bool(pushed and pushed.failed)
        if as_json:
            extra = {**({"would_post": sink.posted} if dry_run else {}), **({"products": vars(pushed)} if pushed else {})}
            Out.echo(json.dumps({**result, **extra}, indent=2, ensure_ascii=False, default=str))
            return 1 if result["failed"] or result.get("missing") or result.get("unmatched") or products_failed else 0
        if pushed:
            for code, message in sorted(pushed.failed.items()):
                Out.echo(f"FAILED product {code}: {message}", err=True)
            Out.echo(f"products (products.push: true, those changed since the last push): {pushed.line()}")
        if dry_run:
            for line in render.dry_run_lines(sink.documents, names, sink.posted):
                Out.echo(line)
            if payloads:
                Out.echo(json.dumps(sink.posted, indent=2, ensure_ascii=False, default=str))
        for order_id, message in sorted(result["failed"].items(), key=lambda kv: int(kv[0])):
            Out.echo(f"FAILED order {order_id}: {message}", err=True)
        for note in result.get("notes") or ():
            Out.echo(f"note: {note}", err=True)
        for warning in result.get("warnings") or ():
            Out.echo(f"warning: {warning}", err=True)
        summary = ("dry run, nothing posted: " if dry_run else "") + render.run_summary(result, dry=dry_run)
        summary = folder_summary(result, summary, to) if to else summary
        Out.echo(stamped(path, summary, spec.timezone) if log else summary)
        for line in waiting_lines(spec, path, waits, result.get("waiting") or []):
            Out.echo(line, err=True)
        if box is not None and not to:
            for line in box.landed_lines():
                Out.echo(line)
    return 1 if result["failed"] or result.get("missing") or result.get("unmatched") or products_failed else 0


def _push_products(spec, source, sink, ledger):
    """products.push: true: the products saved in the shop since the last push go to Exact's
    items before the orders are booked (an invoice line may name one). The ledger is claimed
    first: its cursor is this shop's."""
    from runner.adapters.exact.products import push_changed

    moved = ledger.claim(source.name, sink.name, about=getattr(source, "about", None))
    if moved:
        Out.echo(f"note: {moved}", err=True)
    return push_changed(spec, source, sink.api, ledger)


def _adapters(spec, dry_run: bool, to: str | None):
    """The source, sink and ledger of one run: Exact and the spec's ledger; for a dry run
    the same behind a sink that writes nothing and a ledger copy in memory; with --to, a
    folder with a ledger of its own (the spec's ledger and Exact are not touched)."""
    if to:
        from runner.adapters.folder import FolderSink
        from runner.adapters.woo.source import source_from_spec

        spec.require_env("woocommerce")
        FolderSink(to).open()
        return source_from_spec(spec), FolderSink(to), Ledger(Path(to) / LEDGER, compact=True)
    source, sink, ledger = parts(spec, read_only=dry_run)
    return source, (DryRunSink(sink) if dry_run else sink), ledger


@main.command()
@click.argument("args", metavar="[SPEC] [ORDER]...", nargs=-1)
@guarded
def retry(args) -> None:
    """Retry failed orders now (all of them, or the ones named), whatever their backoff."""
    spec_path, order_ids = _spec_and_orders(args)
    spec = load_spec(spec_path)
    with _turn(spec, lock_path(spec)):
        woo, sink, ledger = parts(spec)
        try:
            wanted = due.retries(ledger, order_ids)
            if not wanted:
                Out.echo("nothing to retry: no order has failed; `runner run SPEC` books what is due")
                return
            named = {"only": wanted} if order_ids else {"retry_now": wanted}  # `retry 5009` touches 5009 alone
            result = engine.Run(spec, woo, sink, ledger, vies=vies(spec))(**named).as_dict()
        finally:
            ledger.close()
    for order_id, message in sorted(result["failed"].items(), key=lambda kv: int(kv[0])):
        Out.echo(f"FAILED order {order_id}: {message}", err=True)
    Out.echo(render.run_summary(result))
    if result["failed"]:
        sys.exit(1)


def _spec_and_orders(args: tuple[str, ...]) -> tuple[str, list[int]]:
    """`retry [SPEC] [ORDER]...`: a first word that is a number and not a file is an order."""
    words = list(args)
    spec_path = words.pop(0) if words and not (words[0].isdigit() and not Path(words[0]).exists()) else None
    if spec_path is None:
        spec_path = default_spec("retry")
    bad = [word for word in words if not word.isdigit()]
    if bad:
        raise UsageError(f"{bad[0]!r} is not an order id", "name orders by their WooCommerce id, e.g. runner retry sync.yaml 5186")
    return spec_path, [int(word) for word in words]
