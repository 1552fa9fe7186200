"""DESIGN.md section 6, the login and concurrency: runs of one spec are serialized by the
run lock, and the single-use refresh token survives concurrent processes and SIGKILL
(lock, re-read inside the lock, atomic write with mode 0600, the new pair saved first).

The access tokens here live 10 s (Exact's: 600 s) and may be refreshed in their last
5 s (Exact's: 30 s), so a minute holds a dozen refreshes."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from runner.adapters.exact.oauth import Tokens, TokenStore
from runner.sandbox.exact.auth import TOO_EARLY
from runner.sandbox.exact.simulator import ExactSimulator
from runner.sandbox.server import SandboxServer
from tests.conftest import HANG, ROOT
from tests.robust import assert_exactly_once, child_env, spawn, wait_until

SOAK_SECONDS = 100  # ten token lifetimes; kept under two minutes for CI
LIFETIME, WINDOW = 10, 5


class ShortLogin:
    """An Exact sandbox whose tokens live 10 s (on a real socket: the workers are processes),
    and a logged-in token file for it."""

    def __init__(self, tmp_path: Path) -> None:
        self.sim = ExactSimulator(access_token_lifetime=LIFETIME, refresh_window=WINDOW, minutely_limit=10**6, daily_limit=10**8)
        self.server = SandboxServer(self.sim).start()
        self.token_file = tmp_path / ".runner" / "exact-token.json"
        self.log_in()

    def log_in(self) -> None:
        """What `runner auth` leaves behind: a fresh chain in the token file."""
        minted = self.sim.mint_tokens()
        TokenStore(self.token_file, "", "", "").save(Tokens(minted["access_token"], minted["refresh_token"], time.time() + LIFETIME))

    def worker(self, seconds: float, url: str = "") -> subprocess.Popen:
        url = url or self.server.url
        return subprocess.Popen(
            [sys.executable, "-m", "tests.token_worker", "calls", str(self.token_file), url, str(seconds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
            cwd=ROOT,
        )

    def chain_alive(self) -> bool:
        return json.loads(self.token_file.read_text())["refresh_token"] in self.sim.oauth.refresh

    def errors(self) -> Counter:
        return Counter((e.status, e.endpoint, e.message) for e in self.sim.errors)

    def stop(self) -> None:
        self.server.stop()
        assert self.server.crashes == [] and self.sim.crashes == []


@pytest.fixture
def short_login(tmp_path):
    box = ShortLogin(tmp_path)
    yield box
    box.stop()


def assert_sound(token_file: Path) -> None:
    """Complete JSON with the three keys, readable by the owner only."""
    data = json.loads(token_file.read_text())
    assert set(data) == {"access_token", "refresh_token", "expires_at"} and all(data.values())
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600


class Watcher(threading.Thread):
    """Reads the token file over and over while processes refresh it."""

    def __init__(self, token_file: Path) -> None:
        super().__init__(daemon=True)
        self.token_file, self.reads, self.broken, self.running = token_file, 0, [], True

    def run(self) -> None:
        while self.running:
            try:
                assert_sound(self.token_file)
                self.reads += 1
            except (AssertionError, ValueError, OSError) as exc:
                self.broken.append(repr(exc))
            time.sleep(0.001)


@pytest.mark.slow
def test_three_processes_keep_one_refresh_chain_alive_for_minutes(short_login):
    watcher = Watcher(short_login.token_file)
    watcher.start()
    workers = [short_login.worker(SOAK_SECONDS) for _ in range(3)]
    ends = [w.communicate(timeout=SOAK_SECONDS + HANG) for w in workers]
    watcher.running = False
    watcher.join()
    assert [w.returncode for w in workers] == [0, 0, 0], ends  # no LoginNeeded, no 401 left unrecovered
    results = [json.loads(out) for out, _ in ends]
    assert all(r["calls"] > 10 for r in results)  # some 3,000 each on an idle machine
    refreshes = sum(r["refreshed"] for r in results)
    assert refreshes >= SOAK_SECONDS // LIFETIME  # the chain went on for minutes, link after link
    # a process asks too early once or twice (until it learns how short these tokens live), never on every call
    assert short_login.sim.calls[("POST", "oauth2/token")] <= refreshes + 6
    errors = short_login.errors()
    assert all(e == (400, "oauth2/token", TOO_EARLY) for e in errors) and sum(errors.values()) <= 6, errors
    assert watcher.broken == [] and watcher.reads > 1000
    assert short_login.chain_alive()


def locker_of(lock_file: Path) -> int | None:
    """The pid holding the flock on `lock_file` (from /proc/locks), if any."""
    inode = os.stat(lock_file).st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" not in parts and len(parts) > 5 and parts[1] == "FLOCK" and parts[5].endswith(f":{inode}"):
            return int(parts[4])
    return None


def refresher(box: ShortLogin, lock_file: Path, pids) -> int:
    """Waits for one of `pids` to hold the refresh lock for a real refresh (the token is in
    the window where Exact allows one), and returns its pid."""
    found = None

    def refreshing() -> bool:
        nonlocal found
        found = locker_of(lock_file)
        return found in pids and json.loads(box.token_file.read_text())["expires_at"] - time.time() <= WINDOW

    wait_until(refreshing)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="finds the refreshing process in /proc/locks (Linux)")
def test_sigkill_mid_refresh_never_leaves_a_broken_token_file(short_login):
    """Ten times, the process doing a refresh is killed at a random moment while it holds
    the lock (a refresh holds it some 60-100 ms here). The token file stays complete, valid
    and 0600 throughout, and the others carry on with the chain. (A kill in the few
    milliseconds after Exact rotated the pair and before it reached the disk ends the
    chain, as with any single-use refresh token: the next test shows that case.)"""
    lock_file = short_login.token_file.with_name(short_login.token_file.name + ".lock")
    lock_file.touch()
    watcher = Watcher(short_login.token_file)
    watcher.start()
    rng = random.Random(7)
    workers = {w.pid: w for w in (short_login.worker(600) for _ in range(3))}
    outcomes = Counter()
    while sum(outcomes.values()) < 10:
        holder = refresher(short_login, lock_file, workers)
        time.sleep(rng.uniform(0, 0.1))
        os.kill(holder, signal.SIGKILL)
        workers.pop(holder).wait()
        assert_sound(short_login.token_file)
        if short_login.chain_alive():
            outcomes["carried on"] += 1
        else:  # killed in the unavoidable window: all stop cleanly, asking for a new login
            for worker in workers.values():
                out, _ = worker.communicate(timeout=HANG)
                assert worker.returncode == 3 and "log in again" in out, out
            workers.clear()
            outcomes["login needed"] += 1
            short_login.log_in()
        workers.update({w.pid: w for w in (short_login.worker(600) for _ in range(3 - len(workers)))})
    for worker in workers.values():
        worker.send_signal(signal.SIGTERM)
        worker.wait()
    watcher.running = False
    watcher.join()
    assert watcher.broken == [] and watcher.reads > 100
    assert outcomes["carried on"] >= 5, outcomes  # the usual case: the lock dies with its holder, the next takes over
    assert not [e for e in short_login.sim.errors if e.status == 401], "a token was used after it expired"


class Gate:
    """Serves the Exact sandbox, but holds the answer to a successful refresh (the new pair
    is made, the old refresh token dead) until the test says so."""

    def __init__(self, sim: ExactSimulator) -> None:
        self.sim, self.rotated, self.release = sim, threading.Event(), threading.Event()

    def handle(self, request):
        response = self.sim.handle(request)
        if request.path == "/api/oauth2/token" and response.status == 200 and not self.rotated.is_set():
            self.rotated.set()
            self.release.wait(HANG)
        return response


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="finds the refreshing process in /proc/locks (Linux)")
def test_a_kill_after_exact_rotated_the_pair_keeps_the_file_sound_and_asks_for_a_new_login(short_login):
    gate = Gate(short_login.sim)
    server = SandboxServer(gate).start()
    try:
        lock_file = short_login.token_file.with_name(short_login.token_file.name + ".lock")
        lock_file.touch()
        before = short_login.token_file.read_text()
        workers = [short_login.worker(120, server.url) for _ in range(3)]
        assert gate.rotated.wait(HANG)
        holder = locker_of(lock_file)
        os.kill(holder, signal.SIGKILL)  # Exact has rotated; the answer never reaches the disk
        gate.release.set()
        outs = {w.pid: w.communicate(timeout=HANG)[0] for w in workers}
        assert short_login.token_file.read_text() == before  # the last pair that was saved, whole
        assert_sound(short_login.token_file)
        survivors = [w for w in workers if w.pid != holder]
        assert [w.returncode for w in survivors] == [3, 3]
        assert all("log in again" in outs[w.pid] and "Old refresh token" in outs[w.pid] for w in survivors)
    finally:
        gate.release.set()
        server.stop()


@pytest.mark.slow
def test_an_interrupted_save_never_leaves_a_partial_token_file(tmp_path):
    """A process replacing the token file in a loop is killed twenty times; a reader in
    this process never sees anything but a complete pair (the write is atomic)."""
    token_file = tmp_path / "exact-token.json"
    TokenStore(token_file, "", "", "").save(Tokens("a", "r", time.time()))
    watcher = Watcher(token_file)
    watcher.start()
    rng = random.Random(3)
    for _ in range(20):
        saver = subprocess.Popen([sys.executable, "-m", "tests.token_worker", "saves", str(token_file)], env=child_env(), cwd=ROOT)
        before = token_file.stat().st_mtime_ns
        wait_until(lambda: token_file.stat().st_mtime_ns != before, saver)  # noqa: B023 - called at once
        time.sleep(rng.uniform(0, 0.05))
        saver.kill()
        saver.wait()
        assert_sound(token_file)
    watcher.running = False
    watcher.join()
    assert watcher.broken == [] and watcher.reads > 100
    TokenStore(token_file, "", "", "").save(Tokens("a", "r", time.time()))
    assert list(tmp_path.glob("*.tmp")) == []  # what the killed processes left half-written is cleared away


def lock_waiters(lock_file: Path) -> list[int]:
    """The pids blocked on the flock of `lock_file` (the `->` lines of /proc/locks)."""
    inode = os.stat(lock_file).st_ino
    found = []
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts:
            parts.remove("->")
            if len(parts) > 5 and parts[1] == "FLOCK" and parts[5].endswith(f":{inode}"):
                found.append(int(parts[4]))
    return found


class Held:
    """Serves the Exact sandbox, but holds every POST until the test lets them through: a
    run is busy for exactly as long as the test says."""

    def __init__(self, sim: ExactSimulator) -> None:
        self.sim, self.posting, self.release = sim, threading.Event(), threading.Event()

    def handle(self, request):
        if request.method == "POST":
            self.posting.set()
            self.release.wait(HANG)
        return self.sim.handle(request)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="sees the queued run in /proc/locks (Linux)")
def test_a_second_run_says_already_running_and_wait_queues_behind_the_first(sync_box):
    """In-process: the test holds the spec's run lock as a busy run would."""
    from runner.ledger.lock import run_lock

    box = sync_box(orders=16)
    lock_file = box.dir / ".runner" / "state.json.lock"
    outcome = {}
    with run_lock(lock_file):
        busy = box.run("run")
        assert busy.exit_code != 0 and "already running" in busy.output and "--wait" in busy.output and "Traceback" not in busy.output
        queued = threading.Thread(target=lambda: outcome.update(result=box.run("run", "--wait")), daemon=True)
        queued.start()
        deadline = time.monotonic() + HANG
        while not lock_waiters(lock_file) and queued.is_alive() and time.monotonic() < deadline:
            queued.join(0.002)  # until it queues on the lock (or ends, which would be the bug)
        assert lock_waiters(lock_file) == [os.getpid()] and sum(box.exact.calls.values()) == 0  # queued, not running beside us
    queued.join(HANG)
    result = outcome["result"]
    assert result.exit_code == 0 and "booked" in result.output, result.output
    assert_exactly_once(box)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="sees the queued run in /proc/locks (Linux)")
def test_a_second_run_of_the_same_spec_says_already_running_and_wait_queues(sync_box):
    """The same with three runner processes: the first is held at its first POST until the
    others have shown what they do, so no step depends on how fast the machine is."""
    box = sync_box(orders=60, sockets=True)
    held = box.box.exact_server.simulator = Held(box.exact)
    first = spawn(box.spec, "run")
    assert held.posting.wait(HANG)  # the first run is busy (and holds the lock)
    second = spawn(box.spec, "run")
    out, err = second.communicate(timeout=HANG)
    assert second.returncode != 0 and "already running" in err and "--wait" in err and "Traceback" not in err
    waiting = spawn(box.spec, "run", "--wait")
    wait_until(lambda: waiting.pid in lock_waiters(box.dir / ".runner" / "state.json.lock"), waiting)
    assert first.poll() is None  # the first is still busy: --wait has to queue
    held.release.set()
    out, err = waiting.communicate(timeout=HANG)
    assert first.wait(timeout=HANG) == 0
    assert waiting.returncode == 0 and "booked 0 order(s)" in out, out + err  # it ran after the first, not beside it
    assert_exactly_once(box)
