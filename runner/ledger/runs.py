"""Runs: kept per month (`runs_2026-11`), so a run every 15 minutes never makes a large
table; RUN_DAYS of them, and the last one without failures whatever its age (`runner
status` names it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runner.ledger.records import Run, run_record
from runner.ledger.store import Store

RUN_DAYS = 14  # runs kept


class Runs:
    def __init__(self, store: Store, stamp: Callable[[], str]) -> None:
        self.store, self.stamp = store, stamp

    def record(self, report: Mapping[str, Any]) -> None:
        """A run is recorded when it starts and again when it ends (same `run` id): one that
        never ended (killed) stays recorded as interrupted."""
        report = run_record(report)
        table = f"runs_{report.get('started', self.stamp())[:7]}"
        if report.get("run") and self.store.contains(table, {"run": report["run"]}):
            self.store.replace(table, report, {"run": report["run"]})  # replaced: a field may have emptied
        else:
            self.store.insert(table, [report])

    def all(self) -> list[Run]:
        """The runs kept (the window's, and the last one without failures), oldest first."""
        names = sorted(n for n in self.store.tables() if n.startswith("runs_"))
        return [Run.of(run) for name in names for run in self.store.all(name)]

    def drop_before(self, cutoff: str) -> None:
        """Runs started before `cutoff` go, but the last one without failures."""
        clean = [r for r in self.all() if r.clean]
        keep = clean[-1].get("run") if clean else None
        for name in sorted(n for n in self.store.tables() if n.startswith("runs_")):
            if name[5:] < cutoff[:7] and not self.store.contains(name, {"run": keep}):
                self.store.drop(name)
                continue
            self.store.remove(name, lambda run: "started" in run and "run" in run and run["started"] < cutoff and run["run"] != keep)
            if not self.store.count(name):
                self.store.drop(name)
