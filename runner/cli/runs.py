"""Commands that book: run (one spec, several, or on a schedule) and retry. Each parses,
calls the service (runner/services/run.py, retry.py, schedule.py) and renders its result."""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import click

import runner.cli.render as render
from runner.cli.common import Out, default_spec, guarded, load_spec, main, say, spec_argument
from runner.cli.progress import progress_printer
from runner.cli.settle import after_run
from runner.cli.waiting import folder_summary, next_round, stamped, waiting_lines
from runner.errors import RunnerError, UsageError
from runner.services import schedule
from runner.services.retry import RetryOptions, retry_orders
from runner.services.run import RunOptions, RunResult, run_spec
from runner.support.durations import duration


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
    as_json = as_json or fmt == "json"
    try:
        _run(spec_paths, dry_run, payloads, since, order_ids, limit, sandbox, as_json, wait, every, to, jobs)
    except RunnerError as error:
        if not as_json:
            raise
        sys.exit(_json_error(error, spec_paths[0] if len(spec_paths) == 1 else None))


def _json_error(error: RunnerError, path: str | None) -> int:
    """With --json every outcome is JSON on stdout, an error too (its exit code in it and as the process's)."""
    said = {**({"spec": path} if path else {}), "error": error.message, "what_to_do": error.hint, "exit_code": error.exit_code}
    Out.echo(json.dumps({**said, **({"problems": list(error.problems)} if getattr(error, "problems", None) else {})}, indent=2, ensure_ascii=False))
    return error.exit_code


def _run(spec_paths, dry_run, payloads, since, order_ids, limit, sandbox, as_json, wait, every, to, jobs) -> None:
    if to and dry_run:
        raise UsageError("--to already writes nothing to Exact", "leave out --dry-run: --to DIR writes each document to DIR for review")
    since = _day(since) if since else since
    if payloads and not dry_run:
        raise UsageError("--payloads shows what a dry run would post", "add --dry-run, or use `runner preview SPEC --payloads`")
    options = RunOptions(dry_run=dry_run, since=since, order_ids=tuple(order_ids), limit=limit, sandbox=sandbox, to=to, wait=wait)
    if jobs > 1 and len(spec_paths) > 1:
        if every:
            raise UsageError("--jobs runs each spec once", "schedule `runner run clients/*.yaml --jobs N` with cron or a systemd timer")
        from runner.services.jobs import run_parallel

        forwarded = [*(["--dry-run"] if dry_run else []), *(["--payloads"] if payloads else []), *(["--since", since] if since else [])]
        forwarded += [*(["--limit", str(limit)] if limit else []), *(f"--order={o}" for o in order_ids), *(["--sandbox"] if sandbox else [])]
        forwarded += [*(["--json"] if as_json else []), *(["--wait"] if wait else []), *(["--to", to] if to else [])]
        sys.exit(run_parallel(spec_paths, jobs, forwarded, lambda path, line, err: Out.echo(f"{path}: {line}", err=err)))
    if not every:
        codes = [_run_logged(path, len(spec_paths) > 1, options, as_json, payloads) for path in spec_paths]
        sys.exit(max(codes))
    interval = _interval(every)
    if dry_run or sandbox or order_ids or to:
        raise UsageError("--every repeats real runs", "leave out --dry-run, --sandbox, --order and --to when scheduling")
    specs = {path: load_spec(path) for path in spec_paths}
    zone = specs[spec_paths[-1]].timezone  # the rounds are told in the last spec's shop time
    with schedule.held(specs, every, interval, wait, say) as locks:
        Out.echo(f"running {', '.join(spec_paths)} every {every}; Ctrl-C stops")  # cron-started runs meanwhile say 'already running'
        while True:
            started = time.monotonic()
            for path in spec_paths:
                locks[path].stamp(busy=True)  # a run that takes long is a hang; the sleep between rounds is not
                _run_logged(path, True, replace(options, locked=True), as_json, payloads)
                locks[path].stamp(busy=False)
            time.sleep(next_round(interval - (time.monotonic() - started), zone, every))


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


