"""`runner init`: the mapping proposal on its own (pure), the files it writes, and the whole
wizard end to end against the sandbox: typed answers through CliRunner, options with --yes,
an administration that lacks preset codes, and once in tmux as a person types it."""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import termios
import threading
import time
import webbrowser
from decimal import Decimal
from pathlib import Path

import httpx
import jinja2
import pytest
import yaml
from click.testing import CliRunner

from runner.adapters.exact import oauth
from runner.cli import main
from runner.errors import UsageError
from runner.sandbox.embedded import start
from runner.sandbox.exact.chart import GL_CHART, JOURNAL_TABLE, VAT_TABLE
from runner.sandbox.exact.entities import GL_ACCOUNTS, JOURNALS, VAT_CODES
from runner.sandbox.exact.seed import MAIN_DIVISION, OTHER_DIVISION
from runner.setup.preset_overrides import CODE_PATHS, overrides, swap_codes, uses
from runner.setup.proposals import NEEDS, Catalog, Row, propose, redo
from runner.setup.spec_writer import ENV_NAMES, PRESET, Setup, env_text, spec_text
from runner.setup.wizard import Console, Stopped, Wizard
from runner.spec.check import load
from runner.spec.file import read_dotenv
from tests.conftest import HANG, ROOT, browse

PRESET_DATA = yaml.safe_load((ROOT / PRESET).read_text())
PASTE_REDIRECT = "https://example.invalid/exact/callback"  # not loopback: the wizard asks for the pasted address
STATE = "pinned-test-state"


# ------------------------------------------------------------------ the proposal, pure
def sandbox_catalog(drop: tuple[str, ...] = (), add: tuple[Row, ...] = (), change: dict[str, Row] | None = None) -> Catalog:
    """The sandbox administration's master data as rows, minus `drop`, plus `add`."""
    vat = [Row(c, d, t, Decimal(p) * 100, listing, oss or "") for c, d, p, t, listing, oss, _ in VAT_TABLE]
    gl = [Row(c, d, str(t)) for c, d, t in GL_CHART]
    journals = [Row(c, d, str(t)) for c, d, t, _, _ in JOURNAL_TABLE]
    tables = {"vat": vat, "gl": gl, "journal": journals}
    for row in add:
        tables[_table_of(row)].append(row)
    rows = {name: {r.code: r for r in rs if r.code not in drop} for name, rs in tables.items()}
    for code, row in (change or {}).items():
        rows[_table_of(row)][code] = row
    return Catalog("Test B.V.", rows["vat"], rows["gl"], rows["journal"])


def _table_of(row: Row) -> str:
    return "vat" if row.percent is not None else "gl" if len(row.code) == 4 else "journal"


def by_code(choices):
    return {c.need.code: c for c in choices}


def test_the_sandbox_administration_has_every_code_of_the_preset():
    choices = propose(sandbox_catalog(), paid=True)
    assert [c.problem for c in choices if c.problem] == []
    assert overrides(PRESET_DATA, choices, paid=True) == {}


def preset_value(path: tuple[str, ...]) -> str:
    return functools.reduce(lambda node, key: node[key], path, PRESET_DATA)


def test_every_preset_code_is_a_need_and_every_need_is_used_where_its_table_goes():
    """Guards NEEDS against drift of the preset both ways: a code the preset gained would go
    unchecked, a need the preset no longer uses would be swapped nowhere, silently."""
    assert len({(n.table, n.code) for n in NEEDS}) == len(NEEDS)
    for need in NEEDS:
        assert any(uses(preset_value(path), need, path) for path in CODE_PATHS), need.code
    for path, (table, _keys) in CODE_PATHS.items():
        text = preset_value(path)
        named = set(re.findall(r"'([A-Z]*\d+)'(?!\s*:)", text)) | set(re.findall(r"%\}\s*([A-Z]*\d+)\s*\{%", text))
        named |= {text} if "{" not in text else set()
        assert named <= {n.code for n in NEEDS if n.table == table}, (path, named)


@pytest.mark.parametrize(
    "line,country,vat_number",
    [
        ({"tax_rate": 21, "tax_country": "NL", "kind": "product"}, "NL", ""),
        ({"tax_rate": 9, "tax_country": "NL", "kind": "product"}, "NL", ""),
        ({"tax_rate": 0, "tax_country": "", "kind": "product"}, "NL", ""),
        ({"tax_rate": 0, "tax_country": "", "kind": "product"}, "DE", "DE123"),
        ({"tax_rate": 0, "tax_country": "", "kind": "shipping"}, "US", ""),
        ({"tax_rate": 7, "tax_country": "DE", "kind": "product"}, "DE", ""),
        ({"tax_rate": 6, "tax_country": "BE", "kind": "fee"}, "BE", ""),
        ({"tax_rate": 21, "tax_country": "NL", "kind": "discount"}, "NL", ""),
    ],
)
def test_swapped_templates_render_what_the_preset_renders_with_the_codes_swapped(line, country, vat_number):
    """Codes that look like the rate keys ('21', '7', '6', '0') are swapped as codes only."""
    vat = {"2": "21", "1": "9", "0": "V0", "7": "6", "6": "EXP", "D7": "7", "B6": "0"}
    gl = {"8000": "8100", "8050": "8150", "8070": "8170", "8040": "8000"}
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    area = {"NL": "domestic", "US": "export"}.get(country, "eu")  # order.vat_area (runner/domain/vat_area.py)
    context = {"order": {"country": country, "vat_area": area}, "customer": {"vat_number": vat_number}}
    line = {"name": "", **line}
    preset_vat, preset_gl = PRESET_DATA["mapping"]["vat_code"], PRESET_DATA["mapping"]["gl_account"]
    vat_before = env.from_string(preset_vat).render(line=line, **context)
    vat_after = env.from_string(swap_codes(preset_vat, vat)).render(line=line, **context)
    assert vat_after == vat.get(vat_before, vat_before)
    gl_before = env.from_string(preset_gl).render(line={**line, "vat_code": vat_before}, **context)
    gl_after = env.from_string(swap_codes(preset_gl, gl, vat)).render(line={**line, "vat_code": vat_after}, **context)
    assert gl_after == gl.get(gl_before, gl_before)


