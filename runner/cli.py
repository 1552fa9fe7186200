"""The command line: a thin skin over the library. The only module that prints; every
RunnerError becomes one message, one line saying what to do, and an exit code
(0 all good, 1 some orders failed, 2 spec or usage error, 3 login needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click
import yaml

from runner import __version__, engine
from runner import spec as spec_module
from runner.errors import RunnerError, SpecError


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
@guarded
def validate(spec_path: str) -> None:
    """Check SPEC: schema, presets, ${VAR}s and templates; every problem at once."""
    spec = load_spec(spec_path)
    for name, paths in sorted(spec.missing_env.items()):
        Out.echo(f"note: {name} is not set (used at {spec.source.where(paths[0])}); "
                 f"commands that connect will need it in the environment or in {spec.base_dir / '.env'}")
    Out.echo(f"{spec_path}: valid")


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
@guarded
def preview(spec_path, order_ids, limit, orders_file, refunds_file, fmt, payloads) -> None:
    """Show the Exact payloads SPEC would post, without writing anything."""
    spec = load_spec(spec_path)
    if not orders_file:
        raise SpecError("preview needs orders: pass --orders-file FILE", "export orders with GET /wc/v3/orders, or use the sandbox")
    raw_orders = read_orders_file(orders_file)
    selection, failures = engine.select(raw_orders, spec, order_ids, limit)
    result = engine.preview(spec, selection, read_refunds(refunds_file, raw_orders))
    result.failures.update(failures)
    if fmt == "json":
        Out.echo(json.dumps(result.items, indent=2, ensure_ascii=False))
    elif fmt == "yaml":
        Out.echo(yaml.safe_dump(result.items, sort_keys=False, allow_unicode=True))
    else:
        _table(result, payloads, bool(order_ids))
    for order_id, message in sorted(result.failures.items()):
        Out.echo(f"FAILED order {order_id}: {message}", err=True)
    if result.failures:
        sys.exit(1)


def _table(result: engine.Preview, payloads: bool, explain_skips: bool) -> None:
    rows = [("order", "date", "customer", "total", "VAT per code", "lines", "document")]
    for doc, item in result.documents:
        customer = item["customer"].get("collective") or item["customer"]["match"]["email"]
        vat = ", ".join(f"{code}: {amount:.2f}" for code, amount in doc.vat_by_code().items())
        kind = ("credit " if doc.total < 0 else "") + ("invoice" if doc.target == "sales_invoice" else "entry")
        label = f"{doc.order_number}" + (f" r{doc.refund_id}" if doc.refund_id else "")
        rows.append((label, doc.entry_date.isoformat(), customer, f"{doc.total:.2f}", vat, str(len(doc.lines)), kind))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        Out.echo("  ".join(cell.rjust(w) if i == 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    for doc, item in result.documents:
        for warning in item["warnings"]:
            Out.echo(f"  ! {doc.order_number}: {warning}")
        if payloads:
            Out.echo(json.dumps({k: item[k] for k in ("endpoint", "payload", "payment")}, indent=2, ensure_ascii=False))
    if explain_skips:
        for order_id, why in sorted(result.skipped.items()):
            Out.echo(f"skipped order {order_id}: {why}")
    orders = len({doc.order_id for doc, _ in result.documents})
    Out.echo(f"{len(result.documents)} document(s) from {orders} order(s); {len(result.skipped)} skipped; {len(result.failures)} failed")
