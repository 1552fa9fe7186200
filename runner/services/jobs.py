"""Many clients at once (`runner run clients/*.yaml --jobs N`): each spec runs as its own
`runner run` process, at most N at a time. Each administration has call limits of its own,
so the runs never share a budget; what bounds a consultant's night is Exact's pace per
client, not this machine, and N clients in parallel take about 1/N of the time.

Every line a client prints reaches `on_line(spec, line, err)` whole, one at a time (lines of
different clients never interleave); one client's failure never stops the others, and the
worst exit code wins."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

Line = Callable[[str, str, bool], None]  # (spec, line, on stderr)


def run_parallel(spec_paths: Sequence[str], jobs: int, args: Sequence[str], on_line: Line) -> int:
    """Runs `runner run SPEC *args` for every spec, `jobs` at a time; the worst exit code."""
    one_at_a_time = threading.Lock()

    def say(path: str, line: str, err: bool = False) -> None:
        with one_at_a_time:
            on_line(path, line, err)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        codes = list(pool.map(lambda path: _one(path, args, say), spec_paths))
    return max(codes, default=0)


def _one(path: str, args: Sequence[str], say: Line) -> int:
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "runner", "run", path, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        say(path, f"error: could not start a run ({exc.strerror})", True)
        return 1
    readers = [threading.Thread(target=_relay, args=(path, stream, err, say)) for stream, err in ((child.stdout, False), (child.stderr, True))]
    for reader in readers:
        reader.start()
    code = child.wait()
    for reader in readers:
        reader.join()
    return code if code >= 0 else 1  # killed by a signal: a failure of that client


def _relay(path: str, stream, err: bool, say: Line) -> None:
    for line in stream:
        say(path, line.rstrip("\n"), err)
    stream.close()
