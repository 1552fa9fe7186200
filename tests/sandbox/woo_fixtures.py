"""Fixtures and helpers for the WooCommerce sandbox tests (import the fixtures you use;
there is deliberately no conftest here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner.sandbox.transport import InProcessServer
from runner.sandbox.woo.api import DEFAULT_KEY, ManualClock, WooSimulator
from runner.sandbox.woo.auth import ApiKey

DATA = Path(__file__).resolve().parents[1] / "data"
API = "/wp-json/wc/v3"
BASIC = (DEFAULT_KEY.consumer_key, DEFAULT_KEY.consumer_secret)
START = datetime(2024, 1, 2, 9, 0)  # first demo order, shop-local
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)  # the clock, after every demo order


def sample_orders() -> dict[int, dict[str, Any]]:
    return {o["id"]: o for o in json.loads((DATA / "woo-sample-orders.json").read_text())}


def sample_refunds() -> dict[str, list[dict[str, Any]]]:
    return json.loads((DATA / "woo-sample-refunds.json").read_text())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def woo(clock: ManualClock) -> WooSimulator:
    """60 demo orders (ids from 5001, some refunded) on a hand-driven clock."""
    return WooSimulator.demo(60, seed=11, start=START, clock=clock)


@pytest.fixture
def woo_server(woo: WooSimulator) -> Iterator[InProcessServer]:
    """The shop at a 127.0.0.1 address, served in-process."""
    with InProcessServer(woo) as server:
        yield server
    assert server.crashes == []


@pytest.fixture
def http(woo_server: InProcessServer) -> Iterator[httpx.Client]:
    """An httpx client on the sandbox, authenticated with the read_write key (Basic)."""
    with woo_server.client(base_url=woo_server.url + API, auth=BASIC) as client:
        yield client


@pytest.fixture
def anonymous(woo_server: InProcessServer) -> Iterator[httpx.Client]:
    with woo_server.client(base_url=woo_server.url + API) as client:
        yield client


@pytest.fixture
def web(woo_server: InProcessServer) -> Iterator[httpx.Client]:
    """A bare client for whole URLs (signed ones, pages outside the API)."""
    with woo_server.client() as client:
        yield client


def oauth_url(url: str, key: ApiKey = DEFAULT_KEY, method: str = "GET", timestamp: int | None = None) -> str:
    """A URL signed the way the official Python client signs it (HMAC-SHA256)."""
    from woocommerce.oauth import OAuth

    oauth = OAuth(
        url=url,
        consumer_key=key.consumer_key,
        consumer_secret=key.consumer_secret,
        version="wc/v3",
        method=method,
        oauth_timestamp=timestamp if timestamp is not None else int(NOW.timestamp()),
    )
    return oauth.get_oauth_url()


def all_pages(client: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    """Follow `page` until an empty page, as a sync would (an httpx client or the official
    `woocommerce.API`: both answer `get(path, params=...)`)."""
    items, page = [], 1
    while True:
        response = client.get(path, params={**params, "page": page})
        assert response.status_code == 200, response.text
        assert int(response.headers["X-WP-TotalPages"]) >= page or not response.json()
        if not response.json():
            return items
        items += response.json()
        page += 1
