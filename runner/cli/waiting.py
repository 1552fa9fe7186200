"""Failures that do not block: what a plain `runner run` says of the orders that wait for
their retry (how many, and when the next one is due), and that `runner retry SPEC` books
them now when the spec was changed after they failed (the likely fix)."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

from runner.cli.common import Out
from runner.cli.status import local
from runner.spec.model import Spec
from runner.support.moments import at, shown


def waiting_lines(spec: Spec, spec_path: str, failures: list[dict], waiting: list[int]) -> list[str]:
    waits = [f for f in failures if f["order"] in set(waiting)]
    if not waits:
        return []
    nexts = sorted(f["next_retry"] for f in waits if f.get("next_retry"))
    when = f"; the next retry is due at {local(nexts[0], spec.timezone)}" if nexts else "; they wait for `runner retry`"
    out = [f"{len(waits)} failed order(s) wait to be retried{when} (`runner status {spec_path}` groups them by message)"]
    if _changed(spec, waits):
        out.append(f"the spec changed since they failed: `runner retry {spec_path}` retries them now")
    return out


def _changed(spec: Spec, waits: list) -> bool:
    """Whether the spec says something else than when these orders failed: by the fingerprint
    each failure keeps; a failure of a ledger before fingerprints, by the file's mtime."""
    kept = {f.get("spec") for f in waits}
    if None not in kept and "" not in kept:
        return any(fingerprint != spec.fingerprint for fingerprint in kept)
    return _changed_since(spec, min(f.get("at") or "" for f in waits))


def _changed_since(spec: Spec, stamp: str) -> bool:
    """Whether the spec file was saved after `stamp` (an ISO time from the ledger)."""
    try:
        saved = Path(spec.path).stat().st_mtime
        return bool(stamp) and saved > datetime.fromisoformat(stamp).timestamp() + 2  # the ledger keeps whole seconds
    except (OSError, ValueError, TypeError, AttributeError):
        return False


def folder_summary(result: dict, summary: str, to: str) -> str:
    """`run --to DIR` books nothing: it wrote files for review, and says so."""
    written = len(result["booked"]) + len(result["credits"])
    rest = re.sub(r"; Exact calls \d+[^;]*", "", summary.split("; ", 1)[1])
    rest = rest.replace("already in Exact (recorded, not posted again)", "already in the folder (not written again)")
    return f"wrote {written} document(s) to {to}; {rest}"


def stamped(path: str, text: str, zone: str | None = None) -> str:
    """A line of a schedule's (or several specs') log: the shop's local time, with its zone."""
    return f"{shown(time.time(), zone)} {path}: {text}"


def next_round(pause: float, zone: str, every: str) -> float:
    """`run --every` between rounds: says when the next one begins, on the shop's clock, and
    gives the seconds to wait (at least one)."""
    pause, now = max(1.0, pause), time.time()
    Out.echo(f"next round at {at(now + pause, zone, now)} (every {every})")
    return pause
