"""The run lock: one run per spec at a time.

An flock on `state.json.lock`, which the kernel frees when its holder dies. The file says
who holds it and since when its run began, so a run that finds it taken can tell a busy
run from one that hangs (held longer than `notify.stall_after`: the CLI alerts) and from
an orphan: its holder is gone, yet the lock is held through a copy of the file handle a
child inherited. An orphaned lock is taken over by putting a fresh lock file in its place."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from runner.errors import Busy
from runner.support import private

HOST = socket.gethostname()


@dataclass(frozen=True)
class Holder:
    """Who holds a run lock: a process on a host, running since `since` (epoch seconds; None
    between the rounds of `runner run --every`, which keeps the lock while it sleeps)."""

    pid: int
    host: str
    since: float | None

    @property
    def gone(self) -> bool:
        """Its process has ended. Only a process of this host can be asked."""
        return self.host == HOST and not alive(self.pid)


class RunLock:
    """`with run_lock(path):` runs alone. `taken_over` names the holder whose orphaned lock
    this one took, for the CLI to say so."""

    def __init__(self, path: Path, wait: bool = False, clock: Callable[[], float] = time.time) -> None:
        self.path, self.wait, self.clock = Path(path), wait, clock
        self.taken_over: Holder | None = None
        self._handle: TextIO | None = None

    def __enter__(self) -> RunLock:
        self.acquire(self.wait)
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self, wait: bool = False) -> None:
        """Takes the lock; raises `Busy` (naming the holder) when another run has it, unless
        `wait`: then queues behind it. A lock whose holder is gone is taken over."""
        private.folder(self.path.parent)
        while self._handle is None:
            handle = private.append(self.path)
            if not _try(handle):
                holder = self.holder()
                if holder is not None and holder.gone:
                    handle.close()
                    self._take_over(holder)
                    continue
                if not wait:
                    handle.close()
                    raise _busy(self.path, holder, self.clock())
                fcntl.flock(handle, fcntl.LOCK_EX)
            if _same_file(handle, self.path):
                self._handle = handle
            else:  # replaced by a takeover while we waited: ours is a lock on nothing
                handle.close()
        self.stamp(busy=True)

    def release(self) -> None:
        if self._handle is not None:
            os.ftruncate(self._handle.fileno(), 0)  # no holder: nothing left for a later reader to misjudge
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def stamp(self, busy: bool) -> None:
        """Says in the lock file who holds it, and since when its run began (None: idle)."""
        if self._handle is None:
            return  # not held (any more): nothing to say
        record = {"pid": os.getpid(), "host": HOST, "since": self.clock() if busy else None}
        os.ftruncate(self._handle.fileno(), 0)
        self._handle.write(json.dumps(record) + "\n")
        self._handle.flush()

    def holder(self) -> Holder | None:
        """Who the lock file says holds it; None when it does not say (being written, or
        held by another tool, such as `flock` around a backup)."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            return Holder(int(record["pid"]), str(record["host"]), None if record["since"] is None else float(record["since"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _take_over(self, holder: Holder) -> None:
        """A fresh lock file, locked, in the place of the orphaned one. Takeovers queue on a
        lock of their own and look again inside it, so two never both win."""
        with private.append(self.path.with_name(self.path.name + ".takeover")) as turn:
            fcntl.flock(turn, fcntl.LOCK_EX)
            if self.holder() != holder:
                return  # taken over (or freed) meanwhile: the caller tries the new file
            fresh = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            handle = private.fresh(fresh)
            _try(handle)
            os.replace(fresh, self.path)
            self._handle, self.taken_over = handle, holder


def run_lock(path: Path, wait: bool = False, clock: Callable[[], float] = time.time) -> RunLock:
    return RunLock(path, wait, clock)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _try(handle: TextIO) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _same_file(handle: TextIO, path: Path) -> bool:
    try:
        here, there = os.fstat(handle.fileno()), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _busy(path: Path, holder: Holder | None, now: float) -> Busy:
    who = f"process {holder.pid}" + ("" if holder.host == HOST else f" on {holder.host}") if holder else "another run"
    running = f", running for {_age(now - holder.since)}" if holder and holder.since is not None else ""
    return Busy(
        f"already running: {who} holds {path}{running}",
        "let it finish (a run every 15 minutes is plenty), or pass --wait to queue behind it",
        since=holder.since if holder else None,
    )


def _age(seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} hours"
