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