def test_a_missing_code_is_named_with_the_nearest_fit_by_kind_rate_and_name():
    catalog = sandbox_catalog(
        drop=("2", "70", "8050", "8060", "21"),
        add=(
            Row("02", "BTW hoog 21% excl (nieuw)", "E", Decimal(21)),  # the domestic 21 % under another code
            Row("8150", "Verzendkosten webshop", "110"),  # named for shipping: beats the fallback
            Row("50", "Memoriaal verkoop", "90"),
            Row("60", "Verkoop webshop", "20"),
            Row("61", "Verkoopboek 2", "20"),
            Row("25", "PayPal zakelijk", "16"),
        ),
    )
    choices = by_code(propose(catalog, paid=True))
    assert choices["2"].code == "02" and "VAT code 2 (VAT 21 %, exclusive) does not exist in Test B.V." in choices["2"].problem
    assert choices["B21"].problem == ""  # the OSS code is not taken for the domestic rate, nor replaced
    assert choices["70"].code == "60" and choices["8050"].code == "8150"
    assert choices["8060"].code is None and choices["8060"].by_rate == "8000 at 21 %, 8010 at 9 %, 8020 at 0 %"  # fees: by each line's rate
    assert choices["21"].code == "25"  # the journal named PayPal
    assert choices["21"].lines() == [
        "GAP  journal 21 (PayPal journal of the payments) does not exist in Test B.V.",
        "     proposed: 25 PayPal zakelijk",
    ]
    changed = overrides(PRESET_DATA, list(choices.values()), paid=True)
    assert changed[("booking", "journal")][0] == "60"
    assert "line.kind in ('product', 'fee')" in changed[("mapping", "gl_account")][0]
    assert "{'shipping': '8150', 'discount': '8070'}" in changed[("mapping", "gl_account")][0]
    assert "{'21': '02', '9': '1', '0': '0'}" in changed[("mapping", "vat_code")][0]
    assert "'2': '8000'" not in changed[("mapping", "gl_account")][0] and "'02': '8000'" in changed[("mapping", "gl_account")][0]


def test_a_code_of_the_wrong_kind_is_a_gap_and_an_oss_code_without_a_fit_stays_named():
    catalog = sandbox_catalog(
        drop=("D19",),
        change={"1": Row("1", "BTW laag 6% (oud)", "E", Decimal(6)), "8990": Row("8990", "Tussenrekening", "90")},
        add=(Row("9", "BTW laag 9% excl", "E", Decimal(9)),),
    )
    choices = by_code(propose(catalog, paid=False))
    assert choices["1"].code == "9" and "VAT code 1 is BTW laag 6% (oud) (6 %, type E) in Test B.V." in choices["1"].problem
    assert choices["8990"].code == "8000" and "not the rounding differences the preset means" in choices["8990"].problem
    assert choices["D19"].code is None and "nothing here fits" in choices["D19"].lines()[1]
    assert "20" not in choices and "1300" not in choices  # payments codes only matter when paid
    changed = overrides(PRESET_DATA, list(choices.values()), paid=False)
    assert "'D19'" in changed[("mapping", "vat_code")][0]  # left as it was: orders that need it fail by name
    assert not any(path[0] == "payments" for path in changed)


def test_an_own_code_for_a_gap_must_exist_and_be_of_the_right_kind():
    catalog = sandbox_catalog(drop=("8050",))
    gap = by_code(propose(catalog, paid=False))["8050"]
    assert redo(gap, "8060", catalog).code == "8060"
    with pytest.raises(UsageError, match="GL account 9999 does not exist"):
        redo(gap, "9999", catalog)
    with pytest.raises(UsageError, match="1300 is Debiteuren .type 20., not one for shipping"):
        redo(gap, "1300", catalog)


