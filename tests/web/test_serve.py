"""`runner serve` as a command: what it says without its login token or its extra, and the
demo desk served on a real socket."""

from __future__ import annotations

import sys

import httpx
from click.testing import CliRunner

from runner.cli import main
from tests.web.conftest import SECRET, TOKEN


def serve(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["serve", *args], env=env, catch_exceptions=False)


def test_serve_without_a_token_says_how_to_make_one(sync_box):
    box = sync_box(orders=2)
    result = serve(str(box.spec), env={"RUNNER_SERVE_TOKEN": ""})
    assert result.exit_code == 2
    assert "error: RUNNER_SERVE_TOKEN is not set" in result.output and "what to do: export RUNNER_SERVE_TOKEN=" in result.output
    result = serve(str(box.spec), env={"RUNNER_SERVE_TOKEN": "short"})
    assert result.exit_code == 2 and "RUNNER_SERVE_TOKEN is too short" in result.output


def test_serve_without_the_web_extra_says_how_to_install_it(sync_box, monkeypatch):
    box = sync_box(orders=2)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as on a machine without the extra
    result = serve(str(box.spec), env={"RUNNER_SERVE_TOKEN": TOKEN})
    assert result.exit_code == 2 and "the desk needs the web extra" in result.output and 'pip install "woo-exact-runner[web]"' in result.output


def test_serve_names_a_glob_that_matches_nothing_and_a_bad_interval(tmp_path, sync_box):
    box = sync_box(orders=2)
    result = serve(str(tmp_path / "clients" / "*.yaml"), env={"RUNNER_SERVE_TOKEN": TOKEN})
    assert result.exit_code == 2 and "matches no spec" in result.output
    result = serve(str(box.spec), "--every", "often", env={"RUNNER_SERVE_TOKEN": TOKEN})
    assert result.exit_code == 2 and "--every 'often' is not an interval" in result.output


def test_the_demo_desk_on_a_socket_shows_three_clients_one_failing(served):
    rows = httpx.get(served.url + "/", headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}).json()
    assert [r["state"] for r in rows] == ["failing", "login expiring", "ok"]
    assert {r["name"] for r in rows} == {"bakkerij-de-zon", "fietsenwinkel-noord", "theehuis-amber"}
    assert rows[0]["first_failure"] == "Periode is afgesloten"  # Exact's words (the sandbox's) for the closed month
    assert SECRET not in httpx.get(served.url + "/clients/fietsenwinkel-noord", headers={"Authorization": f"Bearer {TOKEN}"}).text


def test_the_demo_desk_books_a_webhooks_order_on_a_socket(served):
    """A delivery to the served desk: the demo shops' history ends before now, so an order
    completed now is after the last run's cursor and the run it starts books it."""
    import json

    from runner.web.hooks import signature
    from tests.web.test_desk_hooks import DEADLINE, completed_now

    box = served.demo.boxes["bakkerij-de-zon"]
    order = completed_now(box)
    body = json.dumps(order).encode()
    answer = httpx.post(served.url + "/hooks/bakkerij-de-zon", content=body, headers={"X-WC-Webhook-Signature": signature(body, SECRET)})
    assert answer.status_code == 202
    assert served.desk.wait_for_runs(1, DEADLINE)
    assert order["number"] in {str(e.get("YourRef")) for e in box.exact.entries.values()}
