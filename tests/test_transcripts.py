"""Golden transcripts pin what key commands print, whole: exit code, stdout and stderr, so a
changed word, column or line shows up as a diff instead of slipping past a substring assert.
What differs from run to run is normalised first: temporary folders, ports, times and dates
(and the sandbox's entry numbers, which carry the year).

Regenerate after an intended change, then review the diff of tests/golden/cli/:

    UPDATE_GOLDEN=1 pytest tests/test_transcripts.py"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import main
from runner.sandbox.exact.simulator import ManualClock
from tests.conftest import DATA, ROOT

GOLDEN = ROOT / "tests" / "golden" / "cli"
# local times name their zone (UTC, CET, +01)
TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d| UTC| [A-Z]{3,5}\b| [+-]\d\d(?:\d\d)?\b)?")
DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
PORT = re.compile(r"http://127\.0\.0\.1:\d+")
PADDING = re.compile(r" {2,}")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def transcript(args: tuple[str, ...], result, folders: dict[Path, str]) -> str:
    """`$ runner ARGS`, the exit code, and both streams, normalised."""
    text = f"$ runner {' '.join(args)}\n[exit {result.exit_code}]\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
    for folder, name in sorted(folders.items(), key=lambda kv: -len(str(kv[0]))):
        text = text.replace(str(folder), name)
    return DATE.sub("<date>", TIME.sub("<time>", PORT.sub("http://127.0.0.1:<port>", text)))


def matches_golden(name: str, text: str) -> None:
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    # a table's columns are as wide as their widest cell, and a masked <time> was 'CET' or 'CEST'
    # (CI's faketime round on the night the clocks go forward): padding of two spaces or more is one gap
    same = PADDING.sub("  ", text) == PADDING.sub("  ", golden.read_text())
    assert same, f"differs from {golden.relative_to(ROOT)} (UPDATE_GOLDEN=1 rewrites it after an intended change)"


@pytest.mark.parametrize("name", ["many-problems", "sandbox-escape"])
def test_validate_lists_every_problem_of_a_bad_spec_with_its_line(name, monkeypatch):
    monkeypatch.chdir(DATA / "bad-specs")  # the messages name the spec as it was given
    for variable in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET"):
        monkeypatch.setenv(variable, "x")  # set: the transcript pins the spec's own problems (an unset one would be told too)
    args = ("validate", f"{name}.yaml")
    matches_golden(f"validate-{name}", transcript(args, invoke(*args), {}))


def test_run_against_the_embedded_sandbox_summarises_what_landed():
    """The demo shop's history ends today, so Exact numbers its documents in this year (yyJJnnnn)."""
    args = ("run", str(ROOT / "sync.yaml"), "--sandbox")
    result = invoke(*args)
    numbers = re.findall(r"^ +(\d{8})  ", result.stdout, re.M)
    text = re.sub(r"^( +)\d{8}  ", r"\1<number>  ", transcript(args, result, {ROOT: "<repo>"}), flags=re.M)
    # the demo's dates follow the clock, and with them how many pages of the journal a run reads:
    # the call count is measured by bench/calls.py, not pinned here
    text = re.sub(r"Exact calls \d+ \([\d,]+ left today\)", "Exact calls <n> (<n> left today)", text)
    if len({n[:2] for n in numbers}) > 1 or [int(n[-4:]) for n in numbers] != sorted(int(n[-4:]) for n in numbers):
        # just after New Year the history spans two years, which Exact numbers apart: another
        # twelve documents are the last by number. The summary lines still hold.
        kept = lambda t: [l for l in t.splitlines() if not re.match(r" +(<number>|\.\.\.)", l)]  # noqa: E731
        assert kept(text) == kept((GOLDEN / "run-sandbox.txt").read_text())
        return
    matches_golden("run-sandbox", text)


def test_a_run_with_a_refused_order_then_status(sync_box):
    """A shop and an administration whose clocks stand still: every number is the same each time."""
    from decimal import Decimal

    from runner.sandbox.woo.carts import Address, ProductLine

    box = sync_box(orders=12, seed=3, start=datetime(2025, 3, 3, 9, 0), exact_options={"clock": ManualClock()})
    june = datetime(2025, 6, 14, 11, 30)
    box.woo.place_order(
        lines=(ProductLine(188, "Espressobonen 1 kg", Decimal("24.20"), 2, sku="ESP-1KG"),),
        billing=Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl"),
        created=june,
        paid=june,
        completed=june,
        status="completed",
    )
    box.exact.close_period(2025, 6)
    day = datetime.now(UTC).date()
    run, status, stranger = box.run("run"), box.run("status"), box.run("retry", "99999")
    if datetime.now(UTC).date() != day:
        pytest.skip("midnight UTC fell between the run and the status: 'today' moved on")
    folders = {box.dir: "<dir>"}
    matches_golden("run-with-a-refused-order", transcript(("run", "<dir>/sync.yaml"), run, folders))
    matches_golden("status-after-a-refused-order", transcript(("status", "<dir>/sync.yaml"), status, folders))
    matches_golden("retry-an-order-that-has-not-failed", transcript(("retry", "<dir>/sync.yaml", "99999"), stranger, folders))


def test_the_small_traps_of_the_command_line(tmp_path, monkeypatch):
    """No spec named and none here; a schedule Exact's daily calls cannot carry."""
    monkeypatch.chdir(tmp_path)
    matches_golden("no-spec-here", transcript(("status",), invoke("status"), {tmp_path: "<dir>"}))
    spec = tmp_path / "sync.yaml"
    spec.write_text((DATA / "specs" / "test.yaml").read_text())
    args = ("run", "--every", "1m")
    matches_golden("every-too-often", transcript(args, invoke(*args), {tmp_path: "<dir>"}))
