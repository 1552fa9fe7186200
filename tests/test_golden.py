"""Golden files pin the preview output for the sample orders and refund.
Regenerate after an intended change with: UPDATE_GOLDEN=1 pytest tests/test_golden.py"""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import DATA, ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = {"sample-entries-sent": "test.yaml", "sample-invoices-paid": "test-invoice-paid.yaml"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_preview_json_matches_the_golden_file(cli, name):
    result = cli(
        "preview",
        str(DATA / "specs" / CASES[name]),
        "--orders-file",
        str(DATA / "woo-sample-orders.json"),
        "--refunds-file",
        str(DATA / "woo-sample-refunds.json"),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    produced = json.loads(result.output)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(produced, indent=2, ensure_ascii=False) + "\n")
    assert produced == json.loads(golden.read_text())


def test_the_golden_entries_balance_to_the_woocommerce_totals(sample_orders, sample_refunds):
    """Independent of the code under test: each golden document sums to the order total."""
    totals = {o["id"]: o["total"] for o in sample_orders}
    refunds = {r["id"]: r["amount"] for rs in sample_refunds.values() for r in rs}
    from decimal import Decimal as D

    for item in json.loads((GOLDEN / "sample-entries-sent.json").read_text()):
        lines = item["payload"]["SalesEntryLines"]
        booked = sum(D(l["AmountFC"]) + D(l.get("VATAmountFC", "0")) for l in lines)
        expected = -D(refunds[item["refund"]]) if "refund" in item else D(totals[item["order"]])
        assert booked == expected, item["order"]


def test_table_preview_shows_each_document_and_vat_per_code(cli):
    result = cli(
        "preview",
        str(DATA / "specs" / "test.yaml"),
        "--orders-file",
        str(DATA / "woo-sample-orders.json"),
        "--refunds-file",
        str(DATA / "woo-sample-refunds.json"),
        "--order",
        "4140",
        "--order",
        "4101",
    )
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert rows[0].split() == ["order", "date", "customer", "total", "VAT", "per", "code", "GL", "accounts", "lines", "document"]
    assert any(r.startswith("4101 ") and "69.23" in r and "2: 8.61, 1: 1.62" in r for r in rows)
    assert any(r.startswith("4140 r4150") and "-18.15" in r and "credit entry" in r for r in rows)
    assert "3 document(s) from 2 order(s)" in rows[-1]


def test_preview_filters_on_status_and_since_and_says_why(cli, tmp_path):
    spec = tmp_path / "sync.yaml"
    spec.write_text(
        (DATA / "specs" / "test.yaml")
        .read_text()
        .replace("statuses: [processing, completed]", "statuses: [completed]\n  since: 2024-07-01")
        .replace("mappings/nl-default.yaml", "nl-default")
    )
    result = cli("preview", str(spec), "--orders-file", str(DATA / "woo-sample-orders.json"), "--order", "4101", "--order", "4120", "--order", "4140")
    assert result.exit_code == 0, result.output
    assert "skipped order 4101: status 'processing' is not one of orders.statuses (completed)" in result.output
    assert (
        "skipped order 4120: sale dated 2024-06-04, before orders.since (2024-07-01)" in result.output
    )  # its entry date: completed the day after it was created
    assert "1 document(s) from 1 order(s)" in result.output


def test_limit_and_yaml_format(cli):
    result = cli(
        "preview", str(DATA / "specs" / "test.yaml"), "--orders-file", str(DATA / "woo-sample-orders.json"), "--limit", "1", "--format", "yaml"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("- order: 4101\n  endpoint: salesentry/SalesEntries\n")
    assert "order: 4120" not in result.output


def test_a_failing_order_is_reported_and_the_others_still_shown(cli, tmp_path, sample_orders):
    broken = [dict(o) for o in sample_orders]
    broken[1] = {**broken[1], "total": "99.99"}
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(broken))
    result = cli("preview", str(DATA / "specs" / "test.yaml"), "--orders-file", str(orders_file), "--format", "json")
    assert result.exit_code == 1
    documents = json.loads(result.stdout)
    assert [d["order"] for d in documents] == [4101, 4120, 4140]
    assert "99.99" in documents[1]["error"] and "payload" not in documents[1]  # named with its reason, nothing to post
    assert "FAILED order 4120" in result.stderr and "99.99" in result.stderr


def test_an_unreadable_orders_file_is_a_clear_error(cli, tmp_path):
    bad = tmp_path / "orders.json"
    bad.write_text("{not json")
    result = cli("preview", str(DATA / "specs" / "test.yaml"), "--orders-file", str(bad))
    assert result.exit_code == 2 and "is not valid JSON or YAML" in result.output and "Traceback" not in result.output
