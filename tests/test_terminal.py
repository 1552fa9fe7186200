"""Progress on a real terminal (issue 15): a run on a pty rewrites one line in place (done of
total, the pace, the time left) and clears it before its summary; without a terminal no line
is rewritten, so cron mail and the journal get plain lines."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import HANG, ROOT
from tests.robust import child_env


def run_on(tmp_path, terminal: bool) -> str:
    args = [sys.executable, "-m", "runner", "run", str(ROOT / "sync.yaml"), "--sandbox"]
    if not terminal:
        return subprocess.run(args, cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=HANG).stdout
    screen, slave = os.openpty()
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=tmp_path, env=child_env(COLUMNS="200"), close_fds=True)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(screen, 65536)
        except OSError:  # the process has closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(screen)
    assert process.wait(timeout=HANG) == 0, seen.decode(errors="replace")
    return seen.decode(errors="replace")


@pytest.mark.slow  # two runner processes on the embedded sandbox
def test_progress_is_one_line_rewritten_on_a_terminal_and_plain_without(tmp_path):
    shown = run_on(tmp_path, terminal=True)
    updates = [part for part in shown.split("\r\x1b[K") if part.startswith("booking: ")]
    assert len(updates) >= 5, shown
    assert any("left" in update for update in updates) and all(" orders" in update for update in updates)
    assert "\r\x1b[Kbooked " in shown  # the progress line is cleared, then the summary is written in its place
    plain = run_on(tmp_path, terminal=False)
    assert "\r" not in plain and "\x1b[" not in plain and "booked " in plain
