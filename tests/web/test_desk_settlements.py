"""Settlements on the desk (issue 25 point 3): a client whose spec has `settlements:` shows a
section per provider (the last payouts booked, the provider's balance beside its journal's in
Exact, what no payout holds yet, differences named: `runner report --settlements`'s own
function) and a Settle now button that books through the run lock; the overview flags a
client whose journal differed at its last settle, from the ledger alone. On the pinned month
of tests/settle_world.py (20 November 2026)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.settle_world import NOW, book_orders, journal_balance, world
from tests.web.conftest import TOKEN, VIEW_TOKEN, Browser


@pytest.fixture
def settled_desk(tmp_path):
    """The pinned shop booked, a desk over its spec on the pinned clock, a browser logged in."""
    from runner.services.webhooks import client_name
    from runner.web.app import create_app
    from runner.web.auth import Gate
    from runner.web.desk import Desk

    w = world(tmp_path / "client", orders=200, now=NOW)  # its first order 28 days before: every payout within the 31 days a settle reads
    book_orders(w)
    desks = []

    def make(read_only: bool = False):
        desk = Desk([w.spec])
        desks.append(desk)
        app = create_app(desk, Gate(TOKEN, VIEW_TOKEN, read_only=read_only), today=NOW.date, now=NOW.timestamp)
        return Browser(app)

    yield w, client_name(w.spec), make
    for desk in desks:
        desk.stop()
    w.stop()


def section(page: str, provider: str) -> str:
    return page.split(f'<section class="settlement" id="settle-{provider}">', 1)[1].split("</section>", 1)[0]


def cell(html: str, name: str) -> str:
    return re.search(rf'data-side="{name}"[^>]*>([^<]*)<', html).group(1).strip()


def amount(shown: str) -> Decimal:
    return Decimal(shown.replace(",", ""))


def test_a_clients_page_shows_each_providers_balance_beside_its_journal_and_settle_now_books_the_payouts(settled_desk):
    w, name, make = settled_desk
    browser = make()
    browser.log_in()
    page = browser.get(f"/clients/{name}").text
    assert "Settlements" in page and "Settle now" in page
    for provider in ("mollie", "stripe", "paypal"):
        assert "no payout booked yet" in section(page, provider)
    assert not w.exact.bank_entries

    done = browser.post(f"/clients/{name}/settle", data={"csrf": browser.csrf(f"/clients/{name}")})
    assert done.status_code == 303
    page = browser.get(f"/clients/{name}").text
    assert re.search(r"settled: Mollie \d+ payout\(s\) booked; Stripe \d+ payout\(s\) booked", page)
    listed = 0
    for provider, journal in (("mollie", "23"), ("stripe", "22"), ("paypal", "21")):
        mine = section(page, provider)
        assert amount(cell(mine, "provider-balance")) == w.providers.balance(provider, NOW)  # what the provider says it holds
        assert amount(cell(mine, "journal-balance")) == journal_balance(w, journal)  # what Exact's journal holds
        assert cell(mine, "provider-settled") == cell(mine, "journal-settled") and "agrees to the cent" in mine
        entries = {str(row["EntryNumber"]) for row in w.exact.bank_entries.values() if row["JournalCode"].strip() == journal}
        shown = re.findall(r'data-label="entry"[^>]*>(\d+)<', mine)
        assert set(shown) <= entries and len(shown) == min(len(entries), 5)  # the last payouts, each by its entry in Exact
        assert len(re.findall(r'data-label="paid out">2026-1[01]-\d\d<', mine)) == len(shown)
        listed += len(shown)
    assert listed and w.exact.bank_entries

    again = browser.post(f"/clients/{name}/settle", headers={"Authorization": f"Bearer {TOKEN}"}).json()["said"]
    assert "settled: Mollie 0 payout(s) booked" in again  # each payout once


def test_a_difference_in_a_journal_is_named_on_the_page_and_flagged_on_the_overview_from_the_ledger(settled_desk):
    w, name, make = settled_desk
    browser = make()
    browser.log_in()
    browser.post(f"/clients/{name}/settle", headers={"Authorization": f"Bearer {TOKEN}"})
    rows = browser.get("/", headers={"Accept": "application/json"}).json()
    assert rows[0]["settlements_differ"] == [] and "settlements differ" not in browser.get("/").text
    hand_entry(w)  # someone books 25.00 by hand in the Mollie journal
    mollie = section(browser.get(f"/clients/{name}").text, "mollie")
    assert "DIFFERENCE -25.00" in mollie and "agrees to the cent" not in mollie
    browser.post(f"/clients/{name}/settle", headers={"Authorization": f"Bearer {TOKEN}"})  # the last settle finds it too

    w.providers.stop()  # the overview asks no provider: what the ledger kept at the last settle is enough
    rows = browser.get("/", headers={"Accept": "application/json"}).json()
    assert rows[0]["settlements_differ"] == ["mollie"] and rows[0]["state"] != "spec broken"
    overview = browser.get("/").text
    assert "settlements differ" in overview
    assert name in browser.get("/?q=settlements").text


def test_a_provider_out_of_reach_is_said_in_its_section_and_the_rest_of_the_page_shows(settled_desk):
    w, name, make = settled_desk
    browser = make()
    browser.log_in()
    w.providers.servers["stripe"].stop()
    page = browser.get(f"/clients/{name}")
    assert page.status_code == 200 and "Failures (0)" in page.text
    assert "could not read" in section(page.text, "stripe") and "agrees to the cent" in section(page.text, "mollie")


def test_settle_now_waits_for_no_run_and_the_view_only_login_has_no_button(settled_desk):
    from runner.ledger.lock import run_lock
    from runner.spec import load
    from runner.web.data import lock_path

    w, name, make = settled_desk
    browser = make()
    browser.log_in()
    csrf = browser.csrf(f"/clients/{name}")
    assert browser.post(f"/clients/{name}/settle", data={}).status_code == 403  # no CSRF token
    with run_lock(lock_path(load(w.spec))):  # a cron run holds the client
        browser.post(f"/clients/{name}/settle", data={"csrf": csrf})
        assert "a run of this client is busy" in browser.get(f"/clients/{name}").text
    assert not w.exact.bank_entries

    owner = make()
    owner.log_in(VIEW_TOKEN)
    page = owner.get(f"/clients/{name}").text
    assert "Settle now" not in page and "agrees to the cent" in page
    assert owner.post(f"/clients/{name}/settle", data={"csrf": owner.csrf(f"/clients/{name}")}).status_code == 403
    everyone = make(read_only=True)
    everyone.log_in()
    assert "Settle now" not in everyone.get(f"/clients/{name}").text
    assert not w.exact.bank_entries


def test_no_provider_key_is_shown_and_a_client_without_settlements_has_no_section(settled_desk, sync_box, desk_of):
    w, name, make = settled_desk
    browser = make()
    browser.log_in()
    browser.post(f"/clients/{name}/settle", headers={"Authorization": f"Bearer {TOKEN}"})
    page = browser.get(f"/clients/{name}").text
    keys = [line.split("=", 1)[1] for line in (w.dir / ".env").read_text().split()]
    assert not [k for k in keys if k in page]
    _, _, plain = desk_of(sync_box(orders=2))
    plain.log_in()
    assert "Settle now" not in plain.get("/clients/client0").text and "Settlements" not in plain.get("/clients/client0").text


def hand_entry(w) -> None:
    from runner import spec as spec_module
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.ledger import Ledger

    spec = spec_module.load(w.spec)
    with Ledger(w.dir / ".runner" / "state.json") as ledger:
        sink = sink_from_spec(spec, ledger, store_from_spec(spec))
        line = {"GLAccount": sink.admin().gl_ids["1190"], "AmountFC": "-25.00", "Description": "Mollie by hand", "Date": "2026-10-20"}
        sink.api.post(
            "financialtransaction/BankEntries", {"JournalCode": "23", "OpeningBalanceFC": "0", "ClosingBalanceFC": "-25.00", "BankEntryLines": [line]}
        )
