"""A hostile spec (issue 12, the spec and template side): whatever a sync.yaml, its presets
and its templates hold, no command hangs, runs out of memory, shows a traceback or prints a
secret. Each case ends in one message that says what to do, exit 2 for the spec."""

from __future__ import annotations

import base64

from runner.redact import redact
from runner.spec import check as spec_module
from tests.conftest import write_spec

SECRET = "MyVerySecretClientSecret"
HOOK = "http://hooks.example.com/services/T0/B0/xoxb-hook-token-123"


def test_a_variable_quoted_by_a_schema_error_is_blanked(cli, tmp_path):
    # the client secret's variable under the wrong key, and a webhook whose URL the schema refuses
    path = write_spec(tmp_path, "booking:\n  target: ${EXACT_CLIENT_SECRET}\nnotify:\n  webhook: ${HOOK_URL}\n")
    result = cli("validate", str(path), env={"EXACT_CLIENT_SECRET": SECRET, "HOOK_URL": HOOK})
    assert result.exit_code == 2, result.output
    assert "booking.target: '***' is not one of sales_entry, sales_invoice" in result.output
    assert "notify.webhook: '***'" in result.output
    assert SECRET not in result.output and "xoxb-hook-token" not in result.output


def test_a_variable_inside_the_shop_url_is_blanked_when_the_shop_cannot_be_reached(sync_box):
    box = sync_box(orders=2)
    with (box.dir / ".env").open("a") as env:
        env.write("SHOP_PATH=winkel-geheim-8d7f\n")
    box.spec.write_text(box.spec.read_text().replace(f"url: {box.box.woo_url}", f"url: {box.box.woo_url}/${{SHOP_PATH}}"))
    box.box.woo_server.transport.closed = True
    result = box.run("run")
    assert result.exit_code == 1, result.output
    assert f"cannot reach the shop at {box.box.woo_url}/***/wp-json/wc/v3" in result.output
    assert "winkel-geheim" not in result.output


def test_the_shops_key_and_secret_are_blanked_as_basic_auth_sends_them(tmp_path):
    spec = spec_module.load(write_spec(tmp_path), environ={"WOO_CONSUMER_KEY": "ck_0123456789", "WOO_CONSUMER_SECRET": "cs_9876543210"})
    header = "Basic " + base64.b64encode(b"ck_0123456789:cs_9876543210").decode()
    assert redact(f"401: the Authorization header {header} is not valid", spec.secrets) == "401: the Authorization header Basic *** is not valid"
