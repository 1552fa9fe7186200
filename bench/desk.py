"""The desk's budgets (DESIGN.md section 8, issue 25 point 7): the overview of 200 clients
rendered in under a second, beside reading one client's status; and a webhook to booked in
Exact in under 5 s in the sandbox, beside the 5-minute cron it replaces.

    python bench/desk.py [--clients 200] [--rounds 5] [--hooks 5]

The overview: 200 client folders, each a spec and a ledger of a booked demo run (copies of
one), the page asked of the app in-process (httpx's ASGITransport, as a browser's request
would be answered, without the socket). The webhook: the sandbox desk on a real socket
(uvicorn), an order completed in a demo shop, its signed delivery POSTed, and the time until
Exact holds the entry (the desk's debounce, 2 s, included). Figures within one run compare;
the machines are shared and noisy."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio  # noqa: E402
import httpx  # noqa: E402

from runner.spec import load  # noqa: E402
from runner.web import data  # noqa: E402
from runner.web.app import create_app  # noqa: E402
from runner.web.auth import Gate  # noqa: E402
from runner.web.desk import Desk  # noqa: E402
from runner.web.hooks import signature  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"
CRON = 300  # seconds: the 5-minute cron a webhook replaces


def clients(folder: Path, count: int):
    """`count` client folders: one sandbox client booked once, copied."""
    from runner.web import demo

    first = demo.start(folder / "demo", webhook_secret="bench")
    source = first.specs["bakkerij-de-zon"].parent
    paths = []
    for n in range(count):
        home = folder / f"client-{n:03d}"
        shutil.copytree(source, home)
        paths.append(home / "sync.yaml")
    return paths, first


def get(app, url: str) -> float:
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
            started = time.perf_counter()
            response = await client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200, response.text[:300]
            return time.perf_counter() - started

    return anyio.run(go)


def overview(count: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        paths, demo = clients(Path(tmp), count)
        try:
            desk = Desk(paths)
            app = create_app(desk, Gate(TOKEN))
            get(app, "/")  # every spec read once (the desk keeps them while their files are unchanged)
            page = [get(app, "/") for _ in range(rounds)]
            spec = load(paths[0])
            one = []
            for _ in range(rounds):
                started = time.perf_counter()
                data.status(spec)
                one.append(time.perf_counter() - started)
        finally:
            demo.stop()
    return {"clients": count, "overview_s": statistics.median(page), "one_status_s": statistics.median(one)}


def webhook(deliveries: int) -> dict:
    import uvicorn

    from runner.web import demo as demo_module
    from runner.web.desk import DEBOUNCE

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.web.conftest import free_port

    with tempfile.TemporaryDirectory(prefix="desk-hook-") as tmp:
        demo = demo_module.start(Path(tmp), webhook_secret="bench")
        desk = Desk(list(demo.specs.values()))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(desk, Gate(TOKEN)), host="127.0.0.1", port=port, log_level="warning"))
        import threading

        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        desk.start()
        while not server.started:
            time.sleep(0.01)
        box = demo.boxes["bakkerij-de-zon"]
        took = []
        try:
            for n in range(deliveries):
                order = _completed(box, n)
                body = json.dumps(order).encode()
                started = time.perf_counter()
                httpx.post(
                    f"http://127.0.0.1:{port}/hooks/bakkerij-de-zon",
                    content=body,
                    headers={"Content-Type": "application/json", "X-WC-Webhook-Signature": signature(body, "bench")},
                )
                while not any(str(e.get("YourRef")) == order["number"] for e in list(box.exact.entries.values())):
                    time.sleep(0.01)
                took.append(time.perf_counter() - started)
        finally:
            server.should_exit = True
            thread.join(30)
            desk.stop()
            demo.stop()
    return {"deliveries": deliveries, "median_s": statistics.median(took), "max_s": max(took), "debounce_s": DEBOUNCE}


def _completed(box, n: int) -> dict:
    from decimal import Decimal

    from runner.sandbox.woo.carts import Address, ProductLine

    now = box.woo.local_now()
    line = ProductLine(188, "Espressobonen 1 kg", Decimal("24.20"), 1 + n, sku="ESP-1KG")
    return box.woo.place_order(
        lines=(line,), billing=Address("Sem", "Vos", country="NL", email=f"sem{n}@example.nl"), paid=now, completed=now, status="completed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hooks", type=int, default=5)
    args = parser.parse_args()
    shown = overview(args.clients, args.rounds)
    print(f"overview of {shown['clients']} clients: {shown['overview_s'] * 1000:.0f} ms (median of {args.rounds}; budget 1,000 ms)")
    each, count = shown["one_status_s"], shown["clients"]
    print(f"  beside reading one client's status: {each * 1000:.1f} ms ({count} of them: {each * count * 1000:.0f} ms)")
    hooked = webhook(args.hooks)
    print(
        f"webhook to booked in Exact (sandbox): median {hooked['median_s']:.2f} s, worst {hooked['max_s']:.2f} s of {hooked['deliveries']} "
        f"(budget 5 s; {hooked['debounce_s']:.0f} s of it the desk's debounce)"
    )
    print(f"  beside a cron run every {CRON // 60} minutes: {CRON / 2:.0f} s on average, {CRON} s at worst")


if __name__ == "__main__":
    main()
