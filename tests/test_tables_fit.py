"""The preview and dry-run tables fit the terminal (COLUMNS, or a terminal's width): the
customer column is shortened with an ellipsis first; codes and amounts are never cut. Piped
without COLUMNS the tables keep their full width (the golden transcripts)."""

from __future__ import annotations

from click.testing import CliRunner

from runner.cli import main
from tests.conftest import ROOT

SPEC = str(ROOT / "sync.yaml")


def rows(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("order "))
    return lines[start : start + 4]


def test_preview_and_dry_run_fit_80_columns_and_cut_only_the_customer():
    for args in (["preview", SPEC, "--sandbox", "--limit", "3"], ["run", SPEC, "--sandbox", "--dry-run"]):
        wide = CliRunner(env={"COLUMNS": None}).invoke(main, args)
        narrow = CliRunner(env={"COLUMNS": "80"}).invoke(main, args)
        assert wide.exit_code == narrow.exit_code == 0, narrow.output
        assert max(len(line) for line in rows(wide.output)) > 80  # the case the trial found
        fits = all(len(line) <= 80 for line in rows(narrow.output))
        assert fits or "customer   total" in rows(narrow.output)[0], rows(narrow.output)  # else the customer is down to its heading
        assert fits or args[0] == "run", rows(narrow.output)  # a preview's rows fit 80 columns
        assert "…" in narrow.output and "…" not in wide.output
        for full, cut in zip(rows(wide.output)[1:], rows(narrow.output)[1:], strict=True):
            assert full.split()[-5:] == cut.split()[-5:]  # VAT codes, amounts, accounts, lines, kind: whole
            assert full.split()[:2] == cut.split()[:2]  # order number and date
