"""Many clients at once (issue 14 #3): wall time of `runner run CLIENTS... --jobs N` for 20
sandbox clients, each its own shop and administration on sockets, with Exact's latency
injected (every answer waits `--latency` seconds, as a real one does). The rows of one run
are comparable with each other: what bounds a consultant's night is Exact's pace per
client, and N clients in parallel should take close to 1/N of the time.

    python bench/jobs.py [--clients 20] [--orders 8] [--latency 0.15] [--jobs 1 2 4 8]"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runner.sandbox.embedded import serve  # noqa: E402
from runner.sandbox.exact.simulator import ExactSimulator  # noqa: E402
from runner.sandbox.woo.api import WooSimulator  # noqa: E402


def clients(n: int, orders: int, latency: float, folder: Path) -> tuple[list, list[str]]:
    """n sandbox pairs on sockets and a spec for each (secrets in the spec's .env)."""
    boxes, specs = [], []
    start = datetime.now().replace(microsecond=0) - timedelta(days=20)
    for i in range(n):
        woo = WooSimulator.demo(orders, seed=i, start=start)
        exact = ExactSimulator(seed=i)
        box = serve(woo, exact, sockets=True)
        box.exact_server.faults.delay = latency
        here = folder / f"client{i:02}"
        (here / ".runner").mkdir(parents=True)
        box.log_in(here / ".runner" / "exact-token.json")
        (here / ".env").write_text("".join(f"{k}={v}\n" for k, v in box.credentials().items()))
        spec = here / "sync.yaml"
        spec.write_text(
            f"version: 1\nextends: mappings/nl-default.yaml\nwoocommerce:\n  url: {box.woo_url}\n  consumer_key: ${{WOO_CONSUMER_KEY}}\n"
            f"  consumer_secret: ${{WOO_CONSUMER_SECRET}}\nexact:\n  base_url: {box.exact_url}\n  division: 1234567\n"
            f"  client_id: ${{EXACT_CLIENT_ID}}\n  client_secret: ${{EXACT_CLIENT_SECRET}}\n  redirect_uri: http://localhost:8765/callback\n"
            "orders:\n  statuses: [completed, processing]\n  since: 2020-01-01\n"
        )
        boxes.append(box)
        specs.append(str(spec))
    return boxes, specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--orders", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(f"{args.clients} clients, {args.orders} orders each, Exact answers after {args.latency} s")
    print(f"{'jobs':>4} {'wall s':>7} {'vs 1 job':>8} {'exit':>4}")
    first = None
    for jobs in args.jobs:
        with tempfile.TemporaryDirectory() as folder:
            boxes, specs = clients(args.clients, args.orders, args.latency, Path(folder))
            try:
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "runner", "run", *specs, "--jobs", str(jobs)], capture_output=True, text=True, env=env)
                wall = time.perf_counter() - started
            finally:
                for box in boxes:
                    box.stop()
        first = first or wall
        print(f"{jobs:>4} {wall:>7.1f} {first / wall:>7.2f}x {done.returncode:>4}")
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-2000:])


if __name__ == "__main__":
    main()
