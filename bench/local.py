"""Local work is not the bottleneck (DESIGN.md section 8): preview throughput, memory as the
number of orders grows, and the ledger's cost per order as its history grows.

    python bench/local.py [--orders 5000] [--streamed 100000]

Each preview figure is measured twice in one run: with the template shortcuts
(runner/spec/shortcuts.py) and with every template rendered by Jinja, the baseline.
The streamed preview of a large orders file is the command itself (`runner preview SPEC
--orders-file F --format json`, stdout to /dev/null) in a process of its own: its wall time
and its peak resident memory, beside `runner --version`'s (what the interpreter and the
imports take before any order).

Compare the figures within one run (the machines are shared and noisy)."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.adapters.exact.accounts import AccountIndex  # noqa: E402
from runner.adapters.exact.sink import OfflineExact  # noqa: E402
from runner.ledger import Ledger  # noqa: E402
from runner.sandbox.woo.demo import generate_orders  # noqa: E402
from runner.services import preview  # noqa: E402
from runner.spec import check as spec_module  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "data" / "specs" / "test.yaml"
SECRETS = {"WOO_CONSUMER_KEY": "ck", "WOO_CONSUMER_SECRET": "cs", "EXACT_CLIENT_ID": "id", "EXACT_CLIENT_SECRET": "secret"}


def spec_with(fast: bool):
    spec = spec_module.load(SPEC, environ=SECRETS)
    spec.templates.fast = fast
    return spec


def preview_rate(spec, raw: list[dict]) -> tuple[float, int]:
    """Orders per second through the window, booking and payloads (an offline preview held
    in memory), and peak memory in KiB."""
    started = time.perf_counter()
    result = preview.offline(spec, raw, {}, OfflineExact())
    seconds = time.perf_counter() - started
    tracemalloc.start()  # a second pass for memory: tracing slows the first severalfold
    preview.offline(spec, raw, {}, OfflineExact())
    peak = tracemalloc.get_traced_memory()[1] // 1024
    tracemalloc.stop()
    looked_at = len({d.order_id for d, _ in result.documents} | set(result.failures) | set(result.skipped))
    assert looked_at == len(raw), (looked_at, len(raw))
    return len(raw) / seconds, peak


def orders_file(folder: str, raw: list[dict], copies: int) -> Path:
    """`copies` x `raw` orders (new ids and numbers) as one JSON array, as the REST API gives them."""
    path = Path(folder) / "orders.json"
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for copy in range(copies):
            for n, order in enumerate(raw):
                shift = copy * 10_000_000
                out.write(("," if copy or n else "") + json.dumps({**order, "id": order["id"] + shift, "number": str(order["id"] + shift)}))
        out.write("]")
    return path


def stream_in_process(spec, path: Path) -> tuple[int, float]:
    """The streamed preview's work in this process (events and their JSON), for the two
    columns: (orders, orders per second)."""
    from runner.cli.checks import _stream_json

    started = time.perf_counter()
    with redirect_stdout(io.StringIO()) as out:
        _stream_json(preview.offline_stream(spec, str(path), None, OfflineExact()))
    seconds = time.perf_counter() - started
    out.seek(0)
    orders = sum(1 for line in out if line.startswith('{"order"'))
    return orders, orders / seconds


PEAK = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("\\nPEAK KB " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["runner", *sys.argv[1:]]
runpy.run_module("runner", run_name="__main__")
"""


def command(*args: str) -> tuple[float, float]:
    """`runner ARGS` in a process of its own, stdout to /dev/null: (seconds, peak resident MB).
    The peak is the process's own high-water mark (VmHWM, which starts afresh at exec; a
    fork's ru_maxrss would count this benchmark's memory too)."""
    env = {**os.environ, **SECRETS, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, check=False)
    seconds = time.perf_counter() - started
    said = done.stderr.decode(errors="replace")
    if done.returncode not in (0, 1) or "PEAK KB" not in said:
        raise SystemExit(f"runner {' '.join(args)} failed: {said}")
    return seconds, int(said.rsplit("PEAK KB", 1)[1].split()[0]) / 1024


def ledger_cost(history: int, sample: int = 300) -> float:
    """Milliseconds per booked order (intent, done, customer) once `history` orders are in it."""
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(Path(folder) / "state.json")
        for order_id in range(history):
            ledger.intend(order_id, None, "document", your_ref=str(order_id))
            ledger.done(order_id, None, "document", ref=f"id-{order_id}", number=order_id)
        started = time.perf_counter()
        for order_id in range(history, history + sample):
            ledger.intend(order_id, None, "document", your_ref=str(order_id))
            ledger.done(order_id, None, "document", ref=f"id-{order_id}", number=order_id)
            AccountIndex.of(ledger).remember_account(f"klant{order_id % 300}@example.nl", "acc")
        ledger.close()
        return (time.perf_counter() - started) / sample * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--streamed", type=int, default=100_000, help="orders in the file the streamed preview reads")
    args = parser.parse_args()
    fast, jinja = spec_with(True), spec_with(False)
    data = generate_orders(args.orders, seed=1)
    raw = [{**o, "status": "completed"} for o in data.orders]
    for spec in (fast, jinja):  # compiled and warm before anything is timed
        preview.offline(spec, raw[: args.orders // 10], {}, OfflineExact())
    print(f"{'':38} {'shortcuts':>22} | {'Jinja only (baseline)':>22}")
    for n in (args.orders // 10, args.orders):
        cells = [preview_rate(spec, raw[:n]) for spec in (fast, jinja)]
        print(f"preview {n:>6} orders in memory:         " + " | ".join(f"{rate:7.0f}/s {peak / n:6.1f} KiB/order" for rate, peak in cells))
    with tempfile.TemporaryDirectory() as folder:
        small = orders_file(folder, raw, 1)
        cells = [stream_in_process(spec, small) for spec in (fast, jinja)]
        print(f"streamed {cells[0][0]:>6} orders, events and JSON: " + " | ".join(f"{rate:7.0f}/s{'':16}" for _, rate in cells))
        path = orders_file(folder, raw, max(1, args.streamed // len(raw)))
        orders = max(1, args.streamed // len(raw)) * len(raw)
        idle_seconds, idle_mb = command("--version")
        seconds, mb = command("preview", str(SPEC), "--orders-file", str(path), "--format", "json")
        print(
            f"runner preview --orders-file ({orders} orders, {path.stat().st_size / 1e6:.0f} MB) --format json > /dev/null: "
            f"{seconds:.1f} s, {orders / seconds:.0f} orders/s, peak {mb:.1f} MB resident "
            f"(runner --version: {idle_mb:.1f} MB, {idle_seconds:.2f} s)"
        )
    for history in (0, 2000, 20000):
        print(f"ledger with {history:>6} orders of history: {ledger_cost(history):.2f} ms per booked order")


if __name__ == "__main__":
    main()
