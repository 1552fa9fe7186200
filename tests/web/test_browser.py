"""The desk in a real browser: Debian's headless Chromium driven by Playwright (never a browser
Playwright downloads). Log in, see the demo clients, open the failing one, press Retry and see
the order booked, open the VAT report and its chart; a forged POST and a forged webhook are
refused. Screenshots go to .screenshots/ (RUNNER_SCREENSHOTS names another folder) for review.
Without Chromium they skip, saying why; CI sets RUNNER_BROWSER_TESTS=required and they must run."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.web.conftest import TOKEN

CHROMIUM = os.environ.get("RUNNER_CHROMIUM", "/usr/bin/chromium")  # Debian's; another path for another system
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 120_000  # only a hung page reaches it
pytestmark = pytest.mark.browser


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test,web]')"
    if not Path(CHROMIUM).exists() and not (CHROMIUM == "/usr/bin/chromium" and shutil.which("chromium")):
        return "Chromium is not installed (apt-get install chromium chromium-driver)"
    return ""


@pytest.fixture(scope="module")
def chromium():
    missing = _missing()
    if missing:
        if os.environ.get("RUNNER_BROWSER_TESTS") == "required":
            pytest.fail(f"the browser tests must run here (RUNNER_BROWSER_TESTS=required): {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots() -> Path:
    folder = Path(os.environ.get("RUNNER_SCREENSHOTS") or ROOT / ".screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def logged_in(chromium, served, **context):
    page = chromium.new_context(**context).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(served.url + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(served.url + "/")
    return page


def test_a_consultant_logs_in_retries_the_failing_client_and_reads_the_vat_report(chromium, served, shots):
    page = logged_in(chromium, served, viewport={"width": 1280, "height": 720})
    rows = page.locator("table.overview tbody tr.client")
    assert rows.count() == 3
    assert rows.nth(0).get_attribute("data-state") == "failing" and "fietsenwinkel-noord" in rows.nth(0).inner_text()
    page.screenshot(path=str(shots / "desk-overview.png"), full_page=True)

    page.click("text=fietsenwinkel-noord")
    page.wait_for_url("**/clients/fietsenwinkel-noord")
    assert "Periode is afgesloten" in page.inner_text("table.failures")
    page.screenshot(path=str(shots / "desk-client.png"), full_page=True)
    refused = str(served.demo.refused)
    exact = served.demo.boxes["fietsenwinkel-noord"].exact
    assert not [e for e in exact.entries.values() if e.get("YourRef") == refused]

    page.click("button:has-text('Retry')")
    page.wait_for_url("**/clients/fietsenwinkel-noord")
    assert "booked 1 order(s)" in page.inner_text(".said") and "Failures (0)" in page.inner_text("body")
    assert [e for e in exact.entries.values() if e.get("YourRef") == refused]

    page.fill("input[name=from]", "2020-01-01")
    page.click("button:has-text('Open the VAT report')")
    page.wait_for_url("**/report?**")
    assert page.locator("svg.chart rect").count() >= 2 and page.locator("table.boxes tbody tr").count() >= 7
    page.screenshot(path=str(shots / "desk-vat-report.png"), full_page=True)


def test_a_forged_post_and_a_forged_webhook_are_refused(chromium, served):
    page = logged_in(chromium, served)
    exact = served.demo.boxes["bakkerij-de-zon"].exact
    before = len(exact.entries)
    forged = page.request.post(served.url + "/clients/bakkerij-de-zon/run", form={"csrf": "forged"})  # the session's cookie, no token
    assert forged.status == 403
    hook = page.request.post(
        served.url + "/hooks/bakkerij-de-zon", data='{"id": 1}', headers={"Content-Type": "application/json", "X-WC-Webhook-Signature": "Zm9yZ2Vk"}
    )
    assert hook.status == 401 and len(exact.entries) == before and served.desk.due == {}


def test_the_overview_reads_on_a_phone(chromium, served, shots):
    page = logged_in(chromium, served, viewport={"width": 390, "height": 844}, is_mobile=True)
    first = page.locator("table.overview tbody tr.client").nth(0)
    assert first.bounding_box()["width"] <= 390  # a card per client, no sideways scrolling
    assert page.locator("table.overview thead").is_hidden()  # each cell says what it is (its data-label) instead
    assert "Periode is afgesloten" in first.inner_text()
    page.screenshot(path=str(shots / "desk-overview-phone.png"), full_page=True)


def test_a_consultant_sees_each_providers_balance_beside_its_journal_and_settles_now(chromium, served, shots):
    page = logged_in(chromium, served, viewport={"width": 1280, "height": 720})
    page.click("text=bakkerij-de-zon")
    page.wait_for_url("**/clients/bakkerij-de-zon")
    box = served.demo.boxes["bakkerij-de-zon"]
    mollie = page.locator("#settle-mollie")
    assert "no payout booked yet" in mollie.inner_text()
    holds = mollie.locator("[data-side=provider-balance]").inner_text()
    assert Decimal(holds.replace(",", "")) == box.providers.balance("mollie")  # what Mollie says it holds, on the page
    assert mollie.locator("[data-side=provider-settled]").inner_text() == mollie.locator("[data-side=journal-settled]").inner_text()
    assert "agrees to the cent" in mollie.inner_text()

    page.click("button:has-text('Settle now')")
    page.wait_for_url("**/clients/bakkerij-de-zon")
    assert "settled: Mollie" in page.inner_text(".said")
    mollie = page.locator("#settle-mollie")
    entries = {str(row["EntryNumber"]) for row in box.exact.bank_entries.values() if row["JournalCode"].strip() == "23"}
    shown = set(mollie.locator("table.payouts td[data-label=entry]").all_inner_texts())
    assert entries and shown == entries  # each payout booked, by its entry in Exact's Mollie journal
    assert mollie.locator("[data-side=provider-settled]").inner_text() == mollie.locator("[data-side=journal-settled]").inner_text()
    assert "agrees to the cent" in mollie.inner_text()
    page.screenshot(path=str(shots / "desk-settlements.png"), full_page=True)
