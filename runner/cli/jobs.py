"""Many clients at once (`runner run clients/*.yaml --jobs N`): each spec runs as its own
`runner run` process, at most N at a time. Each administration has call limits of its own,
so the runs never share a budget; what bounds a consultant's night is Exact's pace per
client, not this machine, and N clients in parallel take about 1/N of the time.

Every line a client prints comes out whole, prefixed with its spec; one client's failure
never stops the others, and the worst exit code wins."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from runner.cli.common import Out

_print = threading.Lock()  # lines of different clients never interleave mid-line


def run_parallel(spec_paths: Sequence[str], jobs: int, args: Sequence[str]) -> int:
    """Runs `runner run SPEC *args` for every spec, `jobs` at a time; the worst exit code."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        codes = list(pool.map(lambda path: _one(path, args), spec_paths))
    return max(codes, default=0)


def _one(path: str, args: Sequence[str]) -> int:
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "runner", "run", path, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        _say(path, f"error: could not start a run ({exc.strerror})", err=True)
        return 1
    readers = [threading.Thread(target=_relay, args=(path, stream, err)) for stream, err in ((child.stdout, False), (child.stderr, True))]
    for reader in readers:
        reader.start()
    code = child.wait()
    for reader in readers:
        reader.join()
    return code if code >= 0 else 1  # killed by a signal: a failure of that client


def _relay(path: str, stream, err: bool) -> None:
    for line in stream:
        _say(path, line.rstrip("\n"), err)
    stream.close()


def _say(path: str, line: str, err: bool = False) -> None:
    with _print:
        Out.echo(f"{path}: {line}", err=err)
