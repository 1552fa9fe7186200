"""A hostile spec (issue 12, the spec and template side): whatever a sync.yaml, its presets
and its templates hold, no command hangs, runs out of memory, shows a traceback or prints a
secret. Each case ends in one message that says what to do, exit 2 for the spec."""

from __future__ import annotations

import base64

import pytest

from runner.errors import TemplateFailure
from runner.spec import check as spec_module
from runner.spec.templates import Templates
from runner.support.redact import redact
from tests.conftest import DATA, ROOT, write_spec

SECRET = "MyVerySecretClientSecret"
HOOK = "http://hooks.example.com/services/T0/B0/xoxb-hook-token-123"


def test_a_variable_quoted_by_a_schema_error_is_blanked(cli, tmp_path):
    # the client secret's variable under the wrong key, and a webhook whose URL the schema refuses
    path = write_spec(tmp_path, "booking:\n  target: ${EXACT_CLIENT_SECRET}\nnotify:\n  webhook: ${HOOK_URL}\n")
    result = cli("validate", "--allow-missing-env", str(path), env={"EXACT_CLIENT_SECRET": SECRET, "HOOK_URL": HOOK})
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


COSTLY = {
    # name: (template, what its failure says)
    "nested loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "more than 100,000 loop rounds and calls",
    ),
    "calls that double": (
        "{% macro twice(n) %}{% if n %}{{ twice(n - 1) }}{{ twice(n - 1) }}{% endif %}{% endmacro %}{{ twice(40) }}",
        "more than 100,000 loop rounds and calls",
    ),
    "endless calls": ("{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}", "calls itself without end"),
    "power": ("{{ 9 ** 999999999 }}", "a number of more than 10,000 bits (9 ** 999999999)"),
    "repeated text": ("{{ 'x' * 1000000000 }}", "builds more than 1,000,000 characters ('x' * 1000000000)"),
    "wide filter": ("{{ 'x' | center(999999999) }}", "builds more than 1,000,000 characters (the filter center)"),
    "sliced": ("{{ [1] | slice(999999999) | list }}", "builds more than 1,000,000 characters (the filter slice)"),
    "wide %": ("{{ '%0999999999d' % 1 }}", "builds more than 1,000,000 characters ('%0999999999d' % 1)"),
    "wide format": ("{{ '{:>999999999}'.format(1) }}", "builds more than 1,000,000 characters (str.format)"),
    "doubling ~": (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "builds more than 1,000,000 characters (~ or the filter join)",
    ),
    "written in a loop": (
        "{% set x = 'x' * 100 %}{% set s %}{% for i in range(99999) %}{{ x }}{% endfor %}{% endset %}{{ s | length }}",
        "builds more than 1,000,000 characters (what it writes)",
    ),
}


@pytest.mark.parametrize("name", COSTLY)
def test_a_costly_template_is_refused_by_validate_at_once_and_fails_where_it_renders(name):
    source, words = COSTLY[name]
    # validate renders every template once on a worst-case order, under the same bounds (issue 21),
    # and Jinja computes constant expressions as it compiles; the clock of the rendering below
    # stands still, so a busy machine meets the bound under test, never the deadline
    templates = Templates(clock=lambda: 0.0)
    [refused] = templates.check("booking.description", source, ["order"])
    assert words.split(" (")[0] in refused and "on a large order" in refused and "make the template simpler" in refused
    with pytest.raises(TemplateFailure) as caught:
        templates.render("booking.description", order={"number": "1042"})
    assert caught.value.message.startswith("booking.description: ")
    assert words in caught.value.message
    assert "make the template simpler" in caught.value.hint


def test_a_template_that_renders_too_long_stops_at_its_deadline():
    now = [0.0]

    def clock() -> float:  # a machine so slow that every loop round takes a second
        now[0] += 1
        return now[0]

    templates = Templates(clock=clock)
    assert templates.check("k", "{% for i in range(5) %}{{ i }}{% endfor %}", ["order"]) == []
    with pytest.raises(TemplateFailure, match="takes longer than 2 s to render"):
        templates.render("k", order={})


def test_validate_never_computes_a_template_and_a_costly_one_fails_only_its_order(cli, tmp_path):
    nested = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    description = f"{{% if order.number == '4120' %}}{nested}{{{{ 9 ** 999999999 }}}}{{% endif %}}Order {{{{ order.number }}}}"
    path = write_spec(tmp_path, f'booking:\n  description: "{description}"\n')
    assert cli("validate", "--allow-missing-env", str(path)).exit_code == 0
    result = cli("preview", str(path), "--orders-file", str(DATA / "woo-sample-orders.json"))
    assert result.exit_code == 1, result.output
    assert "FAILED order 4120: booking.description: the template takes more than 100,000 loop rounds and calls" in result.output
    assert "4101 " in result.output and "4140 " in result.output  # the other orders preview as ever


