"""The simulators without a socket: an httpx transport that hands each request to a `Host` in
this process, and `InProcessServer`, which gives a Host a 127.0.0.1 address and mounts it in
runner.support.http, so that every client the runner builds (also from a spec file, through the CLI)
reaches it in-process. The default for `--sandbox` and for the tests; `runner sandbox` and
tests with a second process use `server.SandboxServer` instead.

Faults keep their meaning: a dropped answer (the work was done, the reply lost) raises
httpx.RemoteProtocolError, as a closed connection does; a `delay` calls the Host's sleep."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from runner.sandbox.host import Faults, Host, Request, Served, Simulator
from runner.support.http import mount, unmount


class HostTransport(httpx.BaseTransport):
    """An httpx transport that serves each request from `host`, as its socket server would."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.closed = False  # set when its server stops: refused, as a closed port is

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.closed:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        target = urlsplit(request.url.raw_path.decode("ascii"))  # what goes on the wire: still percent-encoded
        served = Request(
            method=request.method,
            path=target.path,
            query=parse_qs(target.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in request.headers.multi_items()},
            body=request.read(),
            base_url=self.host.url,
        )
        response = self.host.serve(served)
        if response.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        headers = [*response.headers.items(), ("Content-Length", str(len(response.body)))]
        if response.trickle and request.method != "HEAD":
            return httpx.Response(response.status, headers=headers, stream=_Trickle(response.chunks(self.host.sleep)), request=request)
        return httpx.Response(response.status, headers=headers, content=b"" if request.method == "HEAD" else response.body, request=request)


class _Trickle(httpx.SyncByteStream):
    def __init__(self, chunks) -> None:
        self._chunks = chunks

    def __iter__(self):
        yield from self._chunks


class InProcessServer(Served):
    """One simulator at `http://127.0.0.1:PORT`, reached through runner.support.http's mounts once
    started. The port is bound and never listened on: no server elsewhere can take it, and a
    process outside this one that tries it is refused at once."""

    def __init__(self, simulator: Simulator, faults: Faults | None = None, sleep: Callable[[float], None] | None = None) -> None:
        self._reserved = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._reserved.bind(("127.0.0.1", 0))
        self.port = self._reserved.getsockname()[1]
        self.host = Host(simulator, f"http://127.0.0.1:{self.port}", faults, **({"sleep": sleep} if sleep else {}))
        self.transport = HostTransport(self.host)
        self._mounted = False

    def start(self) -> InProcessServer:
        mount(self.url, self.transport)
        self._mounted = True
        return self

    def stop(self) -> None:
        if self._mounted:
            unmount(self.url)
            self._mounted = False
        self.transport.closed = True  # also for clients made while it was mounted
        self._reserved.close()

    def client(self, **options: Any) -> httpx.Client:
        return httpx.Client(transport=self.transport, **options)
