"""Local work is not the bottleneck (DESIGN.md section 8): preview throughput, memory as the
number of orders grows, and the ledger's cost per order as its history grows.

    python bench/local.py [--orders 5000]

A streamed preview of a large orders file (`runner preview SPEC --orders-file F --format json`)
is measured for its rate and its peak memory.

Compare the figures within one run (the machines are shared and noisy)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner import preview
from runner.exact.sink import OfflineExact  # noqa: E402
from runner.ledger import Ledger  # noqa: E402
from runner.sandbox.woo.demo import generate_orders  # noqa: E402
from runner.spec import check as spec_module  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def preview_rate(spec, raw: list[dict]) -> tuple[float, int]:
    """Orders per second through the window, booking and payloads (an offline preview),
    and peak memory in KiB."""
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


def stream_rate(spec, raw: list[dict], copies: int) -> tuple[int, float, int]:
    """A streamed preview (runner/orders_file.py) of `copies` x `raw` orders written to a
    JSON file, consumed as the command writes it: (orders, orders per second, peak KiB)."""
    from runner.exact.sink import OfflineExact

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.json"
        with open(path, "w", encoding="utf-8") as out:
            out.write("[")
            for copy in range(copies):
                for n, order in enumerate(raw):
                    shift = copy * 10_000_000
                    out.write(("," if copy or n else "") + json.dumps({**order, "id": order["id"] + shift, "number": str(order["id"] + shift)}))
            out.write("]")
        started = time.perf_counter()
        count = sum(1 for _ in preview.offline_stream(spec, str(path), None, OfflineExact()))
        seconds = time.perf_counter() - started
        tracemalloc.start()  # a second pass for memory
        for _ in preview.offline_stream(spec, str(path), None, OfflineExact()):
            pass
        peak = tracemalloc.get_traced_memory()[1] // 1024
        tracemalloc.stop()
    assert count >= len(raw) * copies
    return len(raw) * copies, len(raw) * copies / seconds, peak


def ledger_cost(history: int, sample: int = 300) -> float:
    """Milliseconds per booked order (intent, done, customer) once `history` orders are in it."""
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(Path(folder) / "state.json")
        for order_id in range(history):
            ledger.intend(order_id, None, "document", your_ref=str(order_id))
            ledger.done(order_id, None, "document", exact_id=f"id-{order_id}", number=order_id)
        started = time.perf_counter()
        for order_id in range(history, history + sample):
            ledger.intend(order_id, None, "document", your_ref=str(order_id))
            ledger.done(order_id, None, "document", exact_id=f"id-{order_id}", number=order_id)
            ledger.index.remember_account(f"klant{order_id % 300}@example.nl", "acc")
        ledger.close()
        return (time.perf_counter() - started) / sample * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--streamed", type=int, default=100_000, help="orders in the file the streamed preview reads")
    args = parser.parse_args()
    spec = spec_module.load(ROOT / "tests" / "data" / "specs" / "test.yaml", environ={})
    data = generate_orders(args.orders, seed=1)
    raw = [{**o, "status": "completed"} for o in data.orders]
    for n in (args.orders // 10, args.orders):
        rate, peak = preview_rate(spec, raw[:n])
        print(f"preview {n:>6} orders: {rate:8.0f} orders/s, peak memory {peak:>7} KiB ({peak / n:.1f} KiB per order)")
    orders, rate, peak = stream_rate(spec, raw, max(1, args.streamed // len(raw)))
    print(f"streamed preview {orders:>6} orders from a file: {rate:8.0f} orders/s, peak memory {peak:>7} KiB")
    for history in (0, 2000, 20000):
        print(f"ledger with {history:>6} orders of history: {ledger_cost(history):.2f} ms per booked order")


if __name__ == "__main__":
    main()
