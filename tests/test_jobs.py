"""Many clients at once (issue 14 #3): `runner run A B C --jobs N` runs each spec in its own
process, prints each client's lines whole and prefixed with its spec, and one client's
failure never stops the others; the worst exit code wins."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from runner.cli import main


@pytest.mark.slow  # three runner processes on sockets: some seconds
def test_clients_run_side_by_side_and_one_failure_stops_no_other(sync_box, tmp_path):
    first, second = sync_box(orders=6, sockets=True), sync_box(orders=9, seed=5, sockets=True)
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nwoocommerce: {}\n")
    paths = [str(first.spec), str(broken), str(second.spec)]
    result = CliRunner().invoke(main, ["run", *paths, "--jobs", "3"], catch_exceptions=False)
    assert result.exit_code == 2  # the broken spec's; the other two booked regardless
    for box in (first, second):
        assert {row["YourRef"] for row in box.documents()} >= {o["number"] for o in box.due()}
        assert f"{box.spec}: booked {len([o for o in box.due()])} order(s)" in result.output
    assert f"{broken}: error: " in result.output
    assert all(line.split(": ", 1)[0] in paths for line in result.output.splitlines() if line.strip())


def test_jobs_and_every_do_not_mix(sync_box):
    box = sync_box(orders=1)
    result = CliRunner().invoke(main, ["run", str(box.spec), str(box.spec), "--jobs", "2", "--every", "15m"])
    assert result.exit_code == 2 and "--jobs runs each spec once" in result.output
