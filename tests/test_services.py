"""The services layer as a library (issue 20 point 3): what the CLI, the dashboard and a
script call, each a function with typed options returning data, run against the sandbox."""

from __future__ import annotations

import pytest

from runner.errors import Busy, RunnerError, UsageError
from tests.test_failures_dont_block import refused_orders


def test_run_spec_books_the_shop_and_returns_what_it_did(sync_box):
    from runner.services.run import RunOptions, run_spec

    box = sync_box(orders=12)
    said: list[str] = []
    result = run_spec(str(box.spec), RunOptions(), say=said.append)
    assert result.exit_code == 0 and not result.interrupted
    assert sorted(result.report["booked"]) == sorted(o["id"] for o in box.due())
    assert len(box.documents()) == len(result.report["booked"]) + len(result.report["credits"])
    again = run_spec(str(box.spec), RunOptions())
    assert again.report["booked"] == [] and again.exit_code == 0


def test_a_dry_run_returns_what_it_would_post_and_books_nothing(sync_box):
    from runner.services.run import RunOptions, run_spec

    box = sync_box(orders=6)
    result = run_spec(str(box.spec), RunOptions(dry_run=True, limit=3))
    assert len(result.report["booked"]) == 3 and box.documents() == []
    documents = [p for p in result.would_post if p["step"] == "document"]
    assert len(documents) == 3 and len(result.documents) == 3
    assert any(kind == "gl" for kind, _ in result.names)  # the codes, named as the books name them
    assert box.ledger().runs() == []  # the ledger as it was


def test_run_spec_to_a_folder_writes_files_and_no_books(sync_box, tmp_path):
    from runner.services.run import RunOptions, run_spec

    box = sync_box(orders=4)
    result = run_spec(str(box.spec), RunOptions(to=str(tmp_path / "review")))
    written = sorted(p.name for p in (tmp_path / "review").glob("*.json") if p.name != "ledger.json")
    assert len(written) == len(result.report["booked"]) + len(result.report["credits"]) > 0
    assert box.documents() == []


def test_a_run_says_busy_when_another_holds_the_spec(sync_box):
    from runner.services.connect import lock_path, open_spec
    from runner.services.run import RunOptions, run_spec
    from runner.services.turns import turn

    box = sync_box(orders=2)
    spec = open_spec(box.spec)
    with turn(spec, lock_path(spec)), pytest.raises(Busy):
        run_spec(spec, RunOptions())


