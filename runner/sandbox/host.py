"""What both simulators share, apart from how requests reach them: a small request/response
model, fault injection (lost responses, bursts, slow answers), and the `Host` that serves
one simulator at one base URL.

A simulator is any object with `handle(request) -> Response`. A Host serializes calls under
one lock, so a simulator's state needs no locking of its own. The socket server
(`server.SandboxServer`) and the in-process transport (`transport.InProcessServer`) are two
ways to reach a Host; faults mean the same through both."""

from __future__ import annotations

import json
import random
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

if TYPE_CHECKING:
    import httpx


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host:port of this server, for absolute links

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter (PHP and WCF both keep the last one)."""
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self):
        """The body as JSON, numbers with a fraction as Decimal (money never goes through float)."""
        return json.loads(self.body.decode("utf-8"), parse_float=Decimal) if self.body else None

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering (after the work is done)
    trickle: float = 0.0  # send the body a byte at a time, this many seconds apart (a dying host)

    def chunks(self, sleep: Callable[[float], None]):
        """The body as it goes out: whole, or trickled byte by byte."""
        if not self.trickle:
            yield self.body
            return
        for n in range(len(self.body)):
            if n:
                sleep(self.trickle)
            yield self.body[n : n + 1]


def json_response(status: int, payload, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


MAINTENANCE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Onderhoud</title></head>"
    b"<body><h1>We zijn bezig met onderhoud</h1><p>Probeer het later opnieuw.</p></body></html>"
)


class Simulator(Protocol):
    def handle(self, request: Request) -> Response: ...


@dataclass
class Fault:
    """One injected answer: a status with an optional HTML or JSON body, or a dropped reply."""

    status: int = 503
    html: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    match: Callable[[Request], bool] | None = None
    after_work: bool = False  # the request is carried out first, then this answer replaces the real one
    body: bytes | None = None  # the answer's body as sent (else a maintenance page or a small JSON error)
    trickle: float = 0.0  # seconds between the body's bytes
    lost: bool = False  # the request is carried out, then the connection closes without an answer

    def __post_init__(self) -> None:
        self.after_work = self.after_work or self.lost


class Faults:
    """Fault injection, seeded so a failing test can be replayed.

    - `lose_responses`: share of mutating requests (POST/PUT/DELETE) that are carried out
      but whose connection is then closed without a reply (the classic ambiguous outcome).
    - `delay`: seconds to wait before every reply (after the work is done), with the
      Host's `sleep`.
    - `queue(fault, n)`: the next n matching requests get that fault instead of an answer
      (or, `lost`, no answer at all after the work); `pending` says how many are still queued.
    """

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.lose_responses = 0.0
        self.delay = 0.0
        self._queued: deque[Fault] = deque()
        self.dropped = 0

    def queue(self, fault: Fault, times: int = 1) -> None:
        self._queued.extend([fault] * times)

    @property
    def pending(self) -> int:
        return len(self._queued)

    def clear(self) -> None:
        self._queued.clear()
        self.lose_responses = 0.0
        self.delay = 0.0

    def before(self, request: Request) -> Response | None:
        fault = self._take(request, after_work=False)
        return None if fault is None else _answer(fault)

    def _take(self, request: Request, after_work: bool) -> Fault | None:
        for fault in list(self._queued):
            if fault.after_work == after_work and (fault.match is None or fault.match(request)):
                self._queued.remove(fault)
                return fault
        return None

    def after(self, request: Request, response: Response) -> Response:
        fault = self._take(request, after_work=True) if response.status < 400 else None
        if fault is not None and fault.lost:
            self.dropped += 1
            response.drop = True
            return response
        if fault is not None:  # the work is done; the answer says otherwise (e.g. a 500 "Timeout expired")
            return _answer(fault)
        mutating = request.method in ("POST", "PUT", "PATCH", "DELETE")
        if mutating and response.status < 400 and self.lose_responses and self.rng.random() < self.lose_responses:
            self.dropped += 1
            response.drop = True
        return response


def _answer(fault: Fault) -> Response:
    content_type = "text/html; charset=utf-8" if fault.html else "application/json; charset=utf-8"
    if fault.body is not None:
        return Response(fault.status, fault.body, {"Content-Type": content_type, **fault.headers}, trickle=fault.trickle)
    if fault.html:
        return Response(fault.status, MAINTENANCE_PAGE, {"Content-Type": content_type, **fault.headers})
    return json_response(fault.status, {"error": "injected fault"}, fault.headers)


class Host:
    """One simulator at one base URL (`url`), with its faults, its lock and the simulator
    bugs it caught (`crashes`). `sleep` is how a `delay` fault waits: a test injects its own."""

    def __init__(self, simulator: Simulator, url: str, faults: Faults | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.simulator = simulator
        self.url = url
        self.faults = faults or Faults()
        self.sleep = sleep
        self.lock = threading.Lock()
        self.crashes: list[str] = []

    def dispatch(self, request: Request) -> Response:
        """The answer, or the injected fault, under the lock; no waiting."""
        with self.lock:
            injected = self.faults.before(request)
            if injected is not None:
                return injected
            try:
                response = self.simulator.handle(request)
            except Exception:  # a simulator bug: answer it, and keep it for the test to see
                self.crashes.append(traceback.format_exc())
                return json_response(500, {"error": "sandbox crashed; see the server's crashes"})
            return self.faults.after(request, response)

    def serve(self, request: Request) -> Response:
        """What a client gets: the dispatched answer after any `delay` (outside the lock, so a
        slow answer does not hold up the others). A `drop` is for the caller to carry out."""
        response = self.dispatch(request)
        if self.faults.delay:
            self.sleep(self.faults.delay)
        return response


class Served:
    """What every way of serving a Host offers: its address, simulator, faults and crashes
    (the last three settable, so a test can swap in a fresh simulator or fault set)."""

    host: Host

    @property
    def url(self) -> str:
        return self.host.url

    @property
    def simulator(self) -> Simulator:
        return self.host.simulator

    @simulator.setter
    def simulator(self, simulator: Simulator) -> None:
        self.host.simulator = simulator

    @property
    def faults(self) -> Faults:
        return self.host.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.host.faults = faults

    @property
    def crashes(self) -> list[str]:
        return self.host.crashes

    def client(self, **options: Any) -> httpx.Client:
        """A bare httpx client that reaches this host (for tests of the simulators)."""
        raise NotImplementedError

    def start(self):
        return self

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