def test_revenue_accounts_are_proposed_by_the_vat_rate_they_carry_never_21_for_9():
    alone = by_code(propose(sandbox_catalog(drop=("8010",)), paid=False))
    assert alone["8010"].code is None and alone["8010"].by_rate == ""  # never 8000 Omzet hoog tarief
    assert alone["8010"].lines()[1].startswith("     nothing here fits; only lines of revenue at 9 % need it")
    named = by_code(propose(sandbox_catalog(drop=("8010",), add=(Row("8011", "Omzet 9% webshop", "110"),)), paid=False))
    assert named["8010"].code == "8011"
    by_vat = sandbox_catalog(drop=("8010", "8000"), add=(Row("8100", "Webshop omzet", "110", vat="1"), Row("8200", "Omzet A", "110", vat="2")))
    chosen = by_code(propose(by_vat, paid=False))
    assert chosen["8010"].code == "8100" and chosen["8000"].code == "8200"  # by the rate of the account's VAT code
    wrong = by_code(propose(sandbox_catalog(change={"8010": Row("8010", "Omzet hoog tarief 2", "110")}), paid=False))
    assert "8010 Omzet hoog tarief 2 is for 21 % revenue (its name says so), not revenue at 9 %" in wrong["8010"].problem


@pytest.mark.parametrize("vat_code,rate_account", [("2", "8000"), ("1", "8010"), ("0", "8020"), ("7", "8030")])
def test_shipping_without_its_account_goes_to_the_revenue_account_of_its_own_rate(vat_code, rate_account):
    choices = propose(sandbox_catalog(drop=("8050",)), paid=False)
    shipping = by_code(choices)["8050"]
    assert shipping.code is None and shipping.lines()[1] == (
        "     proposed: book shipping on the revenue account of each line's VAT rate (8000 at 21 %, 8010 at 9 %, 8020 at 0 %)"
    )
    template = overrides(PRESET_DATA, choices, paid=False)[("mapping", "gl_account")][0]
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    taxed = {"tax_rate": 21, "name": ""}  # gift cards and deposits (untaxed) have accounts of their own
    assert env.from_string(template).render(line={"kind": "shipping", "vat_code": vat_code, **taxed}) == rate_account
    assert env.from_string(template).render(line={"kind": "fee", "vat_code": vat_code, **taxed}) == "8060"
    assert env.from_string(template).render(line={"kind": "product", "vat_code": vat_code, **taxed}) == rate_account
    assert not shipping.open  # not a gap left: every shipping line has an account


def console_of(typed: list[str], said: list[str], asked: list[str], confirms: list[bool] = ()) -> Console:
    answers, yes = iter(typed), iter(confirms)

    def ask(question, default, hidden):
        asked.append(f"{question} [{default}]")
        return next(answers)

    def confirm(question, default):
        asked.append(question)
        return next(yes, False)

    return Console(said.append, ask, confirm)


def test_an_account_that_says_another_rate_is_taken_only_once_confirmed(tmp_path):
    said, asked = [], []
    catalog = sandbox_catalog(drop=("8010",), add=(Row("8110", "Omzet laag webshop", "110"),))
    typed = ["8020", "8020"]  # declined once, then confirmed
    console = console_of(typed, said, asked, [False, False, True])  # no to the proposals, no, then yes
    setup = Setup(tmp_path / "sync.yaml")
    Wizard(console, {}).mapping(setup, catalog)
    text = "\n".join(said)
    assert "8020 Omzet nultarief is for 0 % revenue (its name says so), not revenue at 9 %" in text
    assert asked.count("Book revenue at 9 % on 8020 all the same?") == 2
    assert "GL account for revenue at 9 %, instead of 8010 (fits here: 8110 Omzet laag webshop) [8110]" in asked
    assert "'1': '8020'" in setup.changes[("mapping", "gl_account")][0]


def test_the_journal_question_offers_sales_journals_only_and_says_what_enter_does(tmp_path):
    said, asked = [], []
    catalog = sandbox_catalog(drop=("70", "D19"), add=(Row("60", "Verkoop webshop", "20"),))
    console = console_of(["20", "10", "-", ""], said, asked)
    setup = Setup(tmp_path / "sync.yaml")
    Wizard(console, {}).mapping(setup, catalog)
    text = "\n".join(said)
    assert "Sales journal, instead of 70 (fits here: 60 Verkoop webshop) [60]" in asked
    assert "journal 20 is Bank (type 12), not one for sales journal: give one of: 60" in text
    assert "VAT code for OSS DE 19 %, instead of D19 (fits here: nothing) []" in asked
    assert "Enter (or - anywhere) leaves the gap open: the spec keeps the preset's code" in text
    assert "A gap left open keeps the preset's code: orders that need it fail, naming it, until it exists in Exact." in text
    assert [c.need.code for c in setup.gaps_left] == ["70", "D19"]  # '-' left even the proposed journal open


def test_declining_the_proposals_asks_a_code_per_gap_until_one_fits(tmp_path):
    typed = iter(["", "", "9999", "1300", "8060"])  # 70 and D7: Enter keeps the gap; 8050: unknown, wrong kind, then revenue
    said: list[str] = []
    console = Console(said.append, lambda question, default, hidden: next(typed), lambda question, default: False)
    setup = Setup(tmp_path / "sync.yaml")
    Wizard(console, {}).mapping(setup, sandbox_catalog(drop=("8050", "70", "D7")))
    assert "'shipping': '8060'" in setup.changes[("mapping", "gl_account")][0]
    assert "GL account 9999 does not exist in Test B.V." in "\n".join(said) and "not one for shipping" in "\n".join(said)
    assert [c.need.code for c in setup.gaps_left] == ["70", "D7"]
    assert ("booking", "journal") not in setup.changes  # 70 has no fit and Enter left it: the preset's code stays


