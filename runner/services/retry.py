"""Retry failed orders now, whatever their backoff: all of them, or the ones named (the
dashboard's "retry these", `runner retry SPEC 5009`). Data in, data out; nothing printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.ledger import Ledger
from runner.pipeline import due, engine
from runner.services.connect import Say, Secrets, lock_path, open_spec, parts, quiet, vies
from runner.services.turns import turn
from runner.spec.model import Spec


@dataclass(frozen=True)
class RetryOptions:
    """`order_ids`: only these orders (each touched alone, failed or not); empty: every failed one."""

    order_ids: tuple[int, ...] = ()


@dataclass
class RetryResult:
    """`report` is the run's outcome (as `run --json` shows it); None when no order had failed."""

    report: dict[str, Any] | None = None
    retried: list[int] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.report and self.report["failed"] else 0


def retry_orders(spec: Spec | str | Path, options: RetryOptions = RetryOptions(), say: Say = quiet, on_secret: Secrets | None = None) -> RetryResult:
    """Books the failed orders (or the named ones) now, under the spec's run lock."""
    spec = open_spec(spec, on_secret, say) if isinstance(spec, str | Path) else spec
    if not due.retries(Ledger.dry_copy(spec.state_file), list(options.order_ids)):  # a copy in memory; no file made
        return RetryResult()  # nothing failed: said before a secret or a call is needed (a named order not failed: said too)
    with turn(spec, lock_path(spec), say=say):
        woo, sink, ledger = parts(spec)
        try:
            wanted = due.retries(ledger, list(options.order_ids))
            if not wanted:
                return RetryResult()
            named = {"only": wanted} if options.order_ids else {"retry_now": wanted}  # `retry 5009` touches 5009 alone
            report = engine.Run(spec, woo, sink, ledger, vies=vies(spec))(**named).as_dict()
        finally:
            ledger.close()
    return RetryResult(report, list(wanted))
