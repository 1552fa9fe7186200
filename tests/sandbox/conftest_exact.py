"""Fixtures for the Exact Online sandbox tests, loaded as a plugin by each `test_exact_*.py`
(`pytest_plugins = ["tests.sandbox.conftest_exact"]`) so the shared conftest stays free.
Plugin fixtures are global, so every name starts with `exact_`. Every test talks HTTP through
httpx to the simulator served in-process (runner.sandbox.transport), with a clock moved by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runner.sandbox.exact.simulator import ExactSimulator, ManualClock
from runner.sandbox.transport import InProcessServer
from tests.sandbox.exact_support import DIVISION


@pytest.fixture
def exact_clock() -> ManualClock:
    return ManualClock()  # 2026-03-02 09:00:00 UTC, on a minute boundary


@pytest.fixture
def exact_options() -> dict[str, Any]:
    """ExactSimulator options; a test overrides them with parametrize("exact_options", [...])."""
    return {}


@pytest.fixture
def exact_sim(exact_clock: ManualClock, exact_options: dict[str, Any]) -> Iterator[ExactSimulator]:
    simulator = ExactSimulator(clock=exact_clock, **exact_options)
    yield simulator
    assert not simulator.crashes, simulator.crashes[0]


@pytest.fixture
def exact_server(exact_sim: ExactSimulator, exact_clock: ManualClock) -> Iterator[InProcessServer]:
    """The simulator at a 127.0.0.1 address, in-process; a `delay` fault moves the clock."""
    with InProcessServer(exact_sim, sleep=exact_clock.advance) as server:
        yield server
    assert server.crashes == []


@pytest.fixture
def exact_tokens(exact_sim: ExactSimulator) -> dict[str, str]:
    return exact_sim.mint_tokens()


@pytest.fixture
def exact_http(exact_server: InProcessServer) -> Iterator[httpx.Client]:
    """A bare client on the server root, for OAuth calls and hand-made requests."""
    with exact_server.client(base_url=exact_server.url) as client:
        yield client


@pytest.fixture
def exact_api(exact_server: InProcessServer, exact_tokens: dict[str, str]) -> Iterator[httpx.Client]:
    """A client the way the runner should be: Bearer token, Accept JSON, division in the URL."""
    headers = {"Authorization": f"Bearer {exact_tokens['access_token']}", "Accept": "application/json"}
    with exact_server.client(base_url=f"{exact_server.url}/api/v1/{DIVISION}/", headers=headers) as client:
        yield client
