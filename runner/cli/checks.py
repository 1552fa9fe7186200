"""Commands that look without booking: validate (offline and --online), preview, report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import yaml

import runner.cli.render as render
from runner.cli.common import Out, guarded, load_spec, main, parts, spec_argument, target, vies
from runner.domain.daily_split import routes
from runner.errors import SpecError, UsageError
from runner.pipeline import engine
from runner.services import preview as preview_module
from runner.services import preview_codes

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
    from runner.spec.env_names import missing

    spec = load_spec(spec_path)
    if spec.booking.mode == "daily_summary":  # what goes where (issue 22 #11)
        for line in routes(spec.customers.collective):
            Out.echo(f"note: {line}")
    if desk and not online:
        raise UsageError("--webhook registers in the live shop", f"add --online: runner validate {spec_path} --online --webhook {desk}")
    if not online:
        unset = missing(spec)
        if unset and not allow_missing_env:
            raise SpecError(
                f"{spec_path}: {len(unset)} ${{VAR}}{'s' if len(unset) > 1 else ''} not set",
                f"set them in the environment or in {spec.base_dir / '.env'} (KEY=value lines), or fix the name; "
                f"`runner validate {spec_path} --allow-missing-env` checks the rest without them",
                unset,
            )
        for line in unset:
            Out.echo(f"note: {line} (commands that connect will need it)")
        Out.echo(f"{spec_path}: valid")
        return
    from runner.services import validate as online_module
    from runner.services.webhooks import register

    with target(spec, sandbox) as (spec, _box):
        woo, sink, ledger = parts(spec, read_only=True)
        try:
            checked, problems = online_module.check(spec, woo, sink)
            hooked = [] if problems or not desk else register(spec, woo, desk, Path(spec_path))  # only for a spec that is ready
        finally:
            ledger.close()
    for line in checked:
        Out.echo(line if line.startswith(online_module.WARNING) else f"ok: {line}")
    if problems:
        from runner.services.problems import grouped, summary

        raise SpecError(
            f"{spec_path}: {summary(problems)}, against the live services",
            "fix the mapping in the spec or add the codes in Exact, then run `runner validate SPEC --online` again",
            grouped(problems),
        )
    Out.echo(f"{spec_path}: valid, and ready for the live services")
    for line in hooked:
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
    if orders_file and fmt == "json" and not order_ids and not limit:
        from runner.adapters.exact.sink import OfflineExact

        _stream_json(preview_module.offline_stream(spec, orders_file, refunds_file, OfflineExact(spec)))
        return
    if orders_file:
        from runner.adapters.exact.sink import OfflineExact

        raw_orders = preview_module.read_orders_file(orders_file)
        refunds = preview_module.read_refunds(refunds_file, raw_orders)
        result = preview_module.offline(spec, raw_orders, refunds, OfflineExact(spec), order_ids, limit)
    else:
        with target(spec, sandbox) as (spec, _box):
            woo, sink, ledger = parts(spec, read_only=True)
            try:
                result = preview_module.online(spec, woo, sink, ledger, order_ids, limit)
                preview_codes.named(result.names, result.documents)  # online: each document's codes beside Exact's ids
            finally:
                ledger.close()
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
        Out.echo(f"FAILED order {order_id}: {message}", err=True)
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
    if settlements:
        from runner.cli.settle import settlements_report

        return settlements_report(spec_path, providers, period, start, end, fmt, sandbox)
    if not start or not end:
        hint = "give both (--from 2026-10-01 --to 2026-12-31) or --settlements; see `runner report --help`"
        raise UsageError("missing --from and --to: the period to report", hint)
    from runner.cli.progress import progress_printer, ticker
    from runner.pipeline.ports import capability
    from runner.services import reconcile
    from runner.services.vat_report import period

    first, last = period(start, end)
    spec = load_spec(spec_path)
    seen: list[tuple[int, int | None]] = [(0, None)]
    with target(spec, sandbox) as (spec, _box):
        if sandbox:  # a fresh sandbox holds nothing yet: book its shop first
            woo, sink, ledger = parts(spec)
            try:
                engine.Run(spec, woo, sink, ledger, progress=progress_printer(sys.stdout.isatty()) if fmt == "table" else None, vies=vies(spec))(
                    since=spec.orders.since or "2000-01-01"
                )
            finally:
                ledger.close()
        woo, sink, ledger = parts(spec, read_only=True)  # the ledger as a copy in memory: read-only, even while a run books
        shown = ticker(sink, "report", "shop order") if fmt == "table" else None  # json and csv stay clean for machines

        def progress(done: int | None, total: int | None = None) -> None:
            seen[0] = (done or 0, total) if done is not None else seen[0]
            if shown:
                shown(done, total)

        try:
            read = capability(sink, "books_reader")
            if read is None:
                raise SpecError(f"{sink.name} cannot be read back for a report", "report on a spec that books into Exact")
            paid, codes = capability(sink, "payments_reader")(), capability(sink, "vat_codes")
            result = reconcile.reconcile(spec, woo, read(), ledger, first, last, progress, paid, codes)
        except KeyboardInterrupt:
            progress(None)
            done, total = seen[0]
            of = f" of {total:,}" if total is not None else ""
            Out.echo(
                f"stopped: {done:,}{of} shop order(s) read before Ctrl-C; nothing was written anywhere; run the report again for the whole period",
                err=True,
            )
            sys.exit(130)
        finally:
            ledger.close()
        progress(None)
    if fmt == "json":
        Out.echo(json.dumps(render.reconcile_json(result), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        Out.echo(render.reconcile_csv(result))
    else:
        for line in render.reconcile_lines(result):
            Out.echo(line)
    if result.differs:
        sys.exit(1)
