"""Helpers for the Exact sandbox tests: reading OData error bodies and building valid bodies.
Kept apart from the fixtures plugin so pytest can still rewrite the plugin's asserts."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from runner.sandbox.exact.entities import ACCOUNTS, GL_ACCOUNTS
from runner.sandbox.exact.simulator import ExactSimulator
from tests.conftest import HANG

DIVISION = 1234567
LONG_TOKENS = {"access_token_lifetime": 86400}  # for tests that move the clock by hours


def message(response: httpx.Response) -> str:
    """The text of an OData error body, after checking the body has exactly that shape."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert set(body["error"]["message"]) == {"lang", "value"}
    return body["error"]["message"]["value"]


def gl_id(sim: ExactSimulator, code: str) -> str:
    return sim.admin.by_code(GL_ACCOUNTS, code)["ID"]


def account_id(sim: ExactSimulator, code: str = "1") -> str:
    return sim.admin.by_code(ACCOUNTS, code)["ID"]


def entry(sim: ExactSimulator, *lines: dict, **header: Any) -> dict:
    """A valid sales entry body for customer 1 on journal 70; lines default to 100.00 at 21 %."""
    body = {
        "Journal": "70",
        "Customer": account_id(sim),
        "EntryDate": "2026-03-01",
        "YourRef": "1001",
        "Description": "WooCommerce order 1001",
    }
    body["SalesEntryLines"] = list(lines) or [{"GLAccount": gl_id(sim, "8000"), "AmountFC": 100.00, "VATCode": "2"}]
    body.update(header)
    return body


REPRESENTATION = {"Prefer": "return=representation"}


def authorization_code(login_url: str) -> str:
    """What the browser brings back from the consent step (the sandbox approves at once): the
    `code` of the 302 to the redirect URI, URL-decoded."""
    response = httpx.get(login_url, timeout=HANG)
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection a test opens must go to 127.0.0.1, so a client library that falls back
    on its built-in start.exactonline.nl fails the test instead of reaching the internet. Both
    http.client (urllib) and httpcore (httpx) connect through `socket.create_connection`."""
    connect = socket.create_connection

    def guarded(address, *args, **kwargs):
        assert address[0] == "127.0.0.1", f"a connection to {address[0]}, outside the sandbox"
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


def add_customers(sim: ExactSimulator, n: int) -> None:
    """`n` more customers (Status C) straight into the books, enough to page through."""
    for i in range(n):
        sim.admin.insert(ACCOUNTS, {"Code": str(100 + i), "Name": f"Klant {i}", "Status": "C", "Type": "A", "Email": f"klant{i}@example.nl"})
