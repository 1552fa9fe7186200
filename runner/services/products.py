"""Push the shop's products (simple and variations) to Exact's items, matched on code, as
`runner products` does it: every product, or (`dry_run`) what a push would send, nothing
written. Data in, data out; nothing printed.

    from runner.services.products import ProductsOptions, push_products
    pushed = push_products("clients/acme.yaml", ProductsOptions(dry_run=True))
    pushed.report.rows, pushed.planned
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.errors import NotSupported
from runner.pipeline.ports import capability
from runner.pipeline.progress import Tick
from runner.services.connect import Secrets, hear_waits, open_spec, parts, target
from runner.spec.model import Spec


@dataclass(frozen=True)
class ProductsOptions:
    """`dry_run`: send nothing, keep what would be sent; `sandbox`: a fresh embedded sandbox."""

    dry_run: bool = False
    sandbox: bool = False


@dataclass
class ProductsResult:
    """`report`: runner/adapters/exact/products.py `PushReport` (created, updated, unchanged,
    skipped, failed, the dry run's rows); `planned`: a dry run's requests; `interrupted`:
    stopped by Ctrl-C (the report says how far it got)."""

    report: Any
    planned: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else 1 if self.report.failed else 0


def push_products(
    spec: Spec | str | Path,
    options: ProductsOptions = ProductsOptions(),
    progress: Callable[[Tick | None], None] | None = None,
    on_secret: Secrets | None = None,
) -> ProductsResult:
    """Pushes (or, dry, plans) the spec's products; `progress` hears a tick per product."""
    from runner.adapters.exact import products as products_module

    spec = open_spec(spec, on_secret) if isinstance(spec, str | Path) else spec
    result = ProductsResult(products_module.PushReport())
    with target(spec, options.sandbox, on_secret) as (spec, _box):
        woo, sink, ledger = parts(spec, read_only=True)
        ledger.close()
        hear_waits(sink, progress)
        push = capability(sink, "push_items")
        if push is None:
            raise NotSupported(f"{sink.name} keeps no items to push products to", "push products to Exact: leave out --to and --sandbox's folder")
        started = time.monotonic()

        def record(method: str, path: str, payload: dict) -> dict:
            result.planned.append({"method": method, "path": path, "payload": payload})
            return {"ID": f"<new item {payload.get('Code', '')}>"}

        def tick(done: int | None, total: int | None = None) -> None:
            if progress is None:
                return
            if done is None:
                return progress(None)
            quota = sink.quota()
            progress(Tick(done, total, time.monotonic() - started, quota.calls, quota.left_today, quota.per_minute, what="product"))

        try:
            push(spec, woo, post=record if options.dry_run else None, progress=tick, report=result.report)
        except KeyboardInterrupt:
            result.interrupted = True
        tick(None)
    return result
