"""Daily operation: several clients in one command, and a schedule that keeps running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from runner.sandbox.host import Fault
from tests.conftest import HANG, ctrl_c_works
from tests.robust import wait_until


def test_several_specs_run_in_turn_and_a_broken_one_does_not_stop_the_others(sync_box):
    good, broken, other = sync_box(orders=16), sync_box(orders=16, seed=5), sync_box(orders=16, seed=6)
    broken.spec.write_text(broken.spec.read_text().replace("division: 1234567", "division: 7654321"))
    result = good.run("run", str(broken.spec), str(other.spec))  # good's spec comes first
    assert result.exit_code == 2  # the worst of the three: a spec problem
    assert good.documents() and other.documents() and not broken.documents()
    lines = result.output.splitlines()
    assert any(str(good.spec) in l and "booked" in l for l in lines)
    assert any(str(broken.spec) in l and "may not use division 7654321" in l for l in lines)
    assert any(str(other.spec) in l and "booked" in l for l in lines)


def test_every_rejects_a_malformed_interval(sync_box):
    box = sync_box(orders=16)
    result = box.run("run", "--every", "soon")
    assert result.exit_code == 2 and "write it like 15m" in result.output


class Output(threading.Thread):
    """Collects what a process prints, line by line, as it prints it."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []
        self.start()

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)


@pytest.mark.slow
def test_a_schedule_keeps_booking_and_survives_a_shop_outage(sync_box):
    """`run --every` as its own process, as cron or systemd would leave it. Every step waits
    for something the runner does (documents in Exact, faults used up, a line in its log),
    never for an amount of time: a busy machine makes it slower, never fail."""
    box = sync_box(orders=16, sockets=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (os.getcwd(), os.environ.get("PYTHONPATH"))))}
    runner = subprocess.Popen(
        [sys.executable, "-m", "runner", "run", str(box.spec), "--every", "2s"],
        cwd=box.dir,
        preexec_fn=ctrl_c_works,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output = Output(runner.stdout)
    try:
        expected = sum(1 + len(box.woo.refunds.get(o["id"], [])) for o in box.due())
        assert wait_until(lambda: len(box.documents()) >= expected, runner), output.text()
        booked = len(box.documents())
        assert booked == expected
        # the shop is down for a run or two: eight 503 pages (a run gives up after four in a row)
        shop = box.box.woo_server.faults
        shop.queue(Fault(503, headers={"Retry-After": "0"}), times=8)
        assert wait_until(lambda: shop.pending == 0, runner), output.text()
        assert wait_until(lambda: "the shop kept answering" in output.text(), runner), output.text()
        from decimal import Decimal

        from runner.sandbox.woo.carts import Address, ProductLine

        box.woo.place_order(
            lines=(ProductLine(188, "Espressobonen", Decimal("24.20"), 1),),
            status="completed",
            billing=Address("Nina", "Veld", city="Breda", country="NL", email="nina@example.nl"),
        )
        assert wait_until(lambda: len(box.documents()) > booked, runner), output.text()
        assert len(box.documents()) == booked + 1  # booked once the shop was back
        second = subprocess.run(
            [sys.executable, "-m", "runner", "run", str(box.spec)], cwd=box.dir, capture_output=True, text=True, env=env, timeout=HANG
        )
        assert second.returncode == 1 and "already running" in second.stderr
    finally:
        runner.send_signal(signal.SIGINT)
        runner.wait(timeout=HANG)
        output.join(HANG)
    text = output.text()
    assert "error:" in text and "the shop kept answering" in text  # the outage was logged, not fatal
    assert text.count("booked") >= 2


def test_status_warns_when_the_login_nears_its_30_days(sync_box):
    box = sync_box(orders=16)
    assert box.run("run").exit_code == 0
    token = box.dir / ".runner" / "exact-token.json"
    old = time.time() - 26 * 86400
    os.utime(token, (old, old))
    result = box.run("status")
    assert "refreshed 26.0 day(s) ago" in result.output and "WARNING: the Exact login dies after 30 days unused" in result.output
    assert "last run:" in result.output and "Exact calls left today" in result.output


def test_a_backfill_reports_progress_after_each_order(sync_box):
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.adapters.woo.source import source_from_spec
    from runner.ledger import Ledger
    from runner.pipeline import engine
    from runner.spec import check as spec_module

    box = sync_box(orders=16)
    spec = spec_module.load(box.spec)
    ledger = Ledger(box.dir / ".runner" / "state.json")
    seen: list[int] = []
    run = engine.Run(
        spec,
        source_from_spec(spec),
        sink_from_spec(spec, ledger, store_from_spec(spec)),
        ledger,
        progress=lambda tick: seen.append(tick.booked),
    )
    report = run()
    ledger.close()
    assert seen and seen[-1] == len(report.booked) and seen == sorted(seen)


def test_without_a_terminal_a_backfill_logs_plain_progress_lines(sync_box):
    box = sync_box(orders=220)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("booking: ")]
    assert progress and progress[0].startswith("booking: 100/") and "\r" not in result.output
