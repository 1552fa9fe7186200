"""The one httpx client factory, and what both adapters need around it: URLs safe to show,
the difference between 'the request never went out' and 'we do not know', and how they
wait before trying again.

Nothing else in the runner's adapters builds an httpx client. A caller may pass a `transport`
(httpx.MockTransport in tests). Without one, the client goes to the network, except for the
addresses mounted here: `mount("http://127.0.0.1:PORT", transport)` sends every request for
that origin through `transport`, in every client built from then on. The in-process sandbox
(runner/sandbox/transport.py) mounts its simulators this way under 127.0.0.1 ports that no
server listens on, so a spec file, the CLI and every adapter reach it with no socket at all."""

from __future__ import annotations

import functools
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from runner import __version__

USER_AGENT = f"woo-exact-runner/{__version__}"


_mounts: dict[str, httpx.BaseTransport] = {}
_mounts_lock = threading.Lock()
_pause: list[Callable[[float], None]] = [time.sleep]


def make_client(base_url: str = "", transport: httpx.BaseTransport | None = None, timeout: float = 30.0, **kwargs: Any) -> httpx.Client:
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    kwargs.setdefault("verify", _tls())
    with _mounts_lock:
        mounts = dict(_mounts) if transport is None and _mounts else None  # an explicit transport takes everything
    return httpx.Client(
        base_url=base_url,
        transport=transport,
        mounts=mounts,
        timeout=httpx.Timeout(timeout, connect=10.0),
        headers=headers,
        follow_redirects=False,
        **kwargs,
    )


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS settings, built once: loading the CA bundle costs some 25 ms, which
    every client would otherwise pay again (a run builds several, a refresh one more)."""
    return httpx.create_ssl_context()


def mount(origin: str, transport: httpx.BaseTransport) -> None:
    """Requests for `origin` (scheme://host:port) go through `transport` in every client
    make_client builds from now on, instead of the network."""
    key = _origin(origin)
    with _mounts_lock:
        if key in _mounts:
            raise ValueError(f"{key} is mounted already")
        _mounts[key] = transport


def unmount(origin: str) -> None:
    with _mounts_lock:
        _mounts.pop(_origin(origin), None)


@contextmanager
def mounted(origin: str, transport: httpx.BaseTransport) -> Iterator[None]:
    mount(origin, transport)
    try:
        yield
    finally:
        unmount(origin)


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    if not parsed.scheme or not parsed.host or parsed.path not in ("", "/") or parsed.query:
        raise ValueError(f"mount an origin such as http://127.0.0.1:8701, not {url!r}")
    return f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port is not None else "")  # no port: the scheme's own


def pause(seconds: float) -> None:
    """How an adapter waits before it tries again: time.sleep, unless `pausing` says otherwise."""
    _pause[-1](seconds)


@contextmanager
def pausing(sleep: Callable[[float], None]) -> Iterator[None]:
    """Within the block, `pause` calls `sleep` instead (a test's fake clock, or a recorder)."""
    _pause.append(sleep)
    try:
        yield
    finally:
        _pause.remove(sleep)


MAX_BODY = 64 * 1024 * 1024  # bytes of one answer, after decompression: a page of orders is well under 1 MiB
_clock: list[Callable[[], float]] = [time.monotonic]


@contextmanager
def clocked(clock: Callable[[], float]) -> Iterator[None]:
    """Within the block, answer deadlines are measured on `clock` (a test's fake clock)."""
    _clock.append(clock)
    try:
        yield
    finally:
        _clock.remove(clock)


class TooSlow(httpx.TimeoutException):
    """The whole answer did not arrive within its deadline (a server trickling bytes keeps
    every single read within the read timeout)."""


class TooLarge(httpx.DecodingError):
    """The answer outgrew MAX_BODY."""


def fetch(client: httpx.Client, method: str, url: str, *, deadline: float, limit: int = MAX_BODY, **kwargs: Any) -> httpx.Response:
    """One request whose whole answer must arrive within `deadline` seconds and `limit`
    bytes; read as it streams, so neither a trickle nor a flood can hold a run. Raises
    TooSlow or TooLarge (both httpx errors, so callers treat them as a failed request)."""
    request = client.build_request(method, url, **kwargs)
    started = _clock[-1]()
    response = client.send(request, stream=True)
    try:
        body, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the answer is larger than {limit // (1024 * 1024)} MiB", request=request)
            if _clock[-1]() - started > deadline:
                raise TooSlow(f"the answer took longer than {deadline:g} s to arrive", request=request)
            body.append(chunk)
    finally:
        response.close()
    skip = {"content-encoding", "content-length", "transfer-encoding"}  # the body below is decoded and whole
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in skip]
    return httpx.Response(response.status_code, headers=headers, content=b"".join(body), request=request)


def why(exc: httpx.HTTPError) -> str:
    """What went wrong with a request, in words where we have them."""
    return str(exc) if isinstance(exc, (TooSlow, TooLarge)) else type(exc).__name__


def may_have_landed(exc: httpx.HTTPError) -> bool:
    """True unless the connection was never made: after a read timeout or a dropped
    connection the server may have carried out a POST, so its outcome is unknown."""
    return not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


class BadJson(ValueError):
    """An answer that is not the JSON it claims to be, or nested beyond reason."""


def json_body(response: httpx.Response):
    """The JSON of a response with every fractional number as Decimal: money never passes
    through float on its way in. Not JSON, or nested deeper than Python can follow: BadJson."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except RecursionError:
        raise BadJson("the answer is JSON nested too deeply to read") from None
    except ValueError as exc:
        raise BadJson(f"the answer is not valid JSON ({exc})") from None


def is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")