def test_extends_takes_files_under_the_specs_folder_and_bundled_presets_only(cli, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secrets.yaml").write_text("booking:\n  target: the-contents-of-a-file-elsewhere\n")
    client = tmp_path / "client"
    (client / "presets").mkdir(parents=True)
    (client / "presets" / "ours.yaml").write_text((ROOT / "mappings" / "nl-default.yaml").read_text())
    (client / "link.yaml").symlink_to(elsewhere / "secrets.yaml")
    for ref in (str(elsewhere / "secrets.yaml"), "../elsewhere/secrets.yaml", "link.yaml"):
        result = cli("validate", "--allow-missing-env", str(write_spec(client, **{"mappings/nl-default.yaml": ref})))
        assert result.exit_code == 2, result.output
        assert f"extends: '{ref}' is outside the spec's folder" in result.output
        assert "the-contents-of-a-file-elsewhere" not in result.output
    for ref in ("presets/ours.yaml", str(client / "presets" / "ours.yaml"), "nl-default", "mappings/nl-default.yaml"):
        assert cli("validate", "--allow-missing-env", str(write_spec(client, **{"mappings/nl-default.yaml": ref}))).exit_code == 0, ref


@pytest.mark.parametrize(
    "webhook, address",
    [
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://2852039166/latest/meta-data/", "169.254.169.254"),  # the same address as one number
        ("https://[::ffff:169.254.169.254]/", "169.254.169.254"),
        ("https://[fe80::1]/hook", "fe80::1"),
    ],
)
def test_a_link_local_webhook_is_refused_unless_the_spec_allows_it(cli, tmp_path, webhook, address):
    refused = cli("validate", "--allow-missing-env", str(write_spec(tmp_path, "notify:\n  webhook: ${HOOK}\n")), env={"HOOK": webhook})
    assert refused.exit_code == 2, refused.output
    assert f"notify.webhook: points at the link-local address {address}" in refused.output
    assert "notify.allow_private: true" in refused.output
    allowed_spec = write_spec(tmp_path, "notify:\n  webhook: ${HOOK}\n  allow_private: true\n")
    allowed = cli("validate", "--allow-missing-env", str(allowed_spec), env={"HOOK": webhook})
    assert allowed.exit_code == 0, allowed.output


@pytest.mark.parametrize("webhook", ["https://hooks.slack.com/services/T0/B0/x", "http://127.0.0.1:8080/hook", "http://[::1]:8080/hook"])
def test_a_webhook_over_https_or_on_loopback_is_taken(cli, tmp_path, webhook):
    assert cli("validate", "--allow-missing-env", str(write_spec(tmp_path, f"notify:\n  webhook: {webhook}\n"))).exit_code == 0


def test_a_webhook_over_plain_http_elsewhere_is_refused(cli, tmp_path):
    result = cli("validate", "--allow-missing-env", str(write_spec(tmp_path, "notify:\n  webhook: http://hooks.example.com/x\n")))
    assert result.exit_code == 2 and "notify.webhook: 'http://hooks.example.com/x' is plain http: the address must be https" in result.output


def test_statuses_are_checked_before_the_shop_is_asked_and_a_plugins_own_are_named_on_purpose(cli, tmp_path):
    typos = write_spec(tmp_path, **{"statuses: [processing, completed]": "statuses: [procesing, wc-completed, any, awaiting-shipment]"})
    result = cli("validate", "--allow-missing-env", str(typos))
    assert result.exit_code == 2, result.output
    for problem in (
        "orders.statuses: 'procesing' is not a WooCommerce order status (did you mean processing?)",
        "orders.statuses: 'wc-completed': write it without wc-, as the REST API does (completed)",
        "orders.statuses: 'any' is the REST API's word for all orders",
        "orders.statuses: 'awaiting-shipment' is not a WooCommerce order status; a status a plugin adds is named in orders.custom_statuses too",
    ):
        assert problem in result.output
    named = write_spec(
        tmp_path, **{"statuses: [processing, completed]": "statuses: [completed, awaiting-shipment]\n  custom_statuses: [awaiting-shipment]"}
    )
    assert cli("validate", "--allow-missing-env", str(named)).exit_code == 0
    assert spec_module.load(named, environ={}).orders.statuses == ("completed", "awaiting-shipment")


@pytest.mark.parametrize(
    "since, problem", [("2024-13-01", "month must be in 1..12"), ("2024-02-30", "day is out of range"), ("1-1-2024", "YYYY-MM-DD")]
)
def test_a_since_that_is_no_day_is_refused_before_anything_runs(cli, tmp_path, since, problem):
    result = cli("run", str(write_spec(tmp_path)), "--since", since)
    assert result.exit_code == 2, result.output
    assert f"error: --since '{since}' is not a date" in result.output and problem in result.output
    assert "what to do: give the first day to book as YYYY-MM-DD" in result.output