def test_status_of_many_specs_reads_each_without_a_call_and_names_one_that_cannot_be_read(sync_box, tmp_path):
    from runner.services.run import RunOptions, run_spec
    from runner.services.status import status_many

    booked, fresh = sync_box(orders=5), sync_box(orders=3)
    run_spec(str(booked.spec), RunOptions())
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nwoocommerce: [\n")
    calls = (sum(booked.exact.calls.values()), sum(fresh.exact.calls.values()))
    rows = status_many([booked.spec, fresh.spec, broken])
    assert [row.now for row in rows] == ["ok", "never run", "error"]
    assert [row.path for row in rows] == [str(booked.spec), str(fresh.spec), str(broken)]
    assert rows[0].booked_total == len(booked.due()) and rows[1].booked_total == 0
    assert "broken.yaml" in rows[2].error and "what to do:" in rows[2].error
    assert (sum(booked.exact.calls.values()), sum(fresh.exact.calls.values())) == calls  # the ledger only, never a service
    assert rows[0].as_dict()["last_run"]["booked"] == rows[0].last_run["booked"]


def test_retry_of_named_orders_books_those_now_and_says_when_nothing_failed(sync_box):
    from runner.services.retry import RetryOptions, retry_orders
    from runner.services.run import RunOptions, run_spec

    box = sync_box(orders=0)
    assert retry_orders(str(box.spec)).report is None  # nothing has failed
    first, second = refused_orders(box, 2)
    assert run_spec(str(box.spec), RunOptions()).exit_code == 1
    box.exact.open_period(2025, 6)
    result = retry_orders(str(box.spec), RetryOptions((first,)))
    assert result.report["booked"] == [first] and result.exit_code == 0
    assert [f["order"] for f in box.ledger().failures()] == [second]
    with pytest.raises(UsageError, match="is booked already"):
        retry_orders(str(box.spec), RetryOptions((first,)))


def test_adapters_are_chosen_by_name_and_an_unknown_name_says_which_exist(tmp_path):
    from runner import adapters
    from runner.adapters.folder import FolderSink

    assert isinstance(adapters.sink("folder", None, folder=tmp_path), FolderSink)
    with pytest.raises(RunnerError) as error:
        adapters.sink("sftp", None)
    assert "sftp" in error.value.message and "exact" in error.value.hint and "folder" in error.value.hint


def unasked(payload: dict) -> dict:
    """A payload without the lines' VIES note: a run asks VIES and notes the answer on a
    reverse-charge line, a preview asks no outside service."""
    lines = next(key for key in payload if key.endswith("Lines"))
    return {**payload, lines: [{k: v for k, v in line.items() if k != "Notes"} for line in payload[lines]]}


def test_a_preview_shows_what_a_dry_run_would_post_for_the_same_orders(sync_box):
    """A preview takes each document through the run's own pipeline against the dry sink:
    document for document the same payloads a dry run would send."""
    from runner.services.preview import PreviewOptions, preview_spec
    from runner.services.run import RunOptions, run_spec

    box = sync_box(orders=8, extra="booking:\n  status: paid\n")
    shown = preview_spec(str(box.spec), PreviewOptions(limit=4))
    dry = run_spec(str(box.spec), RunOptions(dry_run=True, limit=4))
    previewed = {item["order"]: unasked(item["payload"]) for item in shown.items if "payload" in item}
    posted = {p["order"]: unasked(p["payload"]) for p in dry.would_post if p.get("step") == "document" and "refund" not in p}
    assert previewed and previewed == {order: payload for order, payload in posted.items() if order in previewed}
    payments = [item["payment"] for item in shown.items if item.get("payment")]
    assert payments and all(p["payload"] for p in payments)  # paid: each document's payment entry, as a run writes it
    assert box.documents() == [] and box.ledger().runs() == []


def test_a_preview_from_an_orders_file_needs_no_service(tmp_path):
    from runner.services.preview import PreviewOptions, preview_spec
    from tests.conftest import DATA, write_spec

    spec = write_spec(tmp_path)
    shown = preview_spec(str(spec), PreviewOptions(orders_file=str(DATA / "woo-sample-orders.json"), limit=2))
    assert len({doc.order_id for doc, _ in shown.documents}) == 2 and not shown.failures


def test_the_vat_report_of_a_period_as_data(sync_box):
    from datetime import datetime

    from runner.services.report import ReportOptions, report_period
    from runner.services.run import RunOptions, run_spec

    box = sync_box(orders=10, start=datetime(2024, 3, 4, 9, 30))  # the shop's orders from then on, whatever today is
    run_spec(str(box.spec), RunOptions())
    first, end = "2024-03-01", "2025-02-28"
    ticks: list = []
    done = report_period(str(box.spec), ReportOptions(first, end), progress=ticks.append)
    assert done.exit_code == 0 and not done.reconciliation.differs, done.reconciliation.findings
    assert done.reconciliation.exact_documents == len(box.documents()) and done.reconciliation.rows
    assert ticks[-1] is None and ticks[0].what == "shop order"
    with pytest.raises(UsageError):
        report_period(str(box.spec), ReportOptions(end, first))


def test_validate_offline_names_unset_variables_and_online_checks_the_services(sync_box, monkeypatch):
    from runner.services.validate import ValidateOptions, validate_spec

    box = sync_box(orders=3)
    found = validate_spec(str(box.spec), ValidateOptions(online=True))
    assert found.problems == [] and any("division" in line for line in found.checked)
    (box.dir / ".env").write_text("")
    for name in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    unset = validate_spec(str(box.spec)).unset
    assert any("WOO_CONSUMER_KEY" in line for line in unset)


def test_a_dashboards_specs_are_read_again_only_when_a_file_of_theirs_changed(sync_box):
    import os

    from runner.services.status import Specs, status_many

    box = sync_box(orders=2)
    specs = Specs()
    first = specs(box.spec)
    assert specs(box.spec) is first  # unchanged: not read again
    assert status_many([box.spec], specs=specs)[0].now == "never run"
    text = box.spec.read_text()
    box.spec.write_text(text.replace("version: 1", "version: 1\nwoocommerce_typo: 1"))
    stat = box.spec.stat()
    os.utime(box.spec, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a save within the same tick shows too
    row = status_many([box.spec], specs=specs)[0]
    assert row.now == "error" and "woocommerce_typo" in row.error
    (box.dir / ".env").write_text((box.dir / ".env").read_text() + "# touched\n")
    box.spec.write_text(text)
    assert specs(box.spec) is not first and status_many([box.spec], specs=specs)[0].now == "never run"


def test_products_are_planned_by_a_dry_run_and_then_pushed(sync_box):
    from runner.services.products import ProductsOptions, push_products

    box = sync_box(orders=2)
    planned = push_products(str(box.spec), ProductsOptions(dry_run=True))
    assert planned.exit_code == 0 and planned.planned and planned.report.rows
    assert not box.exact.calls[("POST", "logistics/Items")]  # a dry run writes nothing
    pushed = push_products(str(box.spec))
    assert pushed.exit_code == 0 and sorted(pushed.report.created) == sorted(planned.report.created)
    assert box.exact.calls[("POST", "logistics/Items")] == len(pushed.report.created) > 0
    again = push_products(str(box.spec), ProductsOptions(dry_run=True))
    assert again.report.created == [] and again.report.unchanged >= len(pushed.report.created)
