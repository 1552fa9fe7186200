"""Throughput of the Exact simulator: 1,000 orders with customer look-ups must cost little,
so benchmarks of the runner measure the runner."""

from __future__ import annotations

import json
import time

from runner.sandbox.exact.entities import RECEIVABLES, SALES_ENTRIES
from runner.sandbox.host import Request
from tests.sandbox.exact_support import DIVISION, entry, gl_id

pytest_plugins = ["tests.sandbox.conftest_exact"]


def line(sim, amount, gl: str = "8000") -> dict:
    return {"GLAccount": gl_id(sim, gl), "AmountFC": amount, "VATCode": "2"}


def test_a_thousand_orders_cost_little_simulator_time(exact_sim):
    """In-process through `handle()`: this measures the simulator, not the loopback TCP."""
    exact_sim.config.minutely_limit = exact_sim.config.daily_limit = 10**6
    headers = {
        "authorization": f"Bearer {exact_sim.mint_tokens()['access_token']}",
        "accept": "application/json",
        "content-type": "application/json",
        "prefer": "return=representation",
    }

    def call(method: str, path: str, query: dict | None = None, body: dict | None = None) -> tuple[int, dict]:
        request = Request(
            method,
            f"/api/v1/{DIVISION}/{path}",
            {k: [v] for k, v in (query or {}).items()},
            headers,
            json.dumps(body).encode() if body else b"",
            "http://127.0.0.1:9",
        )
        response = exact_sim.handle(request)
        return response.status, json.loads(response.body)

    customers: dict[str, str] = {}
    started = time.process_time()  # CPU time: what else runs on the machine does not count
    for n in range(1000):
        email = f"klant{n % 300}@example.nl"
        if email not in customers:
            status, found = call("GET", "crm/Accounts", {"$filter": f"Email eq '{email}'", "$select": "ID"})
            assert status == 200 and found["d"]["results"] == []
            status, created = call("POST", "crm/Accounts", body={"Name": f"Klant {n}", "Email": email, "Status": "C"})
            customers[email] = created["d"]["ID"]
        body = entry(
            exact_sim,
            line(exact_sim, f"{n}.95"),
            line(exact_sim, "4.95", gl="8050"),
            Customer=customers[email],
            YourRef=str(n),
        )
        status, _ = call("POST", "salesentry/SalesEntries", body=body)
        assert status == 201
    elapsed = time.process_time() - started
    assert len(exact_sim.admin.tables[SALES_ENTRIES.path]) == 1000 and len(exact_sim.admin.tables[RECEIVABLES.path]) == 1000
    assert exact_sim.errors == [] and exact_sim.calls[("POST", "salesentry/SalesEntries")] == 1000
    assert elapsed < 5, f"1,000 orders took {elapsed:.1f} s of simulator CPU time"
