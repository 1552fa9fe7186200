"""Helpers for the Exact sandbox tests: reading OData error bodies and building valid bodies.
Kept apart from the fixtures plugin so pytest can still rewrite the plugin's asserts."""

from __future__ import annotations

from typing import Any

import httpx

from runner.sandbox.exact.entities import ACCOUNTS, GL_ACCOUNTS
from runner.sandbox.exact.simulator import ExactSimulator

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
