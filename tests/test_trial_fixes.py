"""A new-user trial of main (issue 23, "A consultant's second week"): what it still found, each
through the CLI against the sandbox."""

from __future__ import annotations

import re

from tests.conftest import write_spec

SECRETS = ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET", "EXACT_CLIENT_SECRT", "WOO_CONSUMER_KY")


def test_validate_tells_a_misspelt_key_field_and_variable_in_one_run(cli, tmp_path, monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    mistakes = 'booking:\n  jurnal: "70"\n  description: "{{ order.numbr }}"\n'
    path = write_spec(tmp_path, mistakes, **{"${EXACT_CLIENT_SECRET}": "${EXACT_CLIENT_SECRT}"})
    (tmp_path / ".env").write_text("WOO_CONSUMER_KEY=ck\nWOO_CONSUMER_SECRET=cs\nEXACT_CLIENT_ID=id\nEXACT_CLIENT_SECRET=secret\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2, result.output
    assert "3 problems" in result.output, result.output
    assert "did you mean 'journal'?" in result.output
    assert "did you mean order.number?" in result.output
    assert "sync.yaml:12: ${EXACT_CLIENT_SECRT} is not set" in result.output
    assert "did you mean EXACT_CLIENT_SECRET (in .env)?" in result.output
    assert "Traceback" not in result.output and "secret\n" not in result.output


def test_unset_variables_are_listed_in_file_order_with_their_line(cli, tmp_path, monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    path = write_spec(tmp_path, **{"${WOO_CONSUMER_KEY}": "${WOO_CONSUMER_KY}", "${EXACT_CLIENT_SECRET}": "${EXACT_CLIENT_SECRT}"})
    (tmp_path / ".env").write_text("WOO_CONSUMER_KEY=ck\nWOO_CONSUMER_SECRET=cs\nEXACT_CLIENT_ID=id\nEXACT_CLIENT_SECRET=secret\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2, result.output
    woo, exact = result.output.index("sync.yaml:6: ${WOO_CONSUMER_KY}"), result.output.index("sync.yaml:12: ${EXACT_CLIENT_SECRT}")
    assert woo < exact, result.output


def test_a_preview_of_one_order_says_exact_holds_it_as_a_preview_of_all_does(sync_box):
    box = sync_box(orders=30)
    assert box.run("run").exit_code == 0
    number, entry = min((int(e["YourRef"]), e) for e in box.exact.entries.values() if "/" not in e["YourRef"])
    shown = box.run("preview", "--order", str(number))
    assert shown.exit_code == 0, shown.output
    assert f"skipped order {number}: already in Exact (entry {entry['Journal'].strip()}/{entry['EntryNumber']})" in shown.output
    assert "0 document(s) from 0 order(s)" in shown.output


def test_the_report_tells_each_sanity_finding_once(sync_box):
    box = sync_box(orders=30, extra="customers:\n  vies: 'off'\n")  # reverse charge booked unchecked: a finding
    assert box.run("run").exit_code == 0
    period = ("--from", "2000-01-01", "--to", "2099-12-31")
    for fmt in ("table", "csv"):
        shown = box.run("report", *period, "--format", fmt)
        findings = [line for line in shown.output.splitlines() if "which VIES did not confirm" in line]
        assert findings, shown.output
        assert len(findings) == len(set(findings)), "\n".join(findings)


def test_accounts_search_takes_several_words_as_the_readme_writes_them(sync_box):
    box = sync_box(orders=0)
    result = box.run("accounts", "--search", "omzet", "hoog")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == ["8000"]


def test_accounts_name_each_type_or_say_it_is_not_in_exacts_documented_list(sync_box):
    box = sync_box(orders=0)
    result = box.run("accounts")
    assert result.exit_code == 0, result.output
    for line in result.output.splitlines()[1:]:
        if "type " in line:
            assert "(not in Exact's documented list)" in line, line
    assert "type 120 (not in Exact's documented list)" in result.output


def test_retry_with_nothing_failed_says_so_and_needs_no_secret(cli, tmp_path, monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    path = write_spec(tmp_path)
    result = cli("retry", str(path))
    assert result.exit_code == 0, result.output
    assert "nothing to retry: no order has failed" in result.output
    assert "not set" not in result.output and not (tmp_path / ".runner" / "state.json").exists()


def test_a_retry_that_fails_says_the_order_once_and_advises_the_fix_not_itself(sync_box):
    from tests.test_failures_dont_block import refused_orders

    box = sync_box(orders=0)
    [order] = refused_orders(box, 1)
    assert box.run("run").exit_code == 1
    again = box.run("retry")
    assert again.exit_code == 1, again.output
    assert f"order {order}: order {order}:" not in again.output, again.output
    [line] = [line for line in again.output.splitlines() if line.startswith(f"FAILED order {order}")]
    assert "runner retry" not in line, line


def test_a_failure_that_names_its_order_is_said_with_the_order_once(sync_box):
    from tests.test_invoice_discard import INVOICES, odd_discount_order

    box = sync_box(orders=0, extra=INVOICES, exact_options={"invoice_vat_override": False})
    order = odd_discount_order(box)["id"]
    for command in ("run", "retry"):
        result = box.run(command)
        assert result.exit_code == 1, result.output
        assert f"FAILED order {order}: Exact sums the open invoice" in result.output, result.output
        assert f"order {order}: order {order}" not in result.output
    assert "runner retry" not in result.output.split("FAILED", 1)[1].splitlines()[0]


def test_retry_of_an_order_that_has_not_failed_is_an_error_before_any_secret(cli, tmp_path, monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    result = cli("retry", str(write_spec(tmp_path)), "5009")
    assert result.exit_code == 2 and "order 5009 has not failed (no order has failed)" in result.output, result.output


def test_run_json_says_a_refused_shop_key_as_json_with_its_exit_code(sync_box):
    import json
    import re

    box = sync_box(orders=3)
    env = box.dir / ".env"
    env.write_text(re.sub(r"WOO_CONSUMER_KEY=.*", "WOO_CONSUMER_KEY=ck_wrong", env.read_text()))
    result = box.run("run", "--json")
    said = json.loads(result.stdout)
    assert result.exit_code == said["exit_code"] == 2, result.output  # docs/operations.md: a refused shop key is 2
    assert said["error"] and said["what_to_do"], said
    assert "ck_wrong" not in result.output


def test_an_unknown_option_suggests_only_a_close_one(cli, tmp_path):
    path = str(write_spec(tmp_path))
    bogus = cli("run", path, "--bogus")
    assert bogus.exit_code == 2 and "No such option '--bogus'." in bogus.output, bogus.output
    assert "Did you mean" not in bogus.output and "--jobs" not in bogus.output.splitlines()[0]
    assert "what to do:" in bogus.output
    close = cli("run", path, "--dryrun")
    assert close.exit_code == 2 and "Did you mean '--dry-run'?" in close.output, close.output


def test_products_dry_run_says_its_summary_in_one_tense(sync_box):
    box = sync_box(orders=3)
    looked = box.run("products", "--dry-run")
    assert looked.exit_code == 0, looked.output
    assert re.search(r"would create \d+, update \d+, leave \d+ unchanged", looked.output), looked.output
    assert "updated" not in looked.output


def test_products_with_push_false_refuses_in_the_sandbox_too_unless_told_yes(cli):
    from tests.conftest import ROOT

    refused = cli("products", str(ROOT / "sync.yaml"), "--sandbox")  # the preset: products.push false; no terminal
    assert refused.exit_code == 2, refused.output
    assert "products.push is false" in refused.output and "--yes" in refused.output and "what to do:" in refused.output
    pushed = cli("products", str(ROOT / "sync.yaml"), "--sandbox", "--yes")
    assert pushed.exit_code == 0, pushed.output
    assert re.search(r"created [1-9]\d* item\(s\)", pushed.output), pushed.output


def test_the_operations_guide_says_what_a_sandbox_run_books(cli):
    from tests.conftest import ROOT

    said = re.search(r"books (\d+) orders and (\d+) refunds \(as credit documents\)", (ROOT / "docs" / "operations.md").read_text())
    assert said, "docs/operations.md says what `runner run sync.yaml --sandbox` books"
    result = cli("run", str(ROOT / "sync.yaml"), "--sandbox")
    assert result.exit_code == 0, result.output
    assert f"booked {said[1]} order(s), {said[2]} credit document(s)" in result.output, result.output
