"""Fixtures for the Exact Online sandbox tests, loaded as a plugin by each `test_exact_*.py`
(`pytest_plugins = ["tests.sandbox.conftest_exact"]`) so the shared conftest stays free.
Plugin fixtures are global, so every name starts with `exact_`. Every test talks real HTTP to a
SandboxServer on 127.0.0.1, with a clock moved by hand."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runner.sandbox.exact.simulator import ExactSimulator, ManualClock
from runner.sandbox.server import Faults, SandboxServer
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


@pytest.fixture(scope="session")
def exact_running_server() -> Iterator[SandboxServer]:
    """One server for the whole run (stopping one costs its 0.5 s poll); tests swap simulators."""
    with SandboxServer(ExactSimulator()) as running:
        # Until server.py sets this itself: without TCP_NODELAY every answer waits ~40 ms for
        # the client's delayed ACK (headers and body go out as two small segments).
        running.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        yield running


@pytest.fixture
def exact_server(exact_running_server: SandboxServer, exact_sim: ExactSimulator) -> SandboxServer:
    exact_running_server.simulator, exact_running_server.faults = exact_sim, Faults()
    return exact_running_server


@pytest.fixture
def exact_tokens(exact_sim: ExactSimulator) -> dict[str, str]:
    return exact_sim.mint_tokens()


@pytest.fixture(scope="session")
def exact_tls() -> ssl.SSLContext:
    """Built once: httpx would load the CA bundle again for every client (0.1 s each)."""
    return ssl.create_default_context()


@pytest.fixture
def exact_http(exact_server: SandboxServer, exact_tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    """A bare client on the server root, for OAuth calls and hand-made requests."""
    with httpx.Client(base_url=exact_server.url, verify=exact_tls) as client:
        yield client


@pytest.fixture
def exact_api(exact_server: SandboxServer, exact_tokens: dict[str, str], exact_tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    """A client the way the runner should be: Bearer token, Accept JSON, division in the URL."""
    headers = {"Authorization": f"Bearer {exact_tokens['access_token']}", "Accept": "application/json"}
    with httpx.Client(base_url=f"{exact_server.url}/api/v1/{DIVISION}/", headers=headers, verify=exact_tls) as client:
        yield client
