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


def test_a_misspelt_spec_key_says_which_key_was_meant_with_file_and_line(cli, tmp_path):
    spec = write_spec(tmp_path, "  statusses: [completed]\n")
    result = cli("validate", str(spec))
    assert result.exit_code == 2
    assert "sync.yaml:15: orders.statusses: unknown key 'statusses' in orders; did you mean 'statuses'?" in result.stderr, result.stderr


def test_a_misspelt_spec_key_nothing_is_like_lists_what_is_allowed(cli, tmp_path):
    spec = write_spec(tmp_path, "  zzzqqq: 1\n")
    result = cli("validate", str(spec))
    assert "orders.zzzqqq: unknown key 'zzzqqq' in orders (allowed here: " in result.stderr, result.stderr
    assert "did you mean" not in result.stderr


def test_a_misspelt_template_field_says_which_field_was_meant_with_file_and_line(cli, tmp_path):
    spec = write_spec(tmp_path, 'booking:\n  your_ref: "{{ order.numbr }}"\n')
    result = cli("validate", str(spec))
    assert result.exit_code == 2
    assert "sync.yaml:16: booking.your_ref: 'order.numbr' does not exist; did you mean order.number?" in result.stderr, result.stderr
    spec = write_spec(tmp_path, 'mapping:\n  gl_account: "{{ line.vat_rat }}"\n')
    result = cli("validate", str(spec))
    assert "mapping.gl_account: 'line.vat_rat' does not exist; did you mean line.tax_rate?" in result.stderr, result.stderr