# ------------------------------------------------------------------ the files, pure
def test_env_text_keeps_other_lines_and_reads_back_exactly(tmp_path):
    values = {"WOO_CONSUMER_KEY": "ck_a b#c", "WOO_CONSUMER_SECRET": "cs_'quoted'", "EXACT_CLIENT_ID": "id", "EXACT_CLIENT_SECRET": 's"x"'}
    first = env_text("OTHER=1\nWOO_CONSUMER_KEY=old\n", values, "sync.yaml")
    again = env_text(first, {**values, "EXACT_CLIENT_ID": "id2"}, "sync.yaml")
    (tmp_path / ".env").write_text(again)
    assert read_dotenv(tmp_path / ".env") == {"OTHER": "1", **values, "EXACT_CLIENT_ID": "id2"}
    assert again.count("written by runner init") == 1


def test_spec_text_writes_only_what_differs_and_reads_back(tmp_path):
    choices = propose(sandbox_catalog(drop=("8050",)), paid=True)
    setup = Setup(
        tmp_path / "sync.yaml",
        shop_url="https://shop.example.nl",
        base_url="https://start.exactonline.be",
        division=42,
        division_name="Winkel",
        redirect_uri=PASTE_REDIRECT,
        status="paid",
        statuses=["completed", "processing"],
        since="2025-01-01",
        push=True,
        changes=overrides(PRESET_DATA, choices, paid=True),
    )
    setup.path.write_text(spec_text(setup))
    spec = load(setup.path, environ=dict.fromkeys(ENV_NAMES, "value"))
    assert spec.orders.statuses == ("completed", "processing") and spec.orders.since == "2025-01-01"
    assert spec.booking.status == "paid" and spec.products.push is True
    assert spec.mapping.gl_account == setup.changes[("mapping", "gl_account")][0]
    text = setup.path.read_text()
    assert "8050 -> the revenue account of the line's VAT rate (shipping)" in text and "target:" not in text and "  vat_code:" not in text


# ------------------------------------------------------------------ end to end against the sandbox
@pytest.fixture
def box():
    sandbox = start(orders=20)
    yield sandbox
    sandbox.stop()
    assert sandbox.exact_server.crashes == [] and sandbox.woo_server.crashes == []


def invoke(args: list[str], answers: list[str] = ()):
    env = dict.fromkeys(ENV_NAMES)  # a developer's own WOO_*/EXACT_* must not leak into the test
    return CliRunner(env=env).invoke(main, args, input="".join(f"{a}\n" for a in answers))


def pasted_redirect(box, monkeypatch) -> str:
    """What a browser's address bar shows after Exact approved the login: the wizard's state
    is pinned, so the test can fetch the authorize URL the wizard prints, before it prints it."""
    monkeypatch.setattr(oauth, "authorize_url", functools.partial(oauth.authorize_url, state=STATE))
    box.exact.config.redirect_uri = PASTE_REDIRECT
    url, _ = oauth.authorize_url(box.exact_url, box.exact.config.client_id, PASTE_REDIRECT)
    return browse(url).headers["location"]


def assert_secrets_kept(box, folder: Path, output: str) -> None:
    credentials = box.credentials()
    spec_text_ = (folder / "sync.yaml").read_text()
    for name, value in credentials.items():
        assert value not in spec_text_ and f"${{{name}}}" in spec_text_
        if name != "EXACT_CLIENT_ID":  # the client id is public: it is part of the login address
            assert value not in output
    assert read_dotenv(folder / ".env") == credentials
    assert stat.S_IMODE(os.stat(folder / ".env").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder / ".runner" / "exact-token.json").st_mode) == 0o600


