"""Commands that look without booking: validate (offline and --online), preview, report."""

from __future__ import annotations

import json
import sys

import click
import yaml

import runner.cli.render as render
import runner.cli.report_view as report_view
from runner.cli.common import Out, guarded, load_spec, main, spec_argument
from runner.errors import SpecError, UsageError
from runner.services.preview import PreviewOptions, preview_spec, preview_stream
from runner.services.report import ReportOptions, report_period
from runner.services.validate import WARNING, ValidateOptions, validate_spec

STREAM_CHUNK = 200  # preview elements written at a time: one write per 200 orders, not one each


@main.command()
@spec_argument()
@click.option("--online", is_flag=True, help="Also check the keys, the division and every code against the live services.")
@click.option("--sandbox", is_flag=True, help="With --online: check against a fresh embedded sandbox.")
@click.option("--allow-missing-env", is_flag=True, help="A ${VAR} that is not set is only a note (a machine without the secrets).")
@click.option("--webhook", "desk", metavar="URL", help="With --online: register the shop's order webhooks to the desk at URL (runner serve).")
@guarded
def validate(spec_path: str, online: bool, sandbox: bool, allow_missing_env: bool, desk: str | None) -> None:
    """Check SPEC: schema, presets, ${VAR}s and templates; every problem at once."""
    spec = load_spec(spec_path)
    found = validate_spec(spec)  # offline: what the spec itself says
    for line in found.routes:  # what goes where (issue 22 #11)
        Out.echo(f"note: {line}")
    if desk and not online:
        raise UsageError("--webhook registers in the live shop", f"add --online: runner validate {spec_path} --online --webhook {desk}")
    if not online:
        if found.unset and not allow_missing_env:
            raise SpecError(
                f"{spec_path}: {len(found.unset)} ${{VAR}}{'s' if len(found.unset) > 1 else ''} not set",
                f"set them in the environment or in {spec.base_dir / '.env'} (KEY=value lines), or fix the name; "
                f"`runner validate {spec_path} --allow-missing-env` checks the rest without them",
                found.unset,
            )
        for line in found.unset:
            Out.echo(f"note: {line} (commands that connect will need it)")
        Out.echo(f"{spec_path}: valid")
        return
    found = validate_spec(spec, ValidateOptions(online=True, sandbox=sandbox, webhook=desk, named=spec_path), on_secret=Out.secrets.add)
    for line in found.checked:
        Out.echo(line if line.startswith(WARNING) else f"ok: {line}")
    problems = found.problems
    if problems:
        from runner.services.problems import grouped, summary

        raise SpecError(
            f"{spec_path}: {summary(problems)}, against the live services",
            "fix the mapping in the spec or add the codes in Exact, then run `runner validate SPEC --online` again",
            grouped(problems),
        )
    Out.echo(f"{spec_path}: valid, and ready for the live services")
    for line in found.hooked:
        Out.echo(line)


