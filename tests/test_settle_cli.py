"""`runner settle` at the command line (issue 24 point 1): a dry run and `--to DIR` post
nothing, `--json` says what was booked and each balance, exit codes as every command's; a
spec without settlements: or a provider it does not name is a usage problem (exit 2)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from runner.cli import main
from tests.conftest import write_spec
from tests.settle_world import book_orders, world


def settle_cli(spec, *args: str):
    return CliRunner().invoke(main, ["settle", str(spec), *args], catch_exceptions=True)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    w = world(tmp_path_factory.mktemp("settle-cli"), orders=200)
    book_orders(w)
    yield w
    w.stop()


def test_a_dry_run_and_a_review_folder_post_nothing_and_show_each_payout(shop, tmp_path):
    dry = settle_cli(shop.spec, "--provider", "mollie", "--since", "2026-10-01", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would post payout 1234567.2610.01" in dry.output and "mollie: 0 payout(s) booked" not in dry.output
    folder = settle_cli(shop.spec, "--provider", "stripe", "--since", "2026-10-01", "--to", str(tmp_path / "review"))
    assert folder.exit_code == 0, folder.output
    written = sorted((tmp_path / "review").glob("stripe-*.json"))
    assert written and json.loads(written[0].read_text())["payload"]["BankEntryLines"]
    assert shop.exact.calls[("POST", "financialtransaction/BankEntries")] == 0


def test_json_says_what_was_booked_and_the_balances_then_a_second_run_books_nothing(shop):
    first = settle_cli(shop.spec, "--provider", "mollie", "--since", "2026-10-01", "--json")
    assert first.exit_code == 0, first.output
    (mollie,) = json.loads(first.output)["providers"]
    assert mollie["provider"] == "mollie" and mollie["booked"] and not mollie["failed"]
    assert mollie["journal"] == "23" and mollie["provider_balance"] is not None
    # every receipt is in its payout's entry, also of the orders a compacted ledger keeps only as finished (it once took them as paid)
    assert mollie["journal_balance"] == "0.00"
    # "settled" counts the payouts booked now; intents of earlier runs looked up in Exact are apart
    assert json.loads(first.output)["settled"] == len(mollie["booked"]) and json.loads(first.output)["looked_up"] == 0
    again_all = json.loads(settle_cli(shop.spec, "--provider", "mollie", "--since", "2026-10-01", "--json").output)
    again = again_all["providers"][0]
    assert again["booked"] == [] and again["before"] == len(mollie["booked"]) and again_all["settled"] == 0


def test_the_settlement_report_without_a_period_shows_the_month_of_the_latest_payout_and_says_so(shop):
    settle_cli(shop.spec, "--provider", "mollie", "--since", "2026-10-01")
    dated = CliRunner().invoke(main, ["report", str(shop.spec), "--settlements", "--provider", "mollie", "--format", "json"])
    days = [p["day"] for p in json.loads(dated.output)[0]["payouts"]]
    assert days, dated.output
    shown = CliRunner().invoke(main, ["report", str(shop.spec), "--settlements", "--provider", "mollie"])
    assert shown.exit_code == 0, shown.output
    month = max(days)[:7]  # the pinned world's last payout (November 2026), whatever today is
    assert shown.output.startswith(f"settlements {month}-01 .. ") and "the month of the latest payout" in shown.output
    assert all(day.startswith(month) for day in days) and f"Mollie (journal 23): {len(days)} payout(s)" in shown.output


def test_a_spec_without_settlements_or_naming_another_provider_is_told_what_to_do(tmp_path, shop):
    bare = settle_cli(write_spec(tmp_path), "--since", "2026-10-01")
    assert bare.exit_code == 2 and "no settlements: section" in bare.output and "what to do:" in bare.output
    text = shop.spec.read_text()
    only_mollie = tmp_path / "mollie.yaml"
    only_mollie.write_text(text[: text.index("  stripe:")])
    (tmp_path / ".env").write_text((shop.dir / ".env").read_text())
    other = settle_cli(only_mollie, "--provider", "paypal", "--since", "2026-10-01")
    assert other.exit_code == 2 and "no settlements.paypal" in other.output and "Traceback" not in other.output
    wrong = settle_cli(shop.spec, "--since", "1 oktober")
    assert wrong.exit_code == 2 and "YYYY-MM-DD" in wrong.output


def test_the_settlement_report_agrees_to_the_cent_then_names_a_difference_and_exits_1(shop):
    settle_cli(shop.spec, "--provider", "mollie", "--since", "2026-10-01")
    agreed = CliRunner().invoke(main, ["report", str(shop.spec), "--settlements", "--provider", "mollie", "--period", "2026-10"])
    assert agreed.exit_code == 0, agreed.output
    assert "agrees to the cent" in agreed.output and "fees 2026-10:" in agreed.output
    as_json = json.loads(
        CliRunner()
        .invoke(main, ["report", str(shop.spec), "--settlements", "--provider", "mollie", "--period", "2026-10", "--format", "json"])
        .output
    )
    assert as_json[0]["difference"] == "0.00" and as_json[0]["payouts"]
    # someone books a payout by hand in the Mollie journal: the journal no longer says what Mollie says
    from runner import spec as spec_module
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.ledger import Ledger

    spec = spec_module.load(shop.spec)
    with Ledger(shop.dir / ".runner" / "state.json") as ledger:
        sink = sink_from_spec(spec, ledger, store_from_spec(spec))
        line = {"GLAccount": sink.admin().gl_ids["1190"], "AmountFC": "-25.00", "Description": "Mollie by hand", "Date": "2026-10-20"}
        sink.api.post(
            "financialtransaction/BankEntries", {"JournalCode": "23", "OpeningBalanceFC": "0", "ClosingBalanceFC": "-25.00", "BankEntryLines": [line]}
        )
    differs = CliRunner().invoke(main, ["report", str(shop.spec), "--settlements", "--provider", "mollie", "--period", "2026-10"])
    assert differs.exit_code == 1 and "DIFFERENCE -25.00" in differs.output
    # settle's closing line is the same comparison: the same difference, and exit 1
    closing = settle_cli(shop.spec, "--provider", "mollie", "--since", "2026-10-01")
    assert closing.exit_code == 1 and "DIFFERENCE -25.00" in closing.output, closing.output


def test_settles_closing_line_agrees_where_the_report_does(shop):
    """Stripe holds what no payout holds yet, the journal none of it: no difference, as the report says."""
    closing = settle_cli(shop.spec, "--provider", "stripe", "--since", "2026-10-01")
    report = CliRunner().invoke(main, ["report", str(shop.spec), "--settlements", "--provider", "stripe", "--period", "2026-10"])
    assert report.exit_code == 0 and "agrees to the cent" in report.output, report.output
    assert closing.exit_code == 0 and "in no payout yet" in closing.output and "agrees to the cent" in closing.output, closing.output


def test_runner_run_settles_at_its_end_when_the_spec_has_settlements(tmp_path):
    from datetime import UTC, datetime

    w = world(tmp_path, orders=200, now=datetime.now(UTC))  # the runner's own clock: the last 31 days of payouts are settled
    try:
        first = CliRunner().invoke(main, ["run", str(w.spec), "--json"], catch_exceptions=False)
        assert first.exit_code == 0, first.output
        settled = json.loads(first.output)["settlements"]
        assert {p["provider"] for p in settled["providers"]} == {"mollie", "stripe", "paypal"}
        assert all(p["booked"] and not p["failed"] for p in settled["providers"]) and not settled["problems"], settled
        again = json.loads(CliRunner().invoke(main, ["run", str(w.spec), "--json"], catch_exceptions=False).output)["settlements"]
        assert all(not p["booked"] and p["before"] for p in again["providers"])
        plain = CliRunner().invoke(main, ["run", str(w.spec)], catch_exceptions=False)
        assert "settlements: mollie: 0 payout(s) booked" in plain.output
    finally:
        w.stop()


PAID = (
    "booking:\n  status: paid\npayments:\n  journal: \"{{ {'paypal': '21', 'ppcp-gateway': '21', 'stripe': '22'}"
    ".get(order.payment_method, '23' if order.payment_method.startswith('mollie') else '20') }}\"\n"
)


def test_with_receipts_booked_per_order_the_report_agrees_and_names_those_in_no_payout_yet(tmp_path):
    """booking.status: paid puts each receipt in the provider's journal when its order is
    booked; the payouts leave those out (never twice), and what no payout holds yet is named."""
    w = world(tmp_path, orders=320, extra=PAID)
    try:
        book_orders(w)
        settled = settle_cli(w.spec, "--provider", "mollie", "--since", "2026-10-01", "--json")
        assert settled.exit_code == 0, settled.output
        report = CliRunner().invoke(main, ["report", str(w.spec), "--settlements", "--provider", "mollie", "--period", "2026-10"])
        assert report.exit_code == 0 and "agrees to the cent" in report.output, report.output
        assert "receipts in the journal in no payout yet" in report.output
        mollie = [row for row in w.exact.bank_entries.values() if row["JournalCode"].strip() == "23"]
        tagged_rows = [row for row in mollie if any("[mollie:" in (x.get("Description") or "") for x in row["BankEntryLines"])]
        per_order = {line.get("OurRef") for row in mollie if row not in tagged_rows for line in row["BankEntryLines"]}
        receipts = [line for row in tagged_rows for line in row["BankEntryLines"] if line["GLAccountCode"].strip() == "1300"]
        in_payouts = {line.get("OurRef") for line in receipts if "chargeback" not in line["Description"]}
        assert not per_order & in_payouts  # a receipt the run booked is never booked again by a payout
    finally:
        w.stop()


def test_sandbox_books_the_demo_shop_then_its_payouts_and_ends_with_each_balance_beside_its_journal(tmp_path):
    spec = write_spec(tmp_path)  # no settlements: section: the sandbox's journals and accounts are used
    result = settle_cli(spec, "--sandbox")
    assert result.exit_code == 0, result.output
    for name, journal in (("mollie", "23"), ("stripe", "22"), ("paypal", "21")):
        assert f"{name}: " in result.output and f"(journal {journal})" in result.output
        assert f"  balance: {name} " in result.output and f"journal {journal} in Exact" in result.output
        assert f"sandbox {name}: holds " in result.output
    assert "FAILED" not in result.output and "Traceback" not in result.output
    # the demo's providers end after refunds that no payout holds yet: said, and the journals agree
    assert "DIFFERENCE" not in result.output and result.output.count("agrees to the cent") == 3, result.output
    assert all(f"note: {n} holds less than nothing" in result.output for n in re.findall(r"balance: (\w+) -", result.output))
    booked = [int(n) for n in re.findall(r"^(?:mollie|stripe|paypal): (\d+) payout\(s\) booked", result.output, re.M)]
    assert len(booked) == 3 and sum(booked) >= 3


def test_the_settlement_report_as_csv_has_a_row_per_fact_and_agrees_with_its_json(shop):
    import csv
    import io

    settle_cli(shop.spec, "--provider", "stripe", "--since", "2026-10-01")
    asked = ["report", str(shop.spec), "--settlements", "--provider", "stripe", "--period", "2026-10", "--format"]
    table = CliRunner().invoke(main, [*asked, "csv"])
    assert table.exit_code == 0, table.output
    rows = list(csv.DictReader(io.StringIO(table.output)))
    assert rows and list(rows[0]) == ["provider", "journal", "kind", "date", "reference", "amount", "fees", "note"]
    (stripe,) = json.loads(CliRunner().invoke(main, [*asked, "json"]).output)
    sums = ("provider_balance", "in_transit", "journal_balance", "unsettled", "difference")
    assert {row["kind"]: row["amount"] for row in rows if row["kind"] in sums} == {k: stripe[k] for k in sums}
    payouts = [(row["date"], row["reference"], row["amount"], row["fees"]) for row in rows if row["kind"] == "payout"]
    assert payouts == [(p["day"], p["payout"], p["amount"], p["fees"]) for p in stripe["payouts"]] and payouts
    assert {row["provider"] for row in rows} == {"stripe"} and {row["journal"] for row in rows} == {"22"}
    assert {row["date"]: row["amount"] for row in rows if row["kind"] == "fees"} == stripe["fees_per_month"]


def test_run_sandbox_never_settles_with_the_specs_real_providers(tmp_path, monkeypatch):
    """`run --sandbox` books a throwaway demo shop: the spec's settlements: point at the real
    providers (here a closed port on this machine), which a sandbox run must never ask; the
    payouts are `runner settle --sandbox`'s, which points them at simulated providers."""
    from tests.settle_world import settlements_yaml

    spec = write_spec(tmp_path)
    real = {name: "http://127.0.0.1:9" for name in ("mollie", "stripe", "paypal")}
    spec.write_text(spec.read_text() + settlements_yaml(real))
    for name in ("MOLLIE_KEY", "STRIPE_KEY", "PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET"):
        monkeypatch.setenv(name, "live_not_a_real_key_0000000000")
    result = CliRunner().invoke(main, ["run", str(spec), "--sandbox"], catch_exceptions=True)
    assert result.exit_code == 0, result.output
    assert "FAILED settlements" not in result.output and "127.0.0.1:9" not in result.output
    assert "runner settle --sandbox" in result.output  # where the payouts of a sandbox run are booked
