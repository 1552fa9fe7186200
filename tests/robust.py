"""Helpers of the robustness tests (tests/test_robust_*.py): the runner as a real
subprocess, and what "exactly once" means when checked against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

from tests.conftest import HANG, ROOT


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a runner subprocess: ours, minus anything that changes its output."""
    env = {k: v for k, v in os.environ.items() if k not in ("RUNNER_DEBUG",)}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, **extra}


def spawn(spec: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`python -m runner COMMAND SPEC ARGS...` as its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "runner", args[0], str(spec), *args[1:]],
        cwd=spec.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or child_env(),
    )


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen | None = None, timeout: float = HANG) -> bool:
    """True once `condition` holds; False if `proc` ended first. Polls; the limit only
    catches a hang (a busy machine makes it slower, never fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.002)
    raise AssertionError("the condition never came true (the runner seems stuck)")


def documents_by_ref(box) -> Counter:
    """(YourRef, amount) of every booked document in the sandbox, counted."""
    return Counter((row["YourRef"], D(str(row["AmountFC"]))) for row in box.documents())


def expected_by_ref(box) -> Counter:
    """Each due order once, and each of its refunds once (as a negative amount)."""
    want: Counter = Counter()
    for order in box.due():
        want[(order["number"], D(order["total"]))] += 1
        for refund in box.woo.refunds.get(order["id"], []):
            want[(f"{order['number']}/{refund['id']}", -D(refund["amount"]))] += 1  # a credit: order number / refund id
    return want


def assert_exactly_once(box) -> None:
    """Every due order and refund is in Exact once, nothing else is, no customer was
    created twice, and the ledger holds exactly the documents Exact has."""
    got, want = documents_by_ref(box), expected_by_ref(box)
    assert got == want, f"twice: {+(got - want)}; missing: {+(want - got)}"
    emails = Counter((a.get("Email") or "").strip().lower() for a in box.exact.accounts.values() if a.get("Email"))
    assert [e for e, n in emails.items() if n > 1] == []
    key = "InvoiceID" if box.exact.invoices else "EntryID"
    with box.ledger() as ledger:
        assert ledger.open_intents() == [] and ledger.failures() == []
        steps = [s for s in ledger.all_steps() if s["step"] == "document"]
        payments = [s for s in ledger.all_steps() if s["step"] == "payment"]
    assert all(s["state"] == "done" for s in steps)
    assert Counter(s["ref"] for s in steps) == Counter(row[key] for row in box.documents())
    if payments:  # status paid: one receipt line per open receivable (entries carry many), each document settled once
        bank = list(box.exact.bank_entries.values()) + list(box.exact.cash_entries.values())
        lines = [line for row in bank for line in row.get("BankEntryLines", row.get("CashEntryLines", []))]
        assert Counter(s["ref"] for s in payments) == Counter(line["EntryID"] for line in lines)
        open_receivables = [r for r in box.exact.receivables.values() if not r.get("IsFullyPaid")]
        assert open_receivables == []


def clocked_login(box, clock) -> None:
    """A token file whose expiry is on `clock`, the clock the Exact sandbox runs on."""
    from runner.adapters.exact.oauth import Tokens, TokenStore

    minted = box.exact.mint_tokens()
    TokenStore(box.dir / ".runner" / "exact-token.json", "", "", "").save(
        Tokens(minted["access_token"], minted["refresh_token"], clock() + int(minted["expires_in"]))
    )


def engine_run(box, clock, retry_now=None, governor=None):
    """One `engine.Run` of the box's spec with every clock (the run's, the token store's,
    the rate governor's) on `clock`, and the governor's waits advancing it: no test sleeps."""
    from runner.adapters.exact.client import RateGovernor
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.adapters.woo.source import source_from_spec
    from runner.ledger import Ledger
    from runner.pipeline import engine
    from runner.spec import check as spec_module

    spec = spec_module.load(box.spec)
    governor = governor or RateGovernor(clock=clock, sleep=clock.advance)
    with Ledger(box.dir / ".runner" / "state.json") as ledger:
        sink = sink_from_spec(spec, ledger, store_from_spec(spec, clock=clock), governor=governor)
        report = engine.Run(spec, source_from_spec(spec), sink, ledger, clock=clock)(retry_now=retry_now)
    return report, sink.api
