"""A simulator on a real 127.0.0.1 socket: a stdlib threaded HTTP server in a daemon thread
around a `host.Host`. `runner sandbox` serves this way, and so do tests in which another
process (a runner subprocess, a browser-like client) must reach the simulator. Inside one
process, `transport.InProcessServer` reaches the same Host without a socket."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from runner.sandbox.host import Faults, Host, Request, Served, Simulator


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a killed runner, a test that moved on) is not an error here."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class SandboxServer(Served):
    """Runs one simulator on 127.0.0.1 in a daemon thread; `url` is its base address."""

    def __init__(self, simulator: Simulator, port: int = 0, faults: Faults | None = None, sleep: Callable[[float], None] | None = None) -> None:
        self.httpd = _QuietServer(("127.0.0.1", port), _make_handler(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.host = Host(simulator, f"http://127.0.0.1:{self.port}", faults, **({"sleep": sleep} if sleep else {}))
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()

    def client(self, **options: Any) -> httpx.Client:
        return httpx.Client(**options)


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
            response = server.host.serve(request)
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
                for chunk in response.chunks(server.host.sleep):
                    self.wfile.write(chunk)
                    self.wfile.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    return Handler
