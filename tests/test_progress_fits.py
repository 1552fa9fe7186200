"""Progress that fits (issue 23 point 4): the line fitted to the terminal's width (a short
form when narrow, never wrapping), the rate over the last minutes of this run only, the time
left from Exact's allowance and the calls still needed, and a visible wait for Exact's minute
window in run, divisions and products. Pty runs at 80 and 160 columns; no wall-clock asserts."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import HANG, ROOT
from tests.robust import child_env


def run_at(tmp_path, columns: int) -> str:
    """`runner run sync.yaml --sandbox` on a pty of `columns` columns: all it wrote."""
    screen, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in child_env().items() if k not in ("COLUMNS", "LINES")}
    args = [sys.executable, "-m", "runner", "run", str(ROOT / "sync.yaml"), "--sandbox"]
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=tmp_path, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(screen, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(screen)
    assert process.wait(timeout=HANG) == 0, seen.decode(errors="replace")
    return seen.decode(errors="replace")


@pytest.mark.parametrize("columns", [80, 160])
def test_the_progress_line_fits_the_terminal_and_never_wraps(tmp_path, columns):
    shown = run_at(tmp_path, columns)
    updates = [part.split("\r")[0].split("\n")[0] for part in shown.split("\r\x1b[K") if part.startswith("booking: ")]
    assert len(updates) >= 5, shown
    assert all(len(update) < columns for update in updates), [u for u in updates if len(u) >= columns]
    if columns == 80:  # the short form: done of total, the failures only when there are any
        assert all(" booked" not in update and "Exact's pace" not in update for update in updates), updates
        assert any("calls left today" in update for update in updates), updates
    else:
        assert all(" orders, " in update and " booked, " in update for update in updates), updates
        assert any("Exact calls left today" in update for update in updates), updates


def test_the_rate_is_this_runs_recent_minutes_not_its_first_seconds_nor_a_resumes_skips():
    from runner.cli.progress import progress_line
    from runner.pipeline.progress import Pace, Tick

    pace = Pace()
    first = pace(Tick(done=40, total=2000, elapsed=1.3, calls=50, per_minute=60, booked=40))
    assert first.rate is None and "/min" not in progress_line(first)  # not 1,817/min after a second and a bit
    assert "about" in progress_line(first)  # the time left from Exact's allowance is known at once: 1,960 x 1.25 calls at 60 a minute
    assert first.seconds_left() == pytest.approx(1960 * 50 / 40)

    resumed = Pace()  # a resume: 1,500 orders found booked before, in seconds, then booking at Exact's pace
    resumed(Tick(done=1500, total=2000, elapsed=5, calls=3, per_minute=60))
    for minute in range(1, 8):
        tick = resumed(Tick(done=1500 + 40 * minute, total=2000, elapsed=5 + 60 * minute, calls=3 + 60 * minute, per_minute=60, booked=40 * minute))
    assert tick.rate == pytest.approx(40, rel=0.01)  # not 28,010/min
    assert tick.seconds_left() == pytest.approx(220 * 1.5)  # 220 to go at 1.5 calls each, 60 calls a minute: 5.5 min, not "about 4 min" of 40


def test_a_narrow_line_is_the_short_form_and_cut_to_fit():
    from runner.cli.progress import progress_line
    from runner.pipeline.progress import Tick

    tick = Tick(done=100, total=2000, elapsed=120, calls=130, left_today=1000, per_minute=60, booked=98, failed=2)
    wide, narrow, tiny = (progress_line(tick, columns=c) for c in (200, 80, 30))
    assert wide.startswith("booking: 100/2,000 orders, 98 booked, 2 failed; 50/min; about 41 min left at Exact's pace") and len(wide) < 200
    assert narrow.startswith("booking: 100/2,000, 2 failed; 50/min; about 41 min left; 1,000 calls left today") and len(narrow) < 80
    assert len(tiny) < 30 and tiny.startswith("booking: 100/2,000")


def test_waits_for_exacts_minute_limit_are_said_in_run_divisions_and_products(sync_box):
    from runner.sandbox.exact.simulator import ManualClock
    from runner.support.http import pausing

    clock = ManualClock(datetime.now(UTC) + timedelta(minutes=10))  # ahead of the runner's clock: each wait is a whole window
    box = sync_box(orders=4, exact_options={"clock": clock, "minutely_limit": 8}, extra="products:\n  push: true\n")
    with pausing(clock.advance):
        run = box.run("run")
        assert run.exit_code == 0, run.output
        assert "waiting for Exact's minute limit (" in run.output
        box.exact.config.minutely_limit = 1
        divisions = box.run("divisions")
        assert divisions.exit_code == 0 and "waiting for Exact's minute limit (" in divisions.output, divisions.output
        products = box.run("products")
        assert "waiting for Exact's minute limit (" in products.output, products.output
