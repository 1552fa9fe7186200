"""Validation that says the real thing (issue 23, point 9): the cause in the consultant's
words, the fix as it is to be written, one line per cause."""

from __future__ import annotations

import re

from tests.conftest import ROOT, write_spec


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


def test_a_misspelt_variable_fails_validate_naming_the_one_meant(cli, tmp_path, monkeypatch):
    for name in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET", "EXACT_CLIENT_SECRT"):
        monkeypatch.delenv(name, raising=False)
    path = write_spec(tmp_path, **{"${EXACT_CLIENT_SECRET}": "${EXACT_CLIENT_SECRT}"})
    (tmp_path / ".env").write_text("WOO_CONSUMER_KEY=ck\nWOO_CONSUMER_SECRET=cs\nEXACT_CLIENT_ID=id\nEXACT_CLIENT_SECRET=secret\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2, result.output
    assert "1 ${VAR} not set" in result.output
    assert "sync.yaml:12: ${EXACT_CLIENT_SECRT} is not set" in result.output
    assert "did you mean EXACT_CLIENT_SECRET (in .env)?" in result.output
    assert "--allow-missing-env" in result.output and ": valid" not in result.output

    allowed = cli("validate", str(path), "--allow-missing-env")
    assert allowed.exit_code == 0, allowed.output
    assert "note: " in allowed.output and "did you mean EXACT_CLIENT_SECRET (in .env)?" in allowed.output
    assert allowed.output.endswith("sync.yaml: valid\n")


def test_a_missing_variable_fails_validate_and_one_from_the_environment_is_named(cli, tmp_path, monkeypatch):
    for name in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    path = write_spec(tmp_path)
    woo = {"WOO_CONSUMER_KEY": "ck", "WOO_CONSUMER_SECRET": "cs", "EXACT_CLIENT_ID": "id"}
    result = cli("validate", str(path), env={**woo, "EXACT_CLIENT_SECRETS": "s"})
    assert result.exit_code == 2, result.output
    assert "${EXACT_CLIENT_SECRET} is not set" in result.output
    assert "did you mean EXACT_CLIENT_SECRETS (in the environment)?" in result.output
    complete = cli("validate", str(path), env={**woo, "EXACT_CLIENT_SECRET": "s"})
    assert complete.exit_code == 0 and complete.output.endswith("sync.yaml: valid\n")


def preset_without_9_percent() -> str:
    """The Dutch preset's VAT code mapping with the 9 % entry left out: one mistake."""
    preset = (ROOT / "mappings" / "nl-default.yaml").read_text()
    start = preset.index("  vat_code: >-")
    template = preset[start : preset.index("  # GL accounts", start)]
    assert "{'21': '2', '9': '1', '0': '0'}" in template
    return "mapping:\n" + template.replace("'9': '1', ", "")


def test_online_problems_are_told_once_per_cause_with_a_count_and_an_example(sync_box):
    box = sync_box(orders=40, extra=preset_without_9_percent())
    result = box.run("validate", "--online")
    assert result.exit_code == 2, result.output
    problems = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert len(problems) == 1, result.output  # one mistake, one line
    assert "dict object" not in result.output and "has no attribute" not in result.output
    line = problems[0]
    assert "mapping.vat_code: a table in the template has no entry '9'" in line and "add '9' to the table" in line
    assert re.search(r"\((\d+) orders? and 4 kind/rate combinations of the tax table; e\.g\. order \d+, product line '[^']+' at 9%", line), line
    assert re.search(r"error: .*sync\.yaml: 1 problem, found in \d+ orders? and 4 kind/rate combinations", result.output)


def test_online_checks_the_collective_account_as_written_and_as_the_orders_render_it(sync_box):
    box = sync_box(orders=8, extra='customers:\n  collective: "999"\n')
    result = box.run("validate", "--online")
    assert result.exit_code == 2, result.output
    assert "customers.collective: account '999' does not exist in this administration" in result.output
    assert "ready for the live services" not in result.output
    rendered = sync_box(orders=8, extra="customers:\n  collective: \"{{ '998' if order.number else '' }}\"\n")
    result = rendered.run("validate", "--online")
    assert result.exit_code == 2, result.output
    assert re.search(r"customers.collective: account '998' does not exist in this administration.* \(\d+ orders?; e\.g\. order \d+\)", result.output)
    existing = sync_box(orders=8, extra='customers:\n  collective: "2"\n')  # the sandbox's collective account
    result = existing.run("validate", "--online")
    assert result.exit_code == 0 and "ready for the live services" in result.output, result.output


def test_online_checks_every_journal_and_account_the_spec_names_even_with_no_orders(sync_box):
    extra = (
        'booking:\n  journal: "71"\n  status: paid\n  balance_sheet_accounts: ["1610", "1699"]\n  rounding: {account: "8991"}\n'
        'payments:\n  journal: "70"\n  gl_account: "1301"\n'
    )
    box = sync_box(orders=0, extra=extra)
    result = box.run("validate", "--online")
    assert result.exit_code == 2, result.output
    for said in (
        "booking.journal '71' does not exist in this administration",
        "booking.rounding.account '8991' does not exist in this administration",
        "booking.balance_sheet_accounts: '1699' does not exist in this administration",
        "payments.journal '70' is not a bank or cash journal in this administration",
        "payments.gl_account '1301' does not exist in this administration",
    ):
        assert said in result.output, (said, result.output)
    assert "5 problems in the spec's codes" in result.output


def test_online_checks_each_settlement_journal_is_a_bank_journal_and_its_accounts_exist(sync_box):
    extra = (
        "settlements:\n"
        '  mollie:\n    api_key: ""\n    journal: "70"\n    clearing_account: "1190"\n    fee_account: "4699"\n'
        '    fee_vat_code: "Z9"\n    differences_account: "4610"\n'
        '  stripe:\n    journal: "22"\n    clearing_account: "1190"\n    fee_account: "4600"\n    differences_account: "4610"\n'
    )
    box = sync_box(orders=0, extra=extra)
    result = box.run("validate", "--online")
    assert result.exit_code == 2, result.output
    for said in (
        "settlements.mollie.journal '70' is not a bank journal in this administration",
        "settlements.mollie.fee_account '4699' does not exist in this administration",
        "settlements.mollie.fee_vat_code 'Z9' does not exist in this administration",
    ):
        assert said in result.output, (said, result.output)
    assert "settlements.stripe" not in result.output  # a Stripe (PSP) journal with accounts that exist
