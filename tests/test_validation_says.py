"""Validation that says the real thing (issue 23, point 9): the cause in the consultant's
words, the fix as it is to be written, one line per cause."""

from __future__ import annotations

from tests.conftest import write_spec


def test_an_unquoted_template_is_told_to_be_quoted(cli, tmp_path):
    path = write_spec(tmp_path, 'booking:\n  your_ref: {{ order.number }}\n  description: "{{ order.number }}"\n')
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert 'booking.your_ref: quote the template: your_ref: "{{ order.number }}"' in result.output
    assert "ScalarNode" not in result.output and "quote such a key" not in result.output
    assert "put the whole template in double quotes" in result.output


def test_an_unquoted_template_with_text_after_it_is_told_to_be_quoted_too(cli, tmp_path):
    path = write_spec(tmp_path, "booking:\n  your_ref: {{ order.number }} (shop)\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert 'quote the template: your_ref: "{{ order.number }} (shop)"' in result.output
    assert "not valid YAML" not in result.output
