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


def test_a_bare_runner_shows_the_help_not_an_error(cli):
    result = cli()
    assert "Commands:" in result.output and "error:" not in result.output


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


def test_accounts_lists_the_administrations_gl_accounts_and_which_the_spec_uses(sync_box):
    box = sync_box(orders=0)
    result = box.run("accounts")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    assert result.output.splitlines()[0].split() == ["code", "description", "type", "used", "by", "the", "spec"]
    assert "Afrondingsverschillen" in rows["8990"] and "revenue" in rows["8990"] and "booking.rounding.account" in rows["8990"]
    assert "payments.gl_account" in rows["1300"] and "mapping.gl_account" in rows["8050"]
    assert "booking.balance_sheet_accounts" in rows["1610"] and "mapping.gl_account" in rows["1610"]
    assert "mapping" not in rows["4000"] and "booking" not in rows["4000"]


def test_accounts_search_and_json(sync_box):
    import json

    box = sync_box(orders=0)
    result = box.run("accounts", "--search", "OMZET hoog revenue")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == ["8000"]
    listed = json.loads(box.run("accounts", "--json", "--search", "1300").output)
    assert listed == [
        {"code": "1300", "description": "Debiteuren", "type": "accounts receivable", "type_code": 20, "used_by": ["payments.gl_account"]}
    ]
    none = box.run("accounts", "--search", "zzz")
    assert none.exit_code == 0 and "no GL account matches 'zzz'" in none.output


def test_accounts_with_the_embedded_sandbox(cli):
    from tests.conftest import ROOT

    result = cli("accounts", str(ROOT / "sync.yaml"), "--sandbox", "--search", "8990")
    assert result.exit_code == 0, result.output
    assert "8990" in result.output and "Afrondingsverschillen" in result.output


def test_a_daily_summary_preview_names_a_failed_summary_once_and_counts_it(tmp_path, cli):
    import json
    from datetime import datetime

    from tests.test_daily_summary import DAILY, mixed_day

    orders = mixed_day(datetime(2025, 3, 4, 8))
    orders[1]["currency"] = "USD"  # two currencies in one day's journal: no summary can be made
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(orders))
    result = cli("preview", str(write_spec(tmp_path, DAILY)), "--orders-file", str(path))
    assert result.exit_code == 1
    told = (result.stdout + result.stderr).count("FAILED summary WC 2025-03-04")
    assert told == 1, result.output
    assert "; 1 failed" in result.stdout and "0 failed" not in result.stdout, result.stdout


def test_a_json_preview_at_its_limit_says_how_many_more_are_due(sync_box):
    import json

    box = sync_box(orders=40)
    due = len(box.due())
    items = json.loads(box.run("preview", "--format", "json").stdout)
    assert items[-1] == {"more_due": due - 25, "what_to_do": "--limit to see more"}
    assert len({item["order"] for item in items[:-1]}) == 25
    every = json.loads(box.run("preview", "--format", "json", "--limit", "1000").stdout)
    assert not any("more_due" in item for item in every)


def machine_in(zone: str, monkeypatch):
    import time

    monkeypatch.setenv("TZ", zone)
    time.tzset()


@pytest.fixture
def utc_machine(monkeypatch):
    """A server that runs in UTC, as most do: the consultant still reads the shop's time."""
    import time

    machine_in("UTC", monkeypatch)
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def test_status_and_the_waiting_line_show_the_shops_local_time_with_its_zone(sync_box, utc_machine):
    import re

    from tests.test_failures_dont_block import refused_orders

    box = sync_box(orders=0, extra="")
    box.spec.write_text(box.spec.read_text().replace("woocommerce:\n", "woocommerce:\n  timezone: America/New_York\n", 1))
    refused_orders(box, 2)
    assert box.run("run").exit_code == 1
    again = box.run("run").output
    assert re.search(r"the next retry is due at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T", again), again
    shown = box.run("status").output
    last = next(line for line in shown.splitlines() if line.startswith("last run: "))
    assert re.search(r"started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T, ended .* E[SD]T", last), last
    assert "UTC" not in shown and "+00:00" not in shown, shown


