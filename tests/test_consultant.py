"""What a consultant meets on the way (issue 15): the small traps of the command line, said
plainly, with the spec's real path in every hint."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal

from click.testing import CliRunner

from runner.cli import main
from tests.conftest import write_spec


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def a_refused_order(box) -> dict:
    from runner.sandbox.woo.carts import Address, ProductLine

    june = datetime(2025, 6, 14, 11, 30)
    box.exact.close_period(2025, 6)
    return box.woo.place_order(
        lines=(ProductLine(188, "Espressobonen 1 kg", Decimal("24.20"), 2, sku="ESP-1KG"),),
        billing=Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl"),
        created=june,
        paid=june,
        completed=june,
        status="completed",
    )


def test_retry_of_an_order_that_has_not_failed_says_so(sync_box):
    box = sync_box(orders=8)
    refused = a_refused_order(box)
    assert box.run("run").exit_code == 1
    booked = next(o["id"] for o in box.due() if o["id"] != refused["id"])
    result = box.run("retry", "99999")
    assert result.exit_code == 2 and "booked 0" not in result.output
    assert "order 99999 has not failed" in result.output and f"failed orders: {refused['id']}" in result.output
    assert f"what to do: `runner run {box.spec} --order 99999`" in result.output
    result = box.run("retry", str(booked))
    assert result.exit_code == 2 and f"order {booked} is booked already" in result.output


def test_retry_with_nothing_failed_says_there_is_nothing_to_retry(sync_box):
    box = sync_box(orders=8)
    assert box.run("run").exit_code == 0
    posts = box.exact.calls.copy()
    result = box.run("retry")
    assert result.exit_code == 0 and "booked 0" not in result.output
    assert result.output.startswith("nothing to retry: no order has failed") and f"`runner run {box.spec}`" in result.output
    assert box.exact.calls == posts  # nothing was asked of Exact


def test_spec_defaults_to_sync_yaml_in_the_current_folder(sync_box, monkeypatch, tmp_path):
    box = sync_box(orders=8)
    monkeypatch.chdir(box.dir)
    assert invoke("run").exit_code == 0
    status = invoke("status")
    assert status.exit_code == 0 and "booked:" in status.output
    assert invoke("validate").output == "sync.yaml: valid\n"
    assert invoke("retry").output.startswith("nothing to retry")
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for command in ("status", "run", "validate", "preview", "retry", "auth", "divisions", "products"):
        result = invoke(command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.splitlines() == [
            f"error: no SPEC given, and there is no sync.yaml in {elsewhere}",
            f"what to do: name the spec (runner {command} path/to/sync.yaml), or run it in the spec's folder; `runner init` writes one",
        ]


def test_hints_name_the_spec_instead_of_a_placeholder(sync_box):
    box = sync_box(orders=8)
    a_refused_order(box)
    run = box.run("run")
    assert f"`runner retry {box.spec}`" in run.output and "SPEC" not in run.output
    (box.dir / ".runner" / "exact-token.json").unlink()
    status = box.run("status")
    assert f"`runner auth {box.spec}`" in status.output and "SPEC" not in status.output
    login = box.run("run")
    assert login.exit_code == 3 and f"runner auth {box.spec}" in login.output and "SPEC" not in login.output


def test_every_refuses_a_schedule_that_would_spend_exacts_daily_calls(tmp_path):
    spec = write_spec(tmp_path)
    result = invoke("run", str(spec), "--every", "10s")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --every 10s is too often for Exact: every run makes a call even when nothing is due, 8,640 a day "
        "of the 5,000 Exact allows per administration, and booking needs the rest",
        "what to do: schedule every 5m or more (288 idle calls a day at most; 15m is usual)",
    ]


GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_online_preview_shows_codes_and_descriptions_and_guids_only_with_payloads(sync_box):
    box = sync_box(orders=8)
    table = box.run("preview", "--limit", "3")
    assert table.exit_code == 0, table.output
    assert not GUID.search(table.output)
    assert "GL accounts" in table.output.splitlines()[0]
    assert re.search(r"^  GL   80\d\d  Omzet \w+", table.output, re.M) and re.search(r"^  VAT  \w+ +\w+", table.output, re.M)
    payloads = box.run("preview", "--limit", "3", "--payloads")
    assert GUID.search(payloads.output)


def test_a_dry_run_shows_a_readable_table_and_json_on_request(sync_box):
    box = sync_box(orders=12)
    result = box.run("run", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not GUID.search(result.output) and not any(line.startswith(("{", "[", "  ")) and '"' in line for line in lines)
    assert lines[0].split()[:3] == ["order", "date", "customer"] and "GL accounts" in lines[0]
    assert "  GL   8000  Omzet hoog tarief" in result.output and "  VAT  2     BTW hoog 21% excl" in result.output
    assert len(lines) < 40
    assert re.match(r"dry run, nothing posted: would book \d+ order\(s\)", lines[-1]), lines[-1]
    data = json.loads(box.run("run", "--dry-run", "--format", "json").output)
    assert data["would_post"] and GUID.search(json.dumps(data["would_post"]))
    payloads = box.run("run", "--dry-run", "--payloads")
    assert GUID.search(payloads.output)
    assert box.posts("salesentry/SalesEntries") == 0


def test_preview_json_names_every_order_it_looked_at(cli, tmp_path, sample_orders):
    from tests.conftest import DATA

    orders = [dict(o) for o in sample_orders]
    orders[1] = {**orders[1], "total": "99.99"}
    orders[2] = {**orders[2], "status": "on-hold"}
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(orders))
    spec, refunds = str(DATA / "specs" / "test.yaml"), str(DATA / "woo-sample-refunds.json")
    result = cli("preview", spec, "--orders-file", str(orders_file), "--refunds-file", refunds, "--format", "json")
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert {o["id"] for o in orders} == {item["order"] for item in items}
    failed = next(item for item in items if item["order"] == orders[1]["id"])
    assert set(failed) == {"order", "error"} and "99.99" in failed["error"]
    skipped = next(item for item in items if item["order"] == orders[2]["id"])
    assert skipped == {"order": orders[2]["id"], "skipped": "status 'on-hold' is not one of orders.statuses (completed, processing)"}
    table = cli("preview", spec, "--orders-file", str(orders_file), "--refunds-file", refunds)
    assert f"skipped order {orders[2]['id']}: status 'on-hold' is not one of orders.statuses" in table.stdout
    blobs = cli("preview", spec, "--orders-file", str(DATA / "woo-sample-orders.json"), "--refunds-file", refunds, "--payloads").stdout
    assert '"order": 4140,\n  "refund": 4150,' in blobs and '"order": 4101,\n  "endpoint"' in blobs


def test_progress_says_done_of_total_the_rate_and_the_time_left_at_exacts_pace():
    from runner.cli.progress import progress_line
    from runner.pipeline.progress import Tick

    tick = Tick(done=100, total=2000, elapsed=120, calls=130, left_today=4800, per_minute=60, booked=98, failed=2)
    assert tick.seconds_left() == 1900 * 1.3  # slower than the 50 a minute so far: Exact's minute limit sets the pace
    assert progress_line(tick) == (
        "booking: 100/2,000 orders, 98 booked, 2 failed; 50/min; about 41 min left at Exact's pace (60 calls a minute); 4,800 Exact calls left today"
    )
    short = Tick(done=100, total=2000, elapsed=120, calls=130, left_today=1000, per_minute=60, booked=100)
    assert progress_line(short).endswith("today's calls last for about 769 more; the next run after midnight UTC books the rest")
    assert progress_line(Tick(done=7, total=None, elapsed=0)) == "booking: 7 orders read, 0 booked, 0 failed"


def test_the_engine_reports_each_order_of_a_known_total(sync_box):
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.adapters.woo.source import source_from_spec
    from runner.ledger import Ledger
    from runner.pipeline import engine
    from runner.spec import check as spec_module

    box = sync_box(orders=30)
    spec = spec_module.load(box.spec)
    ticks = []
    with Ledger(box.dir / ".runner" / "state.json") as ledger:
        sink = sink_from_spec(spec, ledger, store_from_spec(spec))
        engine.Run(spec, source_from_spec(spec), sink, ledger, progress=ticks.append)()
    assert [t.done for t in ticks] == list(range(1, len(ticks) + 1))
    assert {t.total for t in ticks} == {len(ticks)}  # the shop said how many it lists, before the first was booked
    assert ticks[-1].booked == len(box.due()) and ticks[-1].calls > ticks[0].calls > 0
    assert ticks[-1].per_minute == 100_000 and ticks[-1].left_today is not None  # the sandbox's announced limits
    assert ticks[-1].remaining == 0 and ticks[0].seconds_left() is not None


def test_without_a_terminal_progress_is_plain_lines_with_the_total(sync_box):
    box = sync_box(orders=220)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("booking: ")]
    assert progress and re.match(r"booking: 100/\d{3} orders, \d+ booked, 0 failed; (?:[\d,]+/min; )?about .* left", progress[0]), progress
    assert "\r" not in result.output and "\033" not in result.output


def test_ctrl_c_during_a_run_says_what_was_booked_and_the_next_run_carries_on(sync_box):
    from tests.robust import assert_exactly_once

    box = sync_box(orders=30)
    posts = []

    def user_presses_ctrl_c(seconds: float) -> None:  # while Exact answers the fifth entry
        posts.append(seconds)
        if box.posts("salesentry/SalesEntries") == 5:
            raise KeyboardInterrupt

    server = box.box.exact_server
    server.host.sleep, server.faults.delay = user_presses_ctrl_c, 0.001
    result = CliRunner().invoke(main, ["run", str(box.spec)])
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == (
        "stopped: 4 order(s) booked before Ctrl-C; nothing half-done is lost: the next "
        f"`runner run {box.spec}` looks up what was under way and carries on, booking nothing twice"
    )
    server.faults.delay = 0
    again = box.run("run")
    assert again.exit_code == 0, again.output
    assert_exactly_once(box)


def _validate(tmp_path, monkeypatch, text: str):
    monkeypatch.chdir(tmp_path)
    for name in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET"):
        monkeypatch.setenv(name, "x")  # set: the problem under test alone (a ${VAR} set nowhere is one of its own)
    (tmp_path / "sync.yaml").write_text(text)
    return invoke("validate")


def test_validate_says_the_shop_needs_https_and_its_store_root(tmp_path, monkeypatch):
    spec = write_spec(tmp_path).read_text()
    plain = _validate(tmp_path, monkeypatch, spec.replace("https://winkel.example.nl", "http://winkel.example.nl"))
    assert plain.exit_code == 2 and plain.stderr.splitlines()[1] == (
        "  sync.yaml:5: woocommerce.url: 'http://winkel.example.nl' is plain http: the shop's address must be https "
        "(http only on 127.0.0.1 or localhost, for the sandbox)"
    )
    api = _validate(tmp_path, monkeypatch, spec.replace("https://winkel.example.nl", "https://winkel.example.nl/wp-json/wc/v3/"))
    assert api.exit_code == 2 and api.stderr.splitlines()[1] == (
        "  sync.yaml:5: woocommerce.url: 'https://winkel.example.nl/wp-json/wc/v3/' is the REST API's address; "
        "give the store root: https://winkel.example.nl"
    )
    region = _validate(tmp_path, monkeypatch, spec.replace("https://start.exactonline.nl", "https://start.exactonline.com.au"))
    assert region.stderr.splitlines()[1] == (
        "  sync.yaml:9: exact.base_url: 'https://start.exactonline.com.au' does not have the expected form (Region host: "
        "https://start.exactonline.nl (.be .de .co.uk .com .es .fr), or http://127.0.0.1:PORT for the sandbox)"
    )


def test_validate_of_an_empty_spec_says_so_in_one_line(tmp_path, monkeypatch):
    result = _validate(tmp_path, monkeypatch, "\n# nothing yet\n")
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        "error: sync.yaml is empty",
        "what to do: write the spec (see sync.yaml in the runner's repository), or let `runner init` write one",
    ]


def test_without_a_terminal_a_product_push_logs_plain_progress_lines(sync_box):
    box = sync_box(orders=2, extra="products:\n  push: true\n")
    result = box.run("products")
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("pushing: ")]
    total = sum(1 for p in box.woo.catalog.products if p["type"] != "variable") + sum(map(len, box.woo.catalog.variations.values()))
    assert progress and progress[0].startswith(f"pushing: 10/{total} products; ") and " left" in progress[0], result.output
    assert "\r" not in result.output and "\033" not in result.output


def test_ctrl_c_during_a_product_push_says_what_was_pushed_and_the_next_push_carries_on(sync_box):
    box = sync_box(orders=2, extra="products:\n  push: true\n")
    server = box.box.exact_server

    def user_presses_ctrl_c(seconds: float) -> None:  # while Exact answers the fifth new item
        if box.posts("logistics/Items") == 5:
            raise KeyboardInterrupt

    server.host.sleep, server.faults.delay = user_presses_ctrl_c, 0.001
    result = CliRunner().invoke(main, ["products", str(box.spec)])
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == (
        "stopped: 4 item(s) created and 0 updated before Ctrl-C; "
        f"the next `runner products {box.spec}` matches items on code and carries on, creating none twice"
    )
    server.faults.delay = 0
    again = box.run("products")
    codes = [i["Code"].strip() for i in box.exact.items.values()]
    assert again.exit_code == 0 and "created 20 item(s), updated 1" in again.output, again.output  # the fifth had no price yet
    assert len(codes) == len(set(codes)) and box.posts("logistics/Items") == 25


def test_a_long_report_shows_progress_in_plain_lines_and_keeps_json_clean(sync_box):
    from datetime import date

    box = sync_box(orders=220)
    assert box.run("run").exit_code == 0
    period = ("--from", "2000-01-01", "--to", date.today().isoformat())
    table = box.run("report", *period)
    progress = [line for line in table.output.splitlines() if line.startswith("report: ")]
    assert progress and re.match(r"report: 100/\d{3} shop orders", progress[0]), table.output
    assert json.loads(box.run("report", *period, "--format", "json").stdout)  # no progress in what a script reads


def test_ctrl_c_during_a_report_says_how_far_it_read(sync_box):
    from datetime import date

    box = sync_box(orders=30)
    server = box.box.woo_server

    def user_presses_ctrl_c(seconds: float) -> None:  # while the shop answers the first order's refunds
        if len(box.woo.log) == 3:
            raise KeyboardInterrupt

    server.host.sleep, server.faults.delay = user_presses_ctrl_c, 0.001
    result = CliRunner().invoke(main, ["report", str(box.spec), "--from", "2000-01-01", "--to", date.today().isoformat()])
    assert result.exit_code == 130
    listed = len([o for o in box.woo.orders.values() if o["status"] in ("completed", "processing", "refunded")])
    assert re.fullmatch(
        rf"stopped: \d+ of {listed} shop order\(s\) read before Ctrl-C; nothing was written anywhere; .*", result.stderr.splitlines()[-1]
    )
