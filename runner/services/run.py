"""Run one spec: book what is due (or, dry, show what would be; or write each document to a
review folder), as `runner run`, a schedule's round, the dashboard's "run now" and any
script do it:

    from runner.services.run import RunOptions, run_spec
    result = run_spec("clients/acme.yaml", RunOptions(limit=50))
    result.report["booked"], result.exit_code

The result is data; nothing here prints. Notes on the way (a lock taken over, a product
push's ledger claim, an alert not sent) go to `say`; progress ticks to `progress`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import adapters
from runner.errors import NotSupported
from runner.ledger import Ledger
from runner.pipeline import engine, live
from runner.pipeline.ports import capability
from runner.pipeline.progress import Tick
from runner.services.connect import Say, Secrets, hear_waits, lock_path, open_spec, parts, quiet, target, vies
from runner.services.preview_items import code_names
from runner.services.settle import AfterRun, after_run
from runner.services.turns import alerting, turn
from runner.spec.model import Spec


@dataclass(frozen=True)
class RunOptions:
    """What `runner run` is asked: `since` backfills from that day (YYYY-MM-DD) on a first
    run; `order_ids` books those orders only; `limit` at most that many orders; `dry_run`
    posts nothing and keeps the ledger as it was; `to` writes each document to that folder
    (with a ledger of its own) instead of Exact; `sandbox` runs against a fresh embedded
    sandbox; `wait` queues behind a run of the same spec instead of stopping; `locked`: the
    caller holds the spec's run lock already (a round of `run --every`); `alerts`: False sends
    no `notify:` alert for this run (the desk's runs: a desk is watched)."""

    dry_run: bool = False
    since: str | None = None
    order_ids: tuple[int, ...] = ()
    limit: int | None = None
    sandbox: bool = False
    to: str | None = None
    wait: bool = False
    locked: bool = False
    alerts: bool = True
    settle: bool = True  # False leaves a spec's payouts to `runner settle` (the desk's runs, up to one a minute by webhook)


@dataclass
class RunResult:
    """What a run did: `report` is its outcome (booked, credits, failed, skipped, calls...,
    as `run --json` shows it); a dry run adds what it would post; `products` the push of
    products.push; `waits` the failures that wait for their retry; `landed` what a sandbox
    holds afterwards. `interrupted`: stopped by Ctrl-C (the report says how far it got)."""

    spec: Any
    options: RunOptions
    report: dict[str, Any] = field(default_factory=dict)
    would_post: list[dict[str, Any]] = field(default_factory=list)
    documents: list[tuple[Any, str]] = field(default_factory=list)  # dry run: (document, booked on), for the table
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # dry run: ("gl" | "vat", code) -> the books' name
    products: Any = None  # runner.adapters.exact.products.PushReport, when products.push pushed
    waits: list[dict[str, Any]] = field(default_factory=list)
    landed: list[str] = field(default_factory=list)
    interrupted: bool = False
    settlements: AfterRun = field(default_factory=AfterRun)  # the payouts settled at its end (a spec with settlements:)

    @property
    def failed(self) -> bool:
        report = self.report
        return bool(report.get("failed") or report.get("missing") or report.get("unmatched") or (self.products and self.products.failed))

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else 1 if self.failed else 0


def run_spec(
    spec: Spec | str | Path,
    options: RunOptions = RunOptions(),
    progress: Callable[[Tick | None], None] | None = None,
    say: Say = quiet,
    on_secret: Secrets | None = None,
) -> RunResult:
    """One run of one spec (a loaded spec, or the path of one). Raises a RunnerError for
    what stops it (`Busy` when another run holds the spec, a spec or login problem).
    A spec with `settlements:` has its payouts settled once the run's lock is released, with
    the spec as run (a sandbox's, still up; docs/settlements.md); not a dry run or review folder."""
    spec = open_spec(spec, on_secret, say) if isinstance(spec, str | Path) else spec
    with target(spec, options.sandbox, on_secret) as (spec, box):
        result = RunResult(spec, options)
        alerts = options.alerts and not options.dry_run and not options.to and box is None
        folder = adapters.sink("folder", spec, folder=options.to) if options.to else None
        if folder is not None:  # before its lock is taken: the folder's own files may not be links out of it
            folder.open()
        where = folder.ledger_path.with_name(folder.ledger_path.name + ".lock") if folder is not None else lock_path(spec)
        lock = nullcontext() if options.locked else turn(spec, where, options.wait, alerts, say)
        with lock, alerting(spec, alerts, say) as outcome:
            source, sink, ledger = _adapters(spec, options)
            booking_products = spec.products.push and not options.dry_run and not options.to
            result.products = _push_products(spec, source, sink, ledger, say) if booking_products else None
            hear_waits(sink, progress)
            booking = engine.Run(spec, source, sink, ledger, vies=vies(spec))
            booking.progress = recorder = live.recording(booking, progress)  # status sees the run as it goes
            try:
                result.report = outcome["report"] = booking(since=options.since, only=options.order_ids, limit=options.limit).as_dict()
                result.waits = ledger.failures() if result.report.get("waiting") else []
            except KeyboardInterrupt:
                result.report, result.interrupted = booking.outcome.as_dict(), True
                return result
            finally:
                ledger.close()
                recorder(None)
            if options.dry_run:
                result.would_post, result.documents = sink.posted, sink.documents
                result.names = code_names(sink, [doc for doc, _ in sink.documents])
        if options.settle and not options.dry_run and not options.to:
            result.settlements = after_run(spec) if box is None else _sandbox_leaves_payouts(spec)
        if box is not None and not options.to:
            result.landed = box.landed_lines()
    return result


def _sandbox_leaves_payouts(spec: Spec) -> AfterRun:
    """A sandbox run books a throwaway shop: the spec's providers are real ones, never asked."""
    if not spec.settlements.providers():
        return AfterRun()
    return AfterRun(note="note: a sandbox run settles no payouts with the spec's providers; `runner settle --sandbox` books simulated ones")


def _push_products(spec: Spec, source, sink, ledger, say: Say):
    """products.push: true: the products saved in the shop since the last push go to Exact's
    items before the orders are booked (an invoice line may name one). The ledger is claimed
    first: its cursor is this shop's."""
    moved = ledger.claim(source.name, sink.name, about=getattr(source, "about", None))
    if moved:
        say(f"note: {moved}")
    push = capability(sink, "push_changed_items")
    if push is None:
        raise NotSupported(
            f"{sink.name} keeps no items, so products.push cannot send the shop's products there", "set products.push: false for this target"
        )
    return push(spec, source, ledger)


def _adapters(spec: Spec, options: RunOptions):
    """The source, sink and ledger of one run: Exact and the spec's ledger; for a dry run
    the same behind a sink that writes nothing and a ledger copy in memory; with `to`, a
    folder with a ledger of its own (the spec's ledger and Exact are not touched)."""
    if options.to:
        spec.require_env("woocommerce")
        adapters.sink("folder", spec, folder=options.to).open()
        folder = adapters.sink("folder", spec, folder=options.to)
        return adapters.source("woocommerce", spec), folder, Ledger(folder.ledger_path, compact=True)
    source, sink, ledger = parts(spec, read_only=options.dry_run)
    return source, (adapters.sink("dry", spec, inner=sink) if options.dry_run else sink), ledger