def _run_logged(path: str, log: bool, options: RunOptions, as_json: bool, payloads: bool) -> int:
    """One spec's run. With several specs (or a schedule) a failing client is reported with
    its name and the others go on; the exit code is the worst one."""
    try:
        show = None if as_json else progress_printer(sys.stdout.isatty())
        settle = lambda spec: after_run(spec, booking=not options.dry_run and not options.to)  # noqa: E731  # docs/settlements.md
        result = run_spec(load_spec(path), options, progress=show, say=say, on_secret=Out.secrets.add, after_booking=settle)
    except RunnerError as error:
        if as_json and log:  # one spec among several: its error as JSON, and the others go on
            return _json_error(error, path)
        if not log:
            raise
        Out.echo(stamped(path, f"error: {error.message}" + (f" ({error.hint})" if error.hint else "")), err=True)
        return error.exit_code
    if result.interrupted:
        Out.echo(render.interrupted(result.report), err=True)
        sys.exit(130)
    _show_run(path, log, result, as_json, payloads)
    return max(result.exit_code, 1 if result.after.exit_code else 0)


def _show_run(path: str, log: bool, result: RunResult, as_json: bool, payloads: bool) -> None:
    report, dry_run, pushed, to = result.report, result.options.dry_run, result.products, result.options.to
    if as_json:
        extra = {**({"would_post": result.would_post} if dry_run else {}), **({"products": vars(pushed)} if pushed else {}), **result.after.as_dict()}
        Out.echo(json.dumps({**report, **extra}, indent=2, ensure_ascii=False, default=str))
        return
    if pushed:
        for code, message in sorted(pushed.failed.items()):
            Out.echo(f"FAILED product {code}: {message}", err=True)
        Out.echo(f"products (products.push: true, those changed since the last push): {pushed.line()}")
    if dry_run:
        for line in render.dry_run_lines(result.documents, result.names, result.would_post):
            Out.echo(line)
        if payloads:
            Out.echo(json.dumps(result.would_post, indent=2, ensure_ascii=False, default=str))
    for order_id, message in sorted(report["failed"].items(), key=lambda kv: int(kv[0])):
        Out.echo(render.failed_order(order_id, message), err=True)
    for note in report.get("notes") or ():
        Out.echo(f"note: {note}", err=True)
    for warning in report.get("warnings") or ():
        Out.echo(f"warning: {warning}", err=True)
    summary = ("dry run, nothing posted: " if dry_run else "") + render.run_summary(report, dry=dry_run)
    summary = folder_summary(report, summary, to) if to else summary
    Out.echo(stamped(path, summary, result.spec.timezone) if log else summary)
    for line in [*result.after.lines(), *waiting_lines(result.spec, path, result.waits, report.get("waiting") or [])]:
        Out.echo(line, err=True)
    for line in result.landed:
        Out.echo(line)


@main.command()
@click.argument("args", metavar="[SPEC] [ORDER]...", nargs=-1)
@guarded
def retry(args) -> None:
    """Retry failed orders now (all of them, or the ones named), whatever their backoff."""
    spec_path, order_ids = _spec_and_orders(args)
    result = retry_orders(load_spec(spec_path), RetryOptions(tuple(order_ids)), say=say)
    if result.report is None:
        Out.echo("nothing to retry: no order has failed; `runner run SPEC` books what is due")
        return
    for order_id, message in sorted(result.report["failed"].items(), key=lambda kv: int(kv[0])):
        Out.echo(render.failed_order(order_id, message, retrying=True), err=True)
    Out.echo(render.run_summary(result.report))
    sys.exit(result.exit_code)


def _spec_and_orders(args: tuple[str, ...]) -> tuple[str, list[int]]:
    """`retry [SPEC] [ORDER]...`: a first word that is a number and not a file is an order."""
    words = list(args)
    spec_path = words.pop(0) if words and not (words[0].isdigit() and not Path(words[0]).exists()) else default_spec("retry")
    bad = [word for word in words if not word.isdigit()]
    if bad:
        raise UsageError(f"{bad[0]!r} is not an order id", "name orders by their WooCommerce id, e.g. runner retry sync.yaml 5186")
    return spec_path, [int(word) for word in words]
