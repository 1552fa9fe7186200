"""The plumbing both simulators share: a stdlib threaded HTTP server on 127.0.0.1, a small
request/response model, and fault injection (lost responses, bursts, slow answers).

A simulator is any object with `handle(request) -> Response`; calls are serialized under
one lock so a simulator's state needs no locking of its own."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit


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


class Faults:
    """Fault injection, seeded so a failing test can be replayed.

    - `lose_responses`: share of mutating requests (POST/PUT/DELETE) that are carried out
      but whose connection is then closed without a reply (the classic ambiguous outcome).
    - `delay`: seconds to wait before every reply (after the work is done).
    - `queue(fault, n)`: the next n matching requests get that fault instead of an answer.
    """

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.lose_responses = 0.0
        self.delay = 0.0
        self._queued: deque[Fault] = deque()
        self.dropped = 0

    def queue(self, fault: Fault, times: int = 1) -> None:
        self._queued.extend([fault] * times)

    def clear(self) -> None:
        self._queued.clear()
        self.lose_responses = 0.0
        self.delay = 0.0

    def before(self, request: Request) -> Response | None:
        for fault in list(self._queued):
            if fault.match is None or fault.match(request):
                self._queued.remove(fault)
                if fault.html:
                    return Response(fault.status, MAINTENANCE_PAGE, {"Content-Type": "text/html; charset=utf-8", **fault.headers})
                return json_response(fault.status, {"error": "injected fault"}, fault.headers)
        return None

    def after(self, request: Request, response: Response) -> Response:
        mutating = request.method in ("POST", "PUT", "PATCH", "DELETE")
        if mutating and response.status < 400 and self.lose_responses and self.rng.random() < self.lose_responses:
            self.dropped += 1
            response.drop = True
        return response


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a killed runner, a test that moved on) is not an error here."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class SandboxServer:
    """Runs one simulator on 127.0.0.1 in a daemon thread; `url` is its base address."""

    def __init__(self, simulator: Simulator, port: int = 0, faults: Faults | None = None) -> None:
        self.simulator = simulator
        self.faults = faults or Faults()
        self.lock = threading.Lock()
        handler = _make_handler(self)
        self.httpd = _QuietServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.crashes: list[str] = []
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def dispatch(self, request: Request) -> Response:
        with self.lock:
            injected = self.faults.before(request)
            if injected is not None:
                return injected
            try:
                response = self.simulator.handle(request)
            except Exception:  # a simulator bug: answer it, and keep it for the test to see
                self.crashes.append(traceback.format_exc())
                return json_response(500, {"error": "sandbox crashed; see SandboxServer.crashes"})
            return self.faults.after(request, response)


def _make_handler(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def log_message(self, format, *args):  # noqa: A002 - quiet: tests read their own output
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                base_url=server.url,
            )
            response = server.dispatch(request)
            if server.faults.delay:
                time.sleep(server.faults.delay)
            if response.drop:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    return Handler