def test_typed_answers_write_a_spec_that_validates_and_previews(box, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    box.exact.config.granted_divisions = (MAIN_DIVISION, OTHER_DIVISION)
    location = pasted_redirect(box, monkeypatch)
    keys = box.credentials()
    answers = [
        box.woo_url,
        "ck_not_a_key",
        "cs_not_a_secret",  # refused: asked again
        "",
        keys["WOO_CONSUMER_KEY"],
        keys["WOO_CONSUMER_SECRET"],  # Enter keeps the address
        box.exact_url,
        keys["EXACT_CLIENT_ID"],
        keys["EXACT_CLIENT_SECRET"],
        PASTE_REDIRECT,
        location,
        box.vies_url,  # Exact is a sandbox: its VIES
        "2",  # the second administration in the list
        "",
        "",
        "procesing",  # a typo: asked again
        "completed",
        "2020-01-01",
        "n",
        "",  # no alerts
    ]
    result = invoke(["init", "--no-browser"], answers)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "'procesing' is not a WooCommerce order status (did you mean processing?)" in out
    assert "the shop refused the API key" in out and "try again" in out and "connected: the shop answers" in out
    assert "/api/oauth2/auth?" in out and f"state={STATE}" in out and "logged in" in out
    assert re.search(rf"1\s+{MAIN_DIVISION}\s+Demo Webwinkel B.V. \(current\)", out) and re.search(rf"2\s+{OTHER_DIVISION}\s+Demo Holding", out)
    sent_needs = len([n for n in NEEDS if not n.paid_only])
    assert f"{sent_needs} of the {sent_needs} codes the preset uses exist here and fit" in out
    assert_secrets_kept(box, tmp_path, out)

    spec = load(tmp_path / "sync.yaml")
    assert spec.exact.division == OTHER_DIVISION and spec.orders.since == "2020-01-01"
    for key in ("booking", "mapping", "payments", "customers", "products"):
        assert spec.document[key] == {**spec.document[key], **PRESET_DATA[key]}, key  # the preset's, unchanged
    written = yaml.safe_load((tmp_path / "sync.yaml").read_text())
    assert set(written) == {"version", "extends", "woocommerce", "exact", "state", "orders", "vies"} and written["vies"] == {"url": box.vies_url}
    assert "sync.yaml: valid, and ready for the live services" in out
    preview = out[out.index("The first three orders") :]
    assert len(re.findall(r"^\d{4}\s+\d{4}-\d\d-\d\d\s", preview, re.M)) == 3 and "from 3 order(s)" in preview
    assert invoke(["validate", "sync.yaml"]).exit_code == 0


def test_options_and_yes_with_a_loopback_login_propose_codes_for_what_is_missing(box, tmp_path, monkeypatch):
    admin = box.exact.admin
    for code in ("8050", "8010"):
        del admin.tables[GL_ACCOUNTS.path][admin.codes[GL_ACCOUNTS.path].pop(code)]
    webshop = {"Code": "8110", "Description": "Webshop omzet", "Type": 110, "VATCode": "1", "IsBlocked": False}
    admin.insert(GL_ACCOUNTS, webshop)  # for 9 % revenue by its VAT code
    admin.update(JOURNALS, admin.by_code(JOURNALS, "70"), {"Code": "71", "Description": "Webshop verkopen"})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        redirect = f"http://127.0.0.1:{probe.getsockname()[1]}/callback"
    box.exact.config.redirect_uri = redirect
    browsed = []

    def browser(url: str) -> bool:
        """A browser: Exact approves at once and sends it on to the loopback address, where
        the wizard listens before it opens the browser."""

        def visit() -> None:
            location = browse(url).headers["location"]
            browsed.append(httpx.get(location, timeout=HANG).status_code)

        threading.Thread(target=visit, daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    path = tmp_path / "client" / "sync.yaml"
    result = invoke(
        options(
            box,
            redirect,
            str(path),
            "--division",
            str(MAIN_DIVISION),
            "--target",
            "sales_invoice",
            "--statuses",
            "completed,processing",
            "--since",
            "2020-01-01",
        )
    )
    assert result.exit_code == 0, result.output
    assert browsed == [200] and "waiting for Exact to send the browser back" in result.output
    out = result.output
    assert "GAP  GL account 8050 (shipping) does not exist in Demo Webwinkel B.V." in out
    assert "proposed: book shipping on the revenue account of each line's VAT rate (8000 at 21 %, 8110 at 9 %, 8020 at 0 %)" in out
    assert "GAP  GL account 8010 (revenue at 9 %) does not exist" in out and "proposed: 8110 Webshop omzet" in out
    assert "proposed: 8000" not in out
    assert "GAP  journal 70 (sales journal) does not exist" in out and "proposed: 71 Webshop verkopen" in out
    assert_secrets_kept(box, path.parent, out)
    spec = load(path)
    assert spec.booking.journal == "71" and spec.booking.target == "sales_invoice"
    assert "'shipping':" not in spec.mapping.gl_account and "line.kind in ('product', 'shipping')" in spec.mapping.gl_account
    assert "'1': '8110'" in spec.mapping.gl_account
    assert spec.orders.statuses == ("completed", "processing")
    assert "valid, and ready for the live services" in out and "; 0 failed" in out


def options(box, redirect: str, *more: str) -> list[str]:
    keys = box.credentials()
    return [
        "init",
        "--yes",
        "--shop-url",
        box.woo_url,
        "--woo-key",
        keys["WOO_CONSUMER_KEY"],
        "--woo-secret",
        keys["WOO_CONSUMER_SECRET"],
        "--exact-url",
        box.exact_url,
        "--client-id",
        keys["EXACT_CLIENT_ID"],
        "--client-secret",
        keys["EXACT_CLIENT_SECRET"],
        "--redirect-uri",
        redirect,
        "--vies-url",
        box.vies_url,
        *more,
    ]


def test_a_gap_without_a_fit_is_left_named_and_the_checks_show_the_orders_it_hits(box, tmp_path, monkeypatch):
    admin = box.exact.admin
    del admin.tables[VAT_CODES.path][admin.codes[VAT_CODES.path].pop("D19")]
    monkeypatch.chdir(tmp_path)
    result = invoke(options(box, PASTE_REDIRECT, "--no-browser", "--since", "2020-01-01"), [pasted_redirect(box, monkeypatch)])
    out = result.output
    assert "GAP  VAT code D19 (OSS DE 19 %) does not exist in Demo Webwinkel B.V." in out
    assert "nothing here fits; only orders charged DE VAT need it" in out and "GAP left: VAT code D19" in out
    assert result.exit_code == 2 and "VAT code 'D19' does not exist in this administration" in out
    assert "The first three orders" in out and "from 3 order(s)" in out  # shown all the same
    assert_secrets_kept(box, tmp_path, out)


def test_a_refused_key_given_as_an_option_stops_with_what_to_do(box, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(["init", "--shop-url", box.woo_url, "--woo-key", "ck_wrong", "--woo-secret", "cs_wrong_secret"])
    assert result.exit_code == 2 and "the shop refused the API key" in result.output
    assert "what to do: the address is the shop's home page" in result.output and "Traceback" not in result.output
    assert "cs_wrong_secret" not in result.output and not (tmp_path / "sync.yaml").exists()
    bad = invoke(
        [
            "init",
            "--shop-url",
            box.woo_url,
            "--woo-key",
            box.credentials()["WOO_CONSUMER_KEY"],
            "--woo-secret",
            box.credentials()["WOO_CONSUMER_SECRET"],
            "--region",
            "nl.be",
        ]
    )
    assert bad.exit_code == 2 and "--region: 'nl.be' is not an Exact Online region" in bad.output


def test_an_existing_spec_or_env_is_not_overwritten_and_an_ended_input_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sync.yaml").write_text("version: 1\n")
    kept = invoke(["init"])
    assert kept.exit_code == 2 and "exists already" in kept.output and "--force" in kept.output
    assert (tmp_path / "sync.yaml").read_text() == "version: 1\n"
    (tmp_path / "sync.yaml").unlink()
    (tmp_path / ".env").write_text("EXACT_CLIENT_SECRET=theirs\n")
    assert "holds EXACT_CLIENT_SECRET already" in invoke(["init"]).output
    (tmp_path / ".env").unlink()
    ended = invoke(["init"], [])
    assert ended.exit_code == 2 and 'set-up stopped at "Shop address (the store root)" in step 1 of 6 (the shop); no spec was written' in ended.output
    assert "--shop-url" in ended.output and "Traceback" not in ended.output and not (tmp_path / "sync.yaml").exists()


# ------------------------------------------------------------------ once as a person types it
@pytest.fixture
def socket_box():
    """The sandbox on real sockets: the wizard runs in a terminal, as its own process."""
    sandbox = start(orders=20, sockets=True)
    yield sandbox
    sandbox.stop()
    assert sandbox.exact_server.crashes == [] and sandbox.woo_server.crashes == []


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (apt-get install tmux); the CliRunner tests above cover the same flow without a terminal",
)
def test_a_person_types_the_answers_in_a_terminal(socket_box, tmp_path):
    """Waits on what the terminal shows and on its echo setting, never on the clock."""
    box = socket_box
    box.exact.config.redirect_uri = PASTE_REDIRECT
    keys = box.credentials()
    socket_path = Path(tempfile.mkdtemp(prefix="init-tmux-")) / "s"  # a unix socket path must stay short

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", str(socket_path), *args], capture_output=True, text=True, check=True, env={**os.environ, "TERM": "xterm"}
        ).stdout

    def screen() -> str:
        return tmux("capture-pane", "-p", "-J", "-t", "init", "-S", "-300")

    def wait_for(condition, what: str) -> None:
        deadline = time.monotonic() + HANG
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} never happened; the screen:\n{screen()}")
            time.sleep(0.05)

    def echoing() -> bool:
        """Whether the terminal echoes what is typed: a hidden prompt turns that off (and
        flushes what was typed before), so its answer is typed only once it is off."""
        fd = os.open(tmux("display-message", "-p", "-t", "init", "#{pane_tty}").strip(), os.O_RDONLY | os.O_NOCTTY)
        try:
            return bool(termios.tcgetattr(fd)[3] & termios.ECHO)
        finally:
            os.close(fd)

    def answer(prompt: str, text: str, hidden: bool = False) -> str:
        wait_for(lambda: prompt in screen(), repr(prompt))
        if hidden:
            wait_for(lambda: not echoing(), f"echo off for {prompt!r}")
        tmux("send-keys", "-t", "init", "-l", text)
        tmux("send-keys", "-t", "init", "Enter")
        return screen()

    unset = " ".join(f"-u {name}" for name in ENV_NAMES)
    command = f'cd {tmp_path} && env {unset} {sys.executable} -m runner init --no-browser; echo "[exit $?]"; sleep 600'
    try:
        tmux("new-session", "-d", "-s", "init", "-x", "230", "-y", "60", command)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(socket_path.parent, ignore_errors=True)
        pytest.skip(f"tmux is installed but cannot start a session here: {exc.stderr.strip()}")
    try:
        answer("Shop address", box.woo_url)
        answer("consumer key", keys["WOO_CONSUMER_KEY"], hidden=True)
        answer("consumer secret", keys["WOO_CONSUMER_SECRET"], hidden=True)
        answer("region", box.exact_url)
        answer("client id", keys["EXACT_CLIENT_ID"])
        answer("client secret", keys["EXACT_CLIENT_SECRET"], hidden=True)
        answer("Redirect URI", PASTE_REDIRECT)
        wait_for(lambda: "Paste the address" in screen(), "the question for the pasted address")
        login = re.search(r"(http://127\.0\.0\.1:\d+/api/oauth2/auth\?\S+)", screen()).group(1)
        answer("Paste the address", httpx.get(login, follow_redirects=False, timeout=HANG).headers["location"])  # the browser's address bar
        answer("VIES", box.vies_url)
        answer("Book each order as", "")
        answer("Book it as", "paid")
        answer("trigger the booking", "")
        answer("Book the history from", "2020-01-01")
        answer("Push WooCommerce products", "n")
        answer("Send alerts of failed orders", "")
        wait_for(lambda: "[exit " in screen(), "the end of runner init")
        final = screen()
    finally:
        tmux("kill-server")
        shutil.rmtree(socket_path.parent, ignore_errors=True)
    assert "[exit 0]" in final, final
    for step in ("Step 1 of 6: the shop", "Step 2 of 6", "Step 3 of 6", "Step 4 of 6", "Step 5 of 6", "Step 6 of 6: alerts"):
        assert step in final
    assert "connected: the shop answers" in final and "logged in" in final and f"{len(NEEDS)} of the {len(NEEDS)} codes" in final
    assert "valid, and ready for the live services" in final and "from 3 order(s)" in final
    assert all(keys[n] not in final for n in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_SECRET"))
    assert_secrets_kept(box, tmp_path, final)
    assert load(tmp_path / "sync.yaml").booking.status == "paid"


# ------------------------------------------------------------------ the login step
def free_loopback() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_an_unreachable_exact_address_is_one_message_before_any_login(box, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    closed = free_loopback()  # nothing listens there
    given = options(box, free_loopback() + "/callback")
    given[given.index("--exact-url") + 1] = closed
    result = invoke(given)
    assert result.exit_code != 0 and f"--region: cannot reach Exact Online at {closed} (ConnectError)" in result.output
    assert "what to do: check the region (the licence's country) or the address" in result.output and "runner sandbox" in result.output
    assert "/api/oauth2/auth?" not in result.output and "waiting for Exact" not in result.output and "Traceback" not in result.output
    keys = box.credentials()
    typed = invoke(["init"], ["y", keys["WOO_CONSUMER_KEY"], keys["WOO_CONSUMER_SECRET"], closed, box.exact_url])  # continue from step 2
    assert "Shop address" not in typed.output and "continuing: " in typed.output
    assert f"cannot reach Exact Online at {closed}" in typed.output and typed.output.count("Exact Online region") == 2  # asked again
    assert 'set-up stopped at "Exact app client id' in typed.output


def visiting_browser(outcome: list, how: str):
    """A browser that follows Exact's redirect to the loopback address and keeps the page it
    shows; `denied`: the person clicks Exact's deny, which sends error=access_denied back."""

    def visit(url: str) -> None:
        if how == "denied":
            query = dict(re.findall(r"[?&](redirect_uri|state)=([^&]+)", url))
            location = f"{httpx.URL(url).params['redirect_uri']}?error=access_denied&error_description=The+user+denied&state={query['state']}"
        else:
            location = browse(url).headers["location"]
        page = httpx.get(location, timeout=HANG)
        outcome.append((page.status_code, html.unescape(re.sub(r"<[^>]+>", " ", page.text))))

    def open_url(url: str) -> bool:
        thread = threading.Thread(target=visit, args=(url,), daemon=True)
        thread.start()
        outcome.append(thread)
        return True

    return open_url


@pytest.mark.parametrize("how", ["approved", "denied", "wrong secret"])
def test_the_browser_page_tells_the_truth(box, tmp_path, monkeypatch, how):
    monkeypatch.chdir(tmp_path)
    redirect = free_loopback() + "/callback"
    box.exact.config.redirect_uri = redirect
    outcome: list = []
    monkeypatch.setattr(webbrowser, "open", visiting_browser(outcome, how))
    given = options(box, redirect, "--since", "2020-01-01")
    if how == "wrong secret":
        given[given.index("--client-secret") + 1] = "not-the-secret"
    result = invoke(given)
    outcome.pop(0).join(HANG)
    ((status, page),) = outcome
    if how == "approved":
        assert status == 200 and "Logged in" in page and result.exit_code == 0, result.output
        return
    assert status == 400 and "Logged in" not in page and "Login failed" in page and result.exit_code != 0
    if how == "denied":
        assert "Exact did not approve the login (access_denied: The user denied)" in page
        assert "what to do: approve the app when Exact asks" in result.output
    else:
        assert "Exact refused the app's client id or secret" in page and "not-the-secret" not in page + result.output
    assert "logged in" not in result.output and not (tmp_path / "sync.yaml").exists()


@pytest.fixture
def terminal():
    """A real terminal (a pty): what the test writes to `keyboard` is typed, `screen` shows the echo."""
    keyboard, slave = os.openpty()
    stream = open(slave, encoding="utf-8")  # noqa: SIM115 - closed below
    yield keyboard, stream
    stream.close()
    os.close(keyboard)


def echoed(keyboard: int, text: str) -> None:
    """Until the terminal echoed `text`: then it sits in the input queue (no clock involved)."""
    seen = b""
    while text.encode() not in seen:
        seen += os.read(keyboard, 1024)


def test_a_line_typed_during_the_wait_is_taken_and_an_unfinished_one_never_reaches_the_next_question(terminal):
    from runner.setup.terminal import line_until

    keyboard, stream = terminal
    os.write(keyboard, b"https://example.invalid/cb?code=c&state=s\n")
    assert line_until(threading.Event(), HANG, stream) == "https://example.invalid/cb?code=c&state=s"
    os.write(keyboard, b"half-typed")
    echoed(keyboard, "half-typed")
    browser_back = threading.Event()
    browser_back.set()
    assert line_until(browser_back, HANG, stream) is None
    os.write(keyboard, b"2\n")
    assert stream.readline() == "2\n"  # the next question gets only what is typed for it


def test_an_address_pasted_while_the_login_waits_for_the_browser_is_taken_at_once(box, tmp_path, terminal, monkeypatch):
    from runner.setup.terminal import line_until

    keyboard, stream = terminal
    redirect = free_loopback() + "/callback"  # listened on, but the browser is on another machine
    box.exact.config.redirect_uri = redirect
    monkeypatch.setattr(oauth, "authorize_url", functools.partial(oauth.authorize_url, state=STATE))
    location = browse(oauth.authorize_url(box.exact_url, box.exact.config.client_id, redirect)[0]).headers["location"]
    waiting = threading.Event()

    def say(text: str) -> None:
        if "or paste the address" in text:
            waiting.set()

    console = Console(say, None, None, line_until=functools.partial(line_until, stream=stream))
    keys = box.credentials()
    store = oauth.TokenStore(tmp_path / "token.json", box.exact_url, keys["EXACT_CLIENT_ID"], keys["EXACT_CLIENT_SECRET"], redirect)
    done: list = []
    worker = threading.Thread(target=lambda: done.append(Wizard(console, {}, redirect_timeout=HANG).login(store)), daemon=True)
    worker.start()
    assert waiting.wait(HANG)
    os.write(keyboard, f"{location}\n".encode())
    worker.join(HANG)
    assert done == [None] and store.read() is not None


# ------------------------------------------------------------------ a stop, and the next start
def test_a_stopped_set_up_keeps_its_answers_and_the_next_init_continues(box, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keys = box.credentials()
    first = [box.woo_url, keys["WOO_CONSUMER_KEY"], keys["WOO_CONSUMER_SECRET"], box.exact_url, keys["EXACT_CLIENT_ID"], keys["EXACT_CLIENT_SECRET"]]
    stopped = invoke(["init", "--no-browser"], [*first, PASTE_REDIRECT, pasted_redirect(box, monkeypatch), box.vies_url])
    assert stopped.exit_code == 2 and 'set-up stopped at "Book each order as' in stopped.output
    assert "in step 4 of 6 (what to book); no spec was written yet" in stopped.output
    assert "the answers of steps 1-3 are kept in .sync.yaml.init (mode 0600, removed once the spec is written)" in stopped.output
    assert "run `runner init sync.yaml` again to continue from step 4" in stopped.output
    kept = tmp_path / ".sync.yaml.init"
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600 and not (tmp_path / "sync.yaml").exists()
    assert all(keys[n] not in stopped.output for n in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_SECRET"))

    kept_text = kept.read_text()
    assert all(keys[n] not in kept_text for n in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_SECRET"))
    secrets = [keys["WOO_CONSUMER_KEY"], keys["WOO_CONSUMER_SECRET"], keys["EXACT_CLIENT_SECRET"]]  # asked again
    again = invoke(["init", "--no-browser"], ["y", *secrets, "", "paid", "", "2020-01-01", "n", ""])
    out = again.output
    assert again.exit_code == 0, out
    assert "continue from step 4 with the answers given then? [Y/n]" in out and "Shop address" not in out and "Paste the address" not in out
    assert "logged in already (the login from before" in out and f"{MAIN_DIVISION} Demo Webwinkel B.V. (kept from before)" in out
    assert load(tmp_path / "sync.yaml").booking.status == "paid" and not kept.exists()
    assert_secrets_kept(box, tmp_path, out)


def test_ctrl_c_outside_a_question_says_what_was_kept(box, tmp_path):
    keys = box.credentials()
    typed = iter([box.woo_url, keys["WOO_CONSUMER_KEY"], keys["WOO_CONSUMER_SECRET"], box.exact_url])

    def ask(question, default, hidden):
        if "client id" in question:
            raise KeyboardInterrupt  # Ctrl-C while the wizard works, not at a click prompt
        return next(typed)

    wizard = Wizard(Console(lambda text: None, ask, lambda q, d: True), {})
    with pytest.raises(Stopped) as stop:
        wizard.run(tmp_path / "client" / "sync.yaml", force=False)
    assert stop.value.message == "set-up stopped (Ctrl-C) in step 2 of 6 (the Exact Online login); no spec was written yet"
    assert "the answers of step 1 are kept in" in stop.value.hint and "to continue from step 2" in stop.value.hint
    no_answer = Wizard(Console(lambda text: None, lambda q, d, h: (_ for _ in ()).throw(KeyboardInterrupt), lambda q, d: True), {})
    with pytest.raises(Stopped, match=r"in step 1 of 6 \(the shop\); no spec was written and no answer was kept"):
        no_answer.run(tmp_path / "other" / "sync.yaml", force=False)
