"""A consultant's second week, the smalls (issue 23 point 10): click's usage errors with a
"what to do" line, did-you-mean for spec keys and template fields, and the other small
things a consultant trips over."""

from __future__ import annotations

import pytest

from tests.conftest import write_spec


@pytest.mark.parametrize(
    ("args", "said", "help_of"),
    [
        (["run", "--bogus"], "No such option '--bogus'", "runner run"),
        (["run", "--limit", "x"], "'--limit'", "runner run"),
        (["report"], "--from", "runner report"),
        (["frobnicate"], "No such command 'frobnicate'", "runner"),
        (["--bogus"], "No such option '--bogus'", "runner"),
    ],
)
def test_a_usage_error_ends_with_what_to_do_and_exit_2(cli, tmp_path, monkeypatch, args, said, help_of):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    result = cli(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and said in lines[0], lines
    assert lines[-1].startswith("what to do: ") and f"see `{help_of} --help`" in lines[-1], lines
    assert "Try '" not in result.stderr and "Traceback" not in result.stderr
