"""The one httpx client factory, and what both adapters need around it: URLs safe to show,
and the difference between 'the request never went out' and 'we do not know'.

Tests and the dry run pass a `transport` (httpx.MockTransport or a real one to the
sandbox); nothing else in the runner builds an httpx client."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from runner import __version__

USER_AGENT = f"woo-exact-runner/{__version__}"


def make_client(base_url: str = "", transport: httpx.BaseTransport | None = None, timeout: float = 30.0, **kwargs: Any) -> httpx.Client:
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    return httpx.Client(
        base_url=base_url, transport=transport, timeout=httpx.Timeout(timeout, connect=10.0), headers=headers, follow_redirects=False, **kwargs
    )


def may_have_landed(exc: httpx.HTTPError) -> bool:
    """True unless the connection was never made: after a read timeout or a dropped
    connection the server may have carried out a POST, so its outcome is unknown."""
    return not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def json_body(response: httpx.Response):
    """The JSON of a response with every fractional number as Decimal: money never passes
    through float on its way in."""
    return json.loads(response.content, parse_float=Decimal)


def is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")
