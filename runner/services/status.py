"""The status of a spec, read cheaply: the ledger in numbers, the last run (or the one running
now), failures and unknown outcomes, the login's age. Reads only, never a service: a ledger
copy in memory (works on a damaged or read-only ledger) and the run lock's holder file.
`status_many` reads many specs for an overview (the dashboard's 200 clients), a spec that
cannot be read being a row that says why rather than an error for all."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.errors import RunnerError, SpecError
from runner.ledger import Ledger
from runner.ledger.lock import RunLock
from runner.pipeline.engine import INTERRUPTED
from runner.pipeline.outcome import status as ledger_status
from runner.services import settlement_report
from runner.services.connect import Secrets, lock_path, open_spec
from runner.spec.model import Spec

__all__ = ["INTERRUPTED", "SpecStatus", "Specs", "status_many", "status_of"]


@dataclass
class SpecStatus:
    """One spec's status. `last_run` and the failures and intents are the ledger's records
    (JSON-able dicts); `running` is {pid, host, since} while a run holds the spec; `error`
    (an overview only) says why the spec could not be read, the rest then left empty."""

    path: str = ""
    booked_total: int = 0
    credits_total: int = 0
    booked_today: int = 0
    booked_month: int = 0
    last_run: dict[str, Any] | None = None
    last_success: str | None = None
    lines_month: int = 0  # Exact booking lines posted this month, by the runs' records
    failures: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    timezone: str | None = None  # the shop's, every time is shown in
    ledger_damaged: str | None = None
    token_age_days: float | None = None
    running: dict[str, Any] | None = None
    allowance: int | None = None  # exact.monthly_lines: the booking lines the edition allows a month
    settlements: list[dict[str, Any]] = field(default_factory=list)  # per provider, as the last settle left it
    error: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)  # every run the ledger keeps, oldest first (the desk lists them)

    def as_dict(self) -> dict[str, Any]:
        """As `runner status --json` shows it (the keys in the order it always had)."""
        keys = ("booked_total", "credits_total", "booked_today", "booked_month", "last_run", "last_success", "lines_month", "failures")
        keys += ("pending", "timezone")
        out: dict[str, Any] = {key: getattr(self, key) for key in keys}
        if self.ledger_damaged:
            out["ledger_damaged"] = self.ledger_damaged
        out["token_age_days"], out["running"], out["allowance"] = self.token_age_days, self.running, self.allowance
        out["settlements"] = self.settlements
        return out | ({"error": self.error} if self.error else {})

    @property
    def now(self) -> str:
        """In a word: running, never run, did not end, stopped, failures, ok (or error)."""
        last = self.last_run or {}
        if self.error:
            return "error"
        if self.running:
            return "running"
        if not last:
            return "never run"
        if last.get("stopped") == INTERRUPTED:
            return "did not end"
        return "stopped" if last.get("stopped") else "failures" if self.failures else "ok"


def status_of(spec: Spec | str | Path, on_secret: Secrets | None = None) -> SpecStatus:
    """What `status` says of one spec (a loaded spec, or the path of one)."""
    from runner.adapters.exact.logins import login_of
    from runner.adapters.exact.oauth import TokenStore

    spec = open_spec(spec, on_secret) if isinstance(spec, str | Path) else spec
    with Ledger.dry_copy(spec.state_file) as ledger:  # reads only: works on a damaged or read-only ledger
        result = SpecStatus(str(spec.path), **ledger_status(ledger), timezone=spec.timezone, allowance=spec.exact.monthly_lines)
        result.runs = [dict(run) for run in ledger.runs()]
        result.settlements = settlement_report.status(ledger)
        if ledger.damaged:
            result.ledger_damaged = f"{ledger.damaged}; the next run sets it aside and rebuilds it from Exact and the shop"
    try:
        result.token_age_days = TokenStore(login_of(spec).path, "", "", "").age_days()
    except SpecError:  # several users logged in and none named: every command that logs in says so
        result.token_age_days = None
    holder = RunLock(lock_path(spec)).holder()
    alive = holder is not None and not holder.gone and lock_path(spec).exists() and _held(lock_path(spec))
    result.running = {"pid": holder.pid, "host": holder.host, "since": holder.since} if alive and holder else None
    return result


class Specs:
    """Specs read once and kept while none of their files changed (the spec, the presets it
    extends, the .env beside it) and the environment is the same: a page that shows 200
    clients every few seconds reads their ledgers, not 200 specs each time."""

    def __init__(self, on_secret: Secrets | None = None) -> None:
        self.on_secret, self.kept = on_secret, {}

    def __call__(self, path: str | Path):
        key = Path(path).resolve()
        kept = self.kept.get(key)
        if kept is not None and kept[1] == _stamp(kept[0]):
            return kept[2]
        spec = open_spec(path, self.on_secret)
        files = sorted({spec.path, spec.base_dir / ".env", *(Path(name).resolve() for name, _ in set(spec.source.lines.values()))})
        self.kept[key] = (files, _stamp(files), spec)
        return spec


def _stamp(files: list[Path]) -> tuple:
    stats = [(s.st_mtime_ns, s.st_size) if (s := _stat(f)) else None for f in files]
    return tuple(stats), hash(frozenset(os.environ.items()))


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def status_many(paths: Iterable[str | Path], on_secret: Secrets | None = None, specs: Specs | None = None) -> list[SpecStatus]:
    """The status of every spec named, in the order given; one that cannot be read is a
    row with its `error` (and what to do), the others are read all the same. `specs`: a
    `Specs` kept between calls (a dashboard's), so an unchanged spec is not read again."""
    specs = specs or Specs(on_secret)
    out = []
    for path in paths:
        try:
            out.append(status_of(specs(path)))
            out[-1].path = str(path)  # as the caller named it
        except RunnerError as error:
            problems = "".join(f"; {problem}" for problem in getattr(error, "problems", []))
            out.append(SpecStatus(str(path), error=error.message + problems + (f" (what to do: {error.hint})" if error.hint else "")))
    return out


def _held(path) -> bool:
    """Whether a process holds the run lock now (the kernel frees it when its holder dies)."""
    with open(path, "a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
