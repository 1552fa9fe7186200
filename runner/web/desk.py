"""The clients a desk serves and the one worker that runs them: on a webhook's "look now"
(debounced: a burst of deliveries is one run; a client's webhook runs at least GAP apart, so
a busy shop cannot spend Exact's daily calls on empty runs), on the schedule (`serve --every`), and never
two runs of one client at once (each run takes the spec's lock, as cron's does; a busy
client is tried again shortly). Runs respect Exact's minute and day limits because they are
ordinary runs: the rate governor waits for the minute window and a run stops near the daily
reserve."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import spec as spec_module
from runner.errors import Busy, RunnerError
from runner.services.webhooks import client_name
from runner.web import data

DEBOUNCE = 2.0  # seconds a delivery waits for the rest of its burst
GAP = 60.0  # seconds at least between a client's webhook runs: each run costs Exact calls even when nothing is due (5,000 a day)
BUSY_AGAIN = 10.0  # seconds before a client found busy is tried again


@dataclass
class Client:
    """One spec on the desk; the spec is read again when its file changes."""

    name: str
    path: Path
    _spec: Any = None
    _mtime: float = -1.0
    secrets: set[str] = field(default_factory=set)

    @property
    def spec(self):
        mtime = self.path.stat().st_mtime
        if self._spec is None or mtime != self._mtime:
            self._spec = spec_module.load(self.path, on_secret=self.secrets.add)
            self._mtime = mtime
        return self._spec


def names_for(paths: list[Path]) -> dict[str, Path]:
    """A short name per spec for its address: the file's stem, or its folder's name for a
    `sync.yaml`; a name taken twice gets -2, -3."""
    named: dict[str, Path] = {}
    for path in paths:
        base = client_name(path)
        name, n = base, 1
        while name in named:
            n += 1
            name = f"{base}-{n}"
        named[name] = path
    return named


class Desk:
    """The clients and the worker thread. `clock` and `wait` are injectable so tests never
    depend on the wall clock."""

    def __init__(
        self, paths: list[Path], every: float | None = None, debounce: float = DEBOUNCE, gap: float = GAP, clock: Callable[[], float] = time.monotonic
    ):
        self.clients = {name: Client(name, path) for name, path in names_for(paths).items()}
        self.every, self.debounce, self.gap, self.clock = every, debounce, gap, clock
        self.started: dict[str, float] = {}  # client -> when its last run by this desk began
        self.due: dict[str, float] = {}  # client -> when its next run starts (monotonic)
        self.last: dict[str, dict[str, Any]] = {}  # client -> what its last desk run said
        self.runs = 0  # runs the worker finished (tests wait on it)
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = False
        if every:
            start = clock()
            self.due = dict.fromkeys(self.clients, start)

    def secrets(self) -> set[str]:
        found: set[str] = set()
        for client in self.clients.values():
            found |= client.secrets
        return found

    def next_run(self, name: str) -> float | None:
        """Seconds until the client's next scheduled or requested run, None when none is."""
        with self._cond:
            when = self.due.get(name)
        return None if when is None else max(0.0, when - self.clock())

    def poke(self, name: str) -> None:
        """A webhook said "look now": a run within `debounce` seconds (one for a burst)."""
        with self._cond:
            soon = max(self.clock() + self.debounce, self.started.get(name, -self.gap) + self.gap)
            self.due[name] = min(self.due.get(name, soon), soon)
            self._cond.notify()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="desk-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread:
            self._thread.join(timeout=60)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    now = self.clock()
                    ready = [n for n, when in self.due.items() if when <= now]
                    if ready:
                        break
                    self._cond.wait(timeout=min([w - now for w in self.due.values()], default=60.0))
                if self._stop:
                    return
                name = min(ready, key=lambda n: self.due[n])
                del self.due[name]
                self.started[name] = self.clock()
            again = self._run(name)
            with self._cond:
                if again is not None:
                    self.due[name] = min(self.due.get(name, again), again)
                elif self.every:
                    self.due.setdefault(name, self.clock() + self.every)
                self.runs += 1
                self._cond.notify_all()

    def _run(self, name: str) -> float | None:
        """One run of a client; when to try again if it was busy, else None."""
        try:
            self.last[name] = data.run_now(self.clients[name].spec)
        except Busy:
            return self.clock() + BUSY_AGAIN
        except RunnerError as error:
            self.last[name] = {"error": error.message, "hint": error.hint}
        except Exception as bug:  # a bug in one client's run must not stop the desk's worker
            self.last[name] = {"error": f"unexpected error in the runner ({type(bug).__name__})", "hint": "run `runner run SPEC` to see it"}
        return None

    def wait_for_runs(self, count: int, timeout: float) -> bool:
        """Until the worker has finished `count` runs (tests and the bench); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.runs < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(timeout=left)
        return True
