"""The command line: a thin skin over the library. The only module that prints; every
RunnerError becomes one message, one line saying what to do, and an exit code
(0 all good, 1 some orders failed, 2 spec or usage error, 3 login needed)."""

from __future__ import annotations

import json
import os
import sys
import traceback
import webbrowser
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import click
import yaml

from runner import __version__, engine, report
from runner import preview as preview_module
from runner import spec as spec_module
from runner.errors import RunnerError, SpecError
from runner.state import Ledger, run_lock


class Out:
    """Writes to the terminal with every known secret blanked out."""

    secrets: set[str] = set()

    @classmethod
    def redact(cls, text: str) -> str:
        for secret in sorted(cls.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    @classmethod
    def echo(cls, text: str = "", err: bool = False) -> None:
        click.echo(cls.redact(text), err=err)


def _fail(error: RunnerError) -> None:
    Out.echo(f"error: {error.message}", err=True)
    for problem in getattr(error, "problems", []):
        Out.echo(f"  {problem}", err=True)
    if error.hint:
        Out.echo(f"what to do: {error.hint}", err=True)
    sys.exit(error.exit_code)


def guarded(func: Callable) -> Callable:
    """Runs a command so that a RunnerError ends in a message, never a traceback."""

    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RunnerError as error:
            _fail(error)
        except KeyboardInterrupt:
            Out.echo("stopped; nothing half-done is left behind, run the command again to continue", err=True)
            sys.exit(130)
        except (SystemExit, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as bug:  # not the user's doing: say so plainly, details on request
            if os.environ.get("RUNNER_DEBUG"):
                Out.echo(Out.redact(traceback.format_exc()), err=True)
            _fail(RunnerError(f"unexpected error in the runner ({type(bug).__name__}: {bug})",
                              "nothing booked is lost (the ledger keeps it); run again with RUNNER_DEBUG=1 and report the output"))

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def load_spec(path: str):
    spec = spec_module.load(path)
    Out.secrets |= spec.secrets
    return spec


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="runner")
def main() -> None:
    """Book WooCommerce orders into Exact Online, as one sync.yaml per client says."""


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--online", is_flag=True, help="Also check the keys, the division and every code against the live services.")
@click.option("--sandbox", is_flag=True, help="With --online: check against a fresh embedded sandbox.")
@guarded
def validate(spec_path: str, online: bool, sandbox: bool) -> None:
    """Check SPEC: schema, presets, ${VAR}s and templates; every problem at once."""
    spec = load_spec(spec_path)
    if not online:
        for name, paths in sorted(spec.missing_env.items()):
            Out.echo(f"note: {name} is not set (used at {spec.source.where(paths[0])}); "
                     f"commands that connect will need it in the environment or in {spec.base_dir / '.env'}")
        Out.echo(f"{spec_path}: valid")
        return
    from runner import online as online_module

    with _target(spec, sandbox) as (spec, _box):
        woo, sink, ledger = _parts(spec, dry_run=True)
        try:
            checked, problems = online_module.check(spec, woo, sink)
        finally:
            ledger.close()
    for line in checked:
        Out.echo(f"ok: {line}")
    if problems:
        raise SpecError(f"{spec_path}: {len(problems)} problem(s) against the live services",
                        "fix the mapping in the spec or add the codes in Exact, then run `runner validate --online` again", problems)
    Out.echo(f"{spec_path}: valid, and ready for the live services")


def _read_json_or_yaml(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {what} {path}: {exc.strerror}", "check the path") from None
    try:
        return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"{what} {path} is not valid JSON or YAML: {exc}", f"pass the {what} in the REST API's shape") from None


def read_orders_file(path: str) -> list[dict]:
    data = _read_json_or_yaml(path, "orders file")
    if isinstance(data, dict) and "id" in data:
        data = [data]
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise SpecError(f"orders file {path} must hold a list of orders as GET /wc/v3/orders returns them", "export the orders from the REST API")
    return data


def read_refunds(path: str | None, orders: list[dict]) -> dict[int, list[dict]]:
    """Refunds per order: from a refunds file ({order id: [refund, ...]}) or, when the
    orders embed full refund objects, from the orders themselves."""
    refunds: dict[int, list[dict]] = {}
    for order in orders:
        full = [r for r in order.get("refunds") or [] if isinstance(r, dict) and "amount" in r]
        if full:
            refunds[int(order["id"])] = full
    if path:
        data = _read_json_or_yaml(path, "refunds file")
        if not isinstance(data, dict):
            raise SpecError(f"refunds file {path} must map order ids to lists of refunds", "see tests/data/woo-sample-refunds.json")
        refunds.update({int(k): list(v) for k, v in data.items()})
    return refunds


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
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
    if orders_file:
        raw_orders = read_orders_file(orders_file)
        selection, failures = preview_module.select(raw_orders, spec, order_ids, limit)
        result = preview_module.preview(spec, selection, read_refunds(refunds_file, raw_orders))
        result.failures.update(failures)
    else:
        with _target(spec, sandbox) as (spec, _box):
            woo, sink, ledger = _parts(spec, dry_run=True)
            try:
                result = preview_module.online(spec, woo, sink, ledger, order_ids, limit)
            finally:
                ledger.close()
    if fmt == "json":
        Out.echo(json.dumps(result.items, indent=2, ensure_ascii=False))
    elif fmt == "yaml":
        Out.echo(yaml.safe_dump(result.items, sort_keys=False, allow_unicode=True))
    else:
        blobs = [json.dumps({k: item[k] for k in ("endpoint", "payload", "payment")}, indent=2, ensure_ascii=False)
                 for _, item in result.documents] if payloads else None
        for line in report.preview_lines(result, blobs, explain_skips=bool(order_ids)):
            Out.echo(line)
    for order_id, message in sorted(result.failures.items()):
        Out.echo(f"FAILED order {order_id}: {message}", err=True)
    if result.failures:
        sys.exit(1)


@contextmanager
def _target(spec, sandbox: bool):
    """The spec as given, or pointed at a fresh embedded sandbox (throwaway ledger and login)."""
    if not sandbox:
        yield spec, None
        return
    from runner.sandbox.embedded import embedded

    with embedded(spec) as (sandboxed, box):
        Out.secrets |= sandboxed.secrets
        yield sandboxed, box


def _parts(spec, dry_run: bool = False):
    from runner.oauth import store_from_spec
    from runner.sink import sink_from_spec
    from runner.woocommerce import source_from_spec

    spec.require_env("woocommerce", "exact")
    state = spec.file(spec.data["state"])
    ledger = Ledger.dry_copy(state) if dry_run else Ledger(state)
    tokens = store_from_spec(spec)
    return source_from_spec(spec), sink_from_spec(spec, ledger, tokens, dry_run=dry_run), ledger


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Read both services, post nothing, leave the ledger untouched; show the payloads.")
@click.option("--since", help="Backfill from this date (YYYY-MM-DD) on a first run, instead of orders.since.")
@click.option("--order", "order_ids", type=int, multiple=True, help="Only this WooCommerce order id (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Book at most this many orders.")
@click.option("--sandbox", is_flag=True, help="Run against a fresh embedded sandbox of both services.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
@click.option("--wait", is_flag=True, help="If another run of this spec is busy, wait for it instead of stopping.")
@guarded
def run(spec_path, dry_run, since, order_ids, limit, sandbox, as_json, wait) -> None:
    """Book what is due: new and changed orders, refunds, and retries."""
    spec = load_spec(spec_path)
    with _target(spec, sandbox) as (spec, box):
        with run_lock(spec.file(spec.data["state"] + ".lock"), wait=wait):
            woo, sink, ledger = _parts(spec, dry_run)
            try:
                result = engine.Run(spec, woo, sink, ledger)(since=since, only=order_ids, limit=limit).as_dict()
            finally:
                ledger.close()
        if as_json:
            Out.echo(json.dumps({**result, **({"would_post": sink.posted} if dry_run else {})}, indent=2, ensure_ascii=False, default=str))
        else:
            if dry_run:
                Out.echo(json.dumps(sink.posted, indent=2, ensure_ascii=False, default=str))
            for order_id, message in sorted(result["failed"].items(), key=lambda kv: int(kv[0])):
                Out.echo(f"FAILED order {order_id}: {message}", err=True)
            Out.echo(("dry run, nothing posted: " if dry_run else "") + report.run_summary(result))
            if box is not None:
                for line in box.landed_lines():
                    Out.echo(line)
    if result["failed"]:
        sys.exit(1)


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.argument("order_ids", metavar="[ORDER]...", type=int, nargs=-1)
@guarded
def retry(spec_path, order_ids) -> None:
    """Retry failed orders now (all of them, or the ones named), whatever their backoff."""
    spec = load_spec(spec_path)
    with run_lock(spec.file(spec.data["state"] + ".lock")):
        woo, sink, ledger = _parts(spec)
        try:
            result = engine.Run(spec, woo, sink, ledger)(retry_now=list(order_ids)).as_dict()
        finally:
            ledger.close()
    for order_id, message in sorted(result["failed"].items(), key=lambda kv: int(kv[0])):
        Out.echo(f"FAILED order {order_id}: {message}", err=True)
    Out.echo(report.run_summary(result))
    if result["failed"]:
        sys.exit(1)


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@guarded
def status(spec_path, as_json) -> None:
    """Booked, failed and pending orders, the last run, the rate budget and the login's age."""
    from runner.oauth import TokenStore

    spec = load_spec(spec_path)
    state = spec.file(spec.data["state"])
    with Ledger(state) as ledger:
        summary = engine.status(ledger)
    summary["token_age_days"] = TokenStore(spec.file(spec.section("exact")["token_file"]), "", "", "").age_days()
    if as_json:
        Out.echo(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    else:
        for line in report.status_lines(summary):
            Out.echo(line)


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--no-browser", is_flag=True, help="Only print the login URL; do not open a browser.")
@guarded
def auth(spec_path, no_browser) -> None:
    """Log in to Exact Online once; stores the token file the runs use."""
    from runner import oauth

    spec = load_spec(spec_path)
    store = oauth.store_from_spec(spec)
    url, state = oauth.authorize_url(store.base_url, store.client_id, store.redirect_uri)
    Out.echo(f"Open this address, log in to Exact Online and approve the app:\n\n  {url}\n")
    if not no_browser:
        webbrowser.open(url)
    redirect = oauth.wait_for_redirect(store.redirect_uri) if oauth.is_loopback(store.redirect_uri) else None
    if redirect is None:
        redirect = click.prompt("Paste the address Exact sent your browser to", prompt_suffix=": ")
    store.exchange_code(oauth.code_from_redirect(redirect, state))
    Out.echo(f"logged in; tokens saved to {store.path} (mode 0600). Next: runner divisions {spec_path}")


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@guarded
def divisions(spec_path) -> None:
    """List the administrations (divisions) this Exact login may use."""
    from runner.exact import ExactApi
    from runner.oauth import store_from_spec

    spec = load_spec(spec_path)
    store = store_from_spec(spec)
    api = ExactApi(spec.section("exact")["base_url"], 0, store.access_token)
    current = next(api.get("current/Me", "CurrentDivision"))["CurrentDivision"]
    api.division = current
    rows = [("code", "name", "")] + [(str(d["Code"]), d.get("Description") or "", "current" if d.get("Current") else "")
                                     for d in api.get("system/Divisions", "Code,Description,Current")]
    for line in report.table(rows):
        Out.echo(line)


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be created or changed in Exact; write nothing.")
@click.option("--sandbox", is_flag=True, help="Push to a fresh embedded sandbox of both services.")
@guarded
def products(spec_path, dry_run, sandbox) -> None:
    """Push WooCommerce products (simple and variations) to Exact items, matched on code."""
    from runner import products as products_module

    spec = load_spec(spec_path)
    with _target(spec, sandbox) as (spec, _box):
        woo, sink, ledger = _parts(spec, dry_run=True)
        ledger.close()
        planned: list[str] = []

        def record(method: str, path: str, payload: dict) -> dict:
            planned.append(f"{method} {path} {json.dumps(payload, ensure_ascii=False)}")
            return {"ID": f"<new item {payload.get('Code', '')}>"}

        result = products_module.push(spec, woo, sink.api, post=record if dry_run else None)
    for line in planned:
        Out.echo(line)
    for code, message in sorted(result.failed.items()):
        Out.echo(f"FAILED {code}: {message}", err=True)
    for note in result.skipped:
        Out.echo(f"skipped product {note}")
    prefix = "dry run, nothing written: would create" if dry_run else "created"
    Out.echo(f"{prefix} {len(result.created)} item(s), updated {len(result.updated)}, unchanged {result.unchanged}, "
             f"skipped {len(result.skipped)}, failed {len(result.failed)}")
    if result.failed:
        sys.exit(1)


@main.command()
@click.option("--orders", type=click.IntRange(min=0), default=60, show_default=True, help="Demo orders in the shop.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the demo data.")
@click.option("--woo-port", type=int, default=8701, show_default=True)
@click.option("--exact-port", type=int, default=8702, show_default=True)
@guarded
def sandbox(orders, seed, woo_port, exact_port) -> None:
    """Start the simulated WooCommerce and Exact Online on localhost until stopped."""
    import time

    from runner.sandbox.embedded import start

    try:
        box = start(orders, seed, woo_port, exact_port)
    except OSError as exc:
        raise RunnerError(f"cannot listen on ports {woo_port}/{exact_port}: {exc.strerror}", "pick others with --woo-port and --exact-port") from None
    Out.echo(f"WooCommerce sandbox: {box.woo_url}  ({orders} demo orders)")
    Out.echo(f"Exact Online sandbox: {box.exact_url}  (division {box.exact.admin.division})")
    Out.echo("Point a spec at them with these lines in a .env beside it (and woocommerce.url / exact.base_url as above):")
    for name, value in box.credentials().items():
        click.echo(f"  {name}={value}")  # sandbox credentials are public test values, meant to be copied
    Out.echo(f"then log in with `runner auth SPEC` (the sandbox approves at once). Ctrl-C stops.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        box.stop()
        Out.echo("sandbox stopped")


@main.command("report")
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--from", "start", required=True, metavar="DATE", help="First entry date of the period (YYYY-MM-DD, shop-local).")
@click.option("--to", "end", required=True, metavar="DATE", help="Last entry date of the period (YYYY-MM-DD), inclusive.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--sandbox", is_flag=True, help="Book a fresh embedded sandbox first, then reconcile it.")
@guarded
def report_command(spec_path, start, end, fmt, sandbox) -> None:
    """Before the VAT return: the shop's orders and refunds of a period against what Exact
    holds, per VAT code and GL account; exit 1 when anything differs."""
    from runner import reconcile

    first, last = reconcile.period(start, end)
    spec = load_spec(spec_path)
    with _target(spec, sandbox) as (spec, _box):
        if sandbox:  # a fresh sandbox holds nothing yet: book its shop first
            woo, sink, ledger = _parts(spec)
            try:
                engine.Run(spec, woo, sink, ledger)(since=spec.section("orders").get("since") or "2000-01-01")
            finally:
                ledger.close()
        with run_lock(spec.file(spec.data["state"] + ".lock"), wait=True):  # never read a ledger a run is writing
            woo, sink, ledger = _parts(spec, dry_run=True)
        try:
            result = reconcile.reconcile(spec, woo, sink.api, ledger, first, last)
        finally:
            ledger.close()
    if fmt == "json":
        Out.echo(json.dumps(report.reconcile_json(result), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        Out.echo(report.reconcile_csv(result))
    else:
        for line in report.reconcile_lines(result):
            Out.echo(line)
    if result.differs:
        sys.exit(1)
