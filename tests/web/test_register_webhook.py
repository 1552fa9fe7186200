"""`runner validate --online --webhook URL` registers the shop's order webhooks to the desk
(POST /wc/v3/webhooks), once; the sandbox shop then pings the desk and delivers signed
order changes to it, which the desk books."""

from __future__ import annotations

from tests.web.conftest import with_hook_secret


def test_validate_registers_the_webhooks_once_and_shows_their_url(sync_box):
    box = sync_box(orders=2)
    with_hook_secret(box)
    first = box.run("validate", "--online", "--webhook", "https://desk.example.nl/")
    assert first.exit_code == 0, first.output
    url = f"https://desk.example.nl/hooks/{box.dir.name}"
    assert f"webhook order.updated delivers to {url} (registered now, #" in first.output
    assert {(h["topic"], h["delivery_url"]) for h in box.woo.webhooks} == {("order.created", url), ("order.updated", url)}
    again = box.run("validate", "--online", "--webhook", "https://desk.example.nl")
    assert f"webhook order.updated delivers to {url} (already registered, #" in again.output and len(box.woo.webhooks) == 2
    assert all(h["secret"] == "hook-secret-for-tests" for h in box.woo.webhooks)
    assert box.woo.pings == [(1, url, 0), (2, url, 0)]  # pinged; the sandbox calls nothing beyond 127.0.0.1


def test_validate_without_a_webhook_secret_or_online_says_what_to_do(sync_box):
    box = sync_box(orders=2)
    result = box.run("validate", "--online", "--webhook", "https://desk.example.nl")
    assert result.exit_code == 2 and "no woocommerce.webhook_secret" in result.output and "what to do: add `webhook_secret:" in result.output
    assert box.woo.webhooks == []
    result = box.run("validate", "--webhook", "https://desk.example.nl")
    assert result.exit_code == 2 and "add --online" in result.output


def test_the_sandbox_shop_pings_and_delivers_to_the_served_desk_which_books(served):
    from tests.web.test_desk_hooks import DEADLINE, completed_now

    box = served.demo.boxes["theehuis-amber"]
    spec = served.demo.specs["theehuis-amber"]
    from click.testing import CliRunner

    from runner.cli import main

    result = CliRunner().invoke(main, ["validate", str(spec), "--online", "--webhook", served.url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [status for _, _, status in box.woo.pings] == [200, 200]  # the desk answered WooCommerce's pings
    order = completed_now(box)
    assert box.woo.deliver(order["id"]) == [202]
    assert served.desk.wait_for_runs(1, DEADLINE)
    assert order["number"] in {str(e.get("YourRef")) for e in box.exact.entries.values()}
