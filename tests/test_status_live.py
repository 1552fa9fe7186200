"""`runner status` tells a live run from a dead one (issue 23 point 5): while a run holds the
lock it says "running for ..., N booked so far" from the run's record, which the run brings
up to date as it goes; once the run is killed it says the run did not end, and what it booked."""

from __future__ import annotations

import itertools
import signal
import threading

from runner.sandbox.host import Fault
from tests.conftest import HANG
from tests.robust import spawn, wait_until


def test_status_of_a_live_run_then_of_a_killed_one(sync_box, cli):
    box = sync_box(orders=40, sockets=True)
    gate, posts = threading.Event(), itertools.count(1)
    # the 25th POST waits (in the sandbox) until the test has looked: the run is live, with orders booked
    box.box.exact_server.faults.queue(Fault(503, match=lambda r: r.method == "POST" and next(posts) >= 25 and not gate.wait(HANG)), times=1)
    run = spawn(box.spec, "run")
    try:
        seen = []

        def live() -> bool:
            seen.append(cli("status", str(box.spec)).output)
            return "so far" in seen[-1] and "booked 0," not in seen[-1]

        assert wait_until(live, run), seen[-1:]
        line = next(line for line in seen[-1].splitlines() if "so far" in line)
        assert line.startswith("running for ") and f"(process {run.pid} on " in line and "failed 0 so far" in line, line
        assert int(line.split("booked ")[1].split(",")[0]) >= 10, line
        run.send_signal(signal.SIGKILL)
        run.wait(HANG)
    finally:
        gate.set()
        if run.poll() is None:
            run.kill()
    dead = cli("status", str(box.spec)).output
    assert "interrupted, did not end (stopped or killed)" in dead and "before it stopped" in dead and "so far" not in dead, dead