@main.command()
@spec_argument()
@click.option("--order", "order_ids", type=int, multiple=True, help="Only this WooCommerce order id (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many orders.")
@click.option("--orders-file", type=click.Path(dir_okay=False), help="Read orders from a file in the REST API's shape; no network.")
@click.option("--refunds-file", type=click.Path(dir_okay=False), help="With --orders-file: refunds per order id, as GET .../refunds returns them.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "yaml"]), default="table", show_default=True)
@click.option("--payloads", is_flag=True, help="With the table: also print each payload.")
@click.option("--sandbox", is_flag=True, help="Preview against a fresh embedded sandbox of both services.")
@guarded
def preview(spec_path, order_ids, limit, orders_file, refunds_file, fmt, payloads, sandbox) -> None:
    """Show the Exact payloads SPEC would post, without writing anything."""
    spec = load_spec(spec_path)
    options = PreviewOptions(tuple(order_ids), limit, orders_file, refunds_file, sandbox)
    if orders_file and fmt == "json" and not order_ids and not limit:
        _stream_json(preview_stream(spec, options))
        return
    result = preview_spec(spec, options, on_secret=Out.secrets.add)
    more = [{"more_due": result.more, "what_to_do": "--limit to see more"}] if result.more else []  # the table's "N more due"
    if fmt == "json":
        Out.echo(json.dumps(result.items + more, indent=2, ensure_ascii=False))
    elif fmt == "yaml":
        Out.echo(yaml.safe_dump(result.items + more, sort_keys=False, allow_unicode=True))
    else:
        blobs = (
            [
                json.dumps(
                    {k: item[k] for k in ("order", "refund", "summary", "endpoint", "payload", "payment", "payments") if k in item},
                    indent=2,
                    ensure_ascii=False,
                )
                for _, item in result.documents
            ]
            if payloads
            else None
        )
        for line in render.preview_lines(result, blobs):
            Out.echo(line)
    for order_id, message in sorted(result.failures.items()):
        Out.echo(render.failed_order(order_id, message), err=True)
    for ref, message in sorted(result.summary_failures.items()):
        Out.echo(f"FAILED summary {ref}: {message}", err=True)
    if result.failures or result.summary_failures:
        sys.exit(1)


def _stream_json(events) -> None:
    """A preview from a file written as it is made: a JSON array with one element per line
    (the elements `--format json` prints whole), so 100,000 orders never sit in memory and a
    line is one order's document; the failures are told at the end, exit 1 when there are any."""
    failures, chunk, first = [], [], True
    for order_id, _document, item in events:
        if "error" in item:  # an order, or a day summary that cannot be made (booking.mode daily_summary)
            failures.append((f"summary {item['summary']}" if "summary" in item else f"order {order_id}", item["error"]))
        chunk.append(json.dumps(item, ensure_ascii=False))
        if len(chunk) == STREAM_CHUNK:
            Out.echo(("[\n" if first else ",\n") + ",\n".join(chunk), nl=False)
            chunk, first = [], False
    if chunk:
        Out.echo(("[\n" if first else ",\n") + ",\n".join(chunk), nl=False)
        first = False
    Out.echo("[]" if first else "\n]")
    for what, message in failures:
        Out.echo(f"FAILED {what}: {message}", err=True)
    if failures:
        sys.exit(1)


@main.command("report")
@spec_argument()
@click.option("--from", "start", metavar="DATE", help="First entry date of the period (YYYY-MM-DD, shop-local).")
@click.option("--to", "end", metavar="DATE", help="Last entry date of the period (YYYY-MM-DD), inclusive.")
@click.option("--settlements", is_flag=True, help="The payment providers' balances against their journals (docs/settlements.md).")
@click.option("--provider", "providers", multiple=True, help="With --settlements: only this provider (repeatable).")
@click.option("--period", metavar="YYYY-MM", help="With --settlements: the month (instead of --from/--to).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--sandbox", is_flag=True, help="Book a fresh embedded sandbox first, then reconcile it.")
@guarded
def report_command(spec_path, start, end, fmt, sandbox, settlements, providers, period) -> None:
    """Before the VAT return: the shop's orders and refunds of a period against what Exact
    holds, per VAT code and GL account; exit 1 when anything differs."""
    from runner.cli.progress import progress_printer

    if settlements:
        from runner.cli.settle import settlements_report

        return settlements_report(spec_path, providers, period, start, end, fmt, sandbox)
    if not start or not end:
        hint = "give both (--from 2026-10-01 --to 2026-12-31) or --settlements; see `runner report --help`"
        raise UsageError("missing --from and --to: the period to report", hint)
    from runner.services.vat_report import period

    period(start, end)  # dates that are no period are said before the spec is read
    spec = load_spec(spec_path)
    table = fmt == "table"  # json and csv stay clean for machines
    reading, booking = (progress_printer(sys.stdout.isatty(), "report"), progress_printer(sys.stdout.isatty())) if table else (None, None)
    done = report_period(spec, ReportOptions(start, end, sandbox), reading, booking, on_secret=Out.secrets.add)
    if done.interrupted:
        of = f" of {done.total:,}" if done.total is not None else ""
        Out.echo(
            f"stopped: {done.read:,}{of} shop order(s) read before Ctrl-C; nothing was written anywhere; run the report again for the whole period",
            err=True,
        )
        sys.exit(130)
    result = done.reconciliation
    if fmt == "json":
        Out.echo(json.dumps(report_view.reconcile_json(result), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        Out.echo(report_view.reconcile_csv(result))
    else:
        for line in report_view.reconcile_lines(result):
            Out.echo(line)
    if result.differs:
        sys.exit(1)
