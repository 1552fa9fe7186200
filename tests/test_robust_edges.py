"""What the runner meets at the edges of its process: an output pipe closed early, its files
(modes, a shared token file, a ledger it may not write) and a run lock held too long."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import HANG
from tests.robust import assert_exactly_once, child_env


def closed_pipe(spec, *args: str) -> tuple[int, str]:
    """`runner COMMAND SPEC ARGS | head -0`: whoever reads the output has gone before the
    first line is written. (exit code, stderr)"""
    command = [sys.executable, "-m", "runner", args[0], str(spec), *args[1:]]
    process = subprocess.Popen(command, cwd=spec.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    process.stdout.close()
    err = process.stderr.read().decode()
    return process.wait(timeout=HANG), err


def test_a_closed_output_pipe_ends_a_command_quietly(sync_box):
    """`runner status SPEC | head -1` and the like: no message and no traceback, the exit
    code a shell gives a command a closed pipe stopped (141); a run still books to the end
    (its progress line every 100 orders included)."""
    box = sync_box(orders=130, sockets=True)
    for args in (("run",), ("status",), ("status", "--json"), ("validate",)):
        code, err = closed_pipe(box.spec, *args)
        assert (code, err) == (141, ""), args
    assert_exactly_once(box)
