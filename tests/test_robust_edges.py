"""What the runner meets at the edges of its process: an output pipe closed early, its files
(modes, a shared token file, a ledger it may not write) and a run lock whose holder is gone."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import HANG, SyncBox
from tests.robust import assert_exactly_once, child_env


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """Files are made as most machines would: readable by all unless the runner says otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def closed_pipe(spec, *args: str) -> subprocess.Popen:
    """`runner COMMAND SPEC ARGS | head -0`: whoever reads the output has gone before the
    first line is written."""
    command = [sys.executable, "-m", "runner", args[0], str(spec), *args[1:]]
    process = subprocess.Popen(command, cwd=spec.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    process.stdout.close()
    return process


def test_a_closed_output_pipe_ends_a_command_quietly(sync_box):
    """`runner status SPEC | head -1` and the like: no message and no traceback, the exit
    code a shell gives a command a closed pipe stopped (141); a run still books to the end
    (its progress line every 100 orders included)."""
    box = sync_box(orders=130, sockets=True)
    commands = {args: closed_pipe(box.spec, *args) for args in (("run",), ("status",), ("status", "--json"), ("validate",))}
    for args, process in commands.items():
        err = process.stderr.read().decode()
        assert (process.wait(timeout=HANG), err) == (141, ""), args
    assert_exactly_once(box)


def test_the_ledger_and_the_login_are_for_their_owner_only(sync_box):
    """Customer e-mails and the Exact login: 0600 files in a 0700 folder, also after the
    ledger was compacted (rewritten) by a run."""
    box = sync_box(orders=8)
    assert box.run("run").exit_code == 0
    runner = box.dir / ".runner"
    assert (mode(runner), mode(runner / "state.json"), mode(runner / "exact-token.json")) == (0o700, 0o600, 0o600)
    with box.ledger() as ledger:
        for n in range(1100):  # a journal of many lines over few records: the next run compacts it
            ledger.set_cursor("padding", n)
    size = (runner / "state.json").stat().st_size
    assert box.run("run").exit_code == 0
    assert (runner / "state.json").stat().st_size < size / 4 and mode(runner / "state.json") == 0o600


def test_a_ledger_and_a_login_others_may_read_are_closed_to_them_with_a_warning(sync_box):
    box = sync_box(orders=8)
    assert box.run("run").exit_code == 0
    files = [box.dir / ".runner" / "state.json", box.dir / ".runner" / "exact-token.json"]
    for path in files:
        path.chmod(0o644)
    status = box.run("status")
    assert status.exit_code == 0 and "booked: " in status.output
    for path in files:
        assert f"warning: {path} could be read by others (mode 0644); it is 0600 now" in status.output
        assert mode(path) == 0o600
    assert "warning" not in box.run("status").output  # said once: it is fixed


def test_a_token_file_two_specs_share_through_a_symlink_stays_shared_after_a_refresh(exact_box, tmp_path):
    """The refresh writes (and locks) the file the link points at: replacing the link with a
    file of its own would leave the other spec with a refresh token that no longer works."""
    from runner.adapters.exact.oauth import TokenStore

    box = exact_box()
    shared = tmp_path / "logins" / "exact-token.json"
    shared.parent.mkdir()
    os.replace(box.store.path, shared)
    link = tmp_path / "client-a" / "exact-token.json"
    link.parent.mkdir()
    link.symlink_to(shared)

    def store(path: Path) -> TokenStore:
        return TokenStore(path, box.url, box.sim.config.client_id, box.sim.config.client_secret, clock=box.clock)

    box.clock.advance(598)  # Exact refreshes a token in its last 30 s only
    first = store(link)
    fresh = first.access_token()
    assert first.refreshed == 1 and link.is_symlink() and store(shared).read().access_token == fresh
    box.clock.advance(598)
    other = store(shared)
    assert other.access_token() != fresh and other.refreshed == 1  # the other spec's login still works
    assert (shared.parent / "exact-token.json.lock").exists() and not (link.parent / "exact-token.json.lock").exists()


NOBODY = 65534


@pytest.fixture
def read_only_client():
    """A booked client whose folder the runner may read but not write: the files are its
    own, mode 0400 in 0500 folders. As root, who may write anything, the runner runs as
    nobody, who owns them. (box, the command line that starts the runner)"""
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("as root, a read-only file needs another user (setpriv)")
    home = Path(tempfile.mkdtemp())  # not under the test's own 0700 folders, which nobody may enter
    home.chmod(0o755)
    box = SyncBox(home / "client", orders=8, sockets=True)
    try:
        assert box.run("run").exit_code == 0
        as_owner = [sys.executable, "-m", "runner"]
        for path in sorted(box.dir.rglob("*"), reverse=True) + [box.dir]:
            if os.geteuid() == 0:
                os.chown(path, NOBODY, NOBODY)
            path.chmod(0o500 if path.is_dir() else 0o400)
        if os.geteuid() == 0:
            as_owner = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *as_owner]
        yield box, as_owner
    finally:
        box.stop()
        for path in [box.dir, *box.dir.rglob("*")]:
            path.chmod(0o700)
        shutil.rmtree(home)


def test_status_reads_a_ledger_it_may_not_write_and_a_run_says_why_it_cannot_book(read_only_client):
    box, runner = read_only_client

    def command(*args: str) -> subprocess.CompletedProcess:
        line = [*runner, args[0], str(box.spec), *args[1:]]
        return subprocess.run(line, cwd=box.dir, capture_output=True, text=True, env=child_env(HOME=str(box.dir)), timeout=HANG)

    status = command("status")
    assert status.returncode == 0 and "booked: 8 order(s)" in status.stdout and status.stderr == "", status.stderr
    run = command("run")
    assert run.returncode == 1 and "Traceback" not in run.stderr and "unexpected" not in run.stderr, run.stderr
    assert f"error: cannot write {box.dir / '.runner'}" in run.stderr and "what to do: let the user that runs the runner write" in run.stderr


ORPHAN = """
import os, sys, time
from runner.ledger.lock import run_lock

lock = run_lock(sys.argv[1])
lock.acquire()
child = os.fork()
if child == 0:  # keeps a copy of the locked file handle: the lock outlives the run that took it
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1), os.dup2(quiet, 2)  # the test reads the holder's output to its end
    time.sleep(float(sys.argv[2]))
    os._exit(0)
print(child, flush=True)
os._exit(0)
"""


def test_a_run_lock_whose_holder_has_ended_is_taken_over(sync_box):
    """The run that took the lock is gone, but a process it started still holds the lock
    file open: the next run takes the lock over, says so, and books."""
    box = sync_box(orders=8)
    lock = box.dir / ".runner" / "state.json.lock"
    started = subprocess.run([sys.executable, "-c", ORPHAN, str(lock), str(HANG)], capture_output=True, text=True, env=child_env(), timeout=HANG)
    orphan = int(started.stdout)  # the holder has exited; its child lives on
    try:
        first = box.run("run")
        assert first.exit_code == 0 and "which has ended; this run took it over" in first.output, first.output
        assert_exactly_once(box)
        again = box.run("run")
        assert again.exit_code == 0 and "took it over" not in again.output and "booked 0 order(s)" in again.output
    finally:
        os.kill(orphan, 9)