def test_every_says_when_the_next_round_is_in_the_shops_time(sync_box, utc_machine, monkeypatch):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import runner.cli.runs as runs

    box = sync_box(orders=2)

    def stop(seconds):  # the wait between rounds: the test ends the loop there, as Ctrl-C would
        raise KeyboardInterrupt

    monkeypatch.setattr(runs.time, "sleep", stop)
    before = datetime.now(ZoneInfo("Europe/Amsterdam"))
    result = box.run("run", "--every", "30m")
    after = datetime.now(ZoneInfo("Europe/Amsterdam"))
    assert result.exit_code == 130, result.output
    expected = {(moment + timedelta(minutes=30)).strftime("%H:%M %Z") for moment in (before, after)}
    said = [line for line in result.output.splitlines() if "next round" in line]
    assert len(said) == 1 and any(f"next round at {when} (every 30m)" in said[0] for when in expected), result.output


def test_a_table_lookup_that_finds_nothing_is_said_in_the_consultants_words(cli, tmp_path):
    from tests.conftest import DATA

    lookup = "mapping:\n  gl_account: \"{{ {'product': '8000', 'shipping': '8050'}[line.kind] }}\"\n"
    result = cli("preview", str(write_spec(tmp_path, lookup)), "--orders-file", str(DATA / "woo-sample-orders.json"))
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("FAILED order 4120")]
    said = "mapping.gl_account: a table in the template has no entry 'discount' (it looks up line.kind); add 'discount' to the table"
    assert failed and said in failed[0], failed
    assert ", or give a default: .get(line.kind, '...'); what to do: fix the template mapping.gl_account in the spec" in failed[0]
    for jinja in ("dict object", "has no attribute", "UndefinedError", "jinja"):
        assert jinja not in result.output


def test_status_counts_what_the_run_said_booked_failed_and_waiting(sync_box):
    import re

    from tests.test_failures_dont_block import refused_orders

    box = sync_box(orders=12)
    refused_orders(box, 3)
    run = box.run("run")
    assert run.exit_code == 1
    booked, failed = map(int, re.search(r"booked (\d+) order\(s\)[^;]*; skipped \d+; failed (\d+)", run.output).groups())
    again = box.run("run")
    waiting = int(re.search(r"(\d+) waiting to retry", again.output).group(1))
    shown = box.run("status").output
    assert f"booked: {booked} order(s)" in shown, (run.output, shown)
    assert f"failed: {failed} order(s)" in shown and waiting == failed == 3, shown
    last = next(line for line in shown.splitlines() if line.startswith("last run: "))
    assert "booked 0, failed 0" in last or f"booked 0, failed {failed}" in last, last  # the second run: it booked none


def test_products_dry_run_is_a_table_of_what_would_happen_and_json_keeps_the_payloads(sync_box):
    import json
    from decimal import Decimal as D

    box = sync_box(orders=0, extra="products:\n  push: true\n")
    catalog = box.woo.catalog
    assert box.run("products").exit_code == 0  # every item there, as the shop has it
    product = next(p for p in catalog.products if p.get("sku") and p["type"] == "simple")
    box.woo.edit_product(product["id"], regular_price=str(D(product["regular_price"] or "1") + 1))
    items = dict(box.exact.items)
    looked = box.run("products", "--dry-run")
    assert looked.exit_code == 0, looked.output
    assert box.exact.items == items  # nothing written
    lines = [line for line in looked.output.splitlines() if not line.startswith("dry run: ")]  # the progress lines
    assert lines[0].split() == ["code", "description", "price", "tax", "class", "would"]
    assert not any(line.startswith(("POST ", "PUT ")) for line in lines)
    rows = {line.split()[0]: line for line in lines[1:] if line and not line.startswith("dry run, ")}
    assert rows[product["sku"]].rstrip().endswith("update"), rows[product["sku"]]
    assert sum(row.rstrip().endswith("unchanged") for row in rows.values()) == len(rows) - 1
    payloads = json.loads(box.run("products", "--dry-run", "--json").output)
    assert [(p["method"], p["path"]) for p in payloads][0][0] in ("PUT", "POST")
    assert all(set(p) == {"method", "path", "payload"} for p in payloads)
