"""The desk's pages in-process: the login, the overview worst first, a client's page with
Exact's words and a Retry that books, every POST's CSRF token, escaping, no secret shown."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from tests.web.conftest import TOKEN, VIEW_TOKEN


def refused_order(box, name: str = "Espressobonen 1 kg") -> dict:
    """An order in June 2025, a month the bookkeeper closed in Exact: Exact refuses it."""
    from runner.sandbox.woo.carts import Address, ProductLine

    june = datetime(2025, 6, 14, 11, 30)
    box.exact.close_period(2025, 6)
    return box.woo.place_order(
        lines=(ProductLine(188, name, Decimal("24.20"), 2, sku="ESP-1KG"),),
        billing=Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl"),
        created=june,
        paid=june,
        completed=june,
        status="completed",
    )


def booked_refs(box) -> set[str]:
    return {str(doc.get("YourRef")) for doc in box.documents()}


def test_every_page_asks_for_the_login_first(sync_box, desk_of):
    box = sync_box(orders=4)
    _, _, browser = desk_of(box)
    for url in ("/", "/clients/client0", "/clients/client0/preview", "/clients/client0/report"):
        response = browser.get(url)
        assert response.status_code == 303 and response.headers["location"] == "/login", url
    assert browser.post("/clients/client0/run", data={"csrf": "x"}).status_code == 401
    assert browser.get("/", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    assert browser.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert browser.log_in("not the token").headers["location"] == "/login?failed=1"
    assert browser.get("/").status_code == 303


def test_the_session_cookie_is_httponly_strict_and_secure_behind_https(sync_box, desk_of):
    box = sync_box(orders=4)
    _, _, plain = desk_of(box)
    cookie = plain.log_in().headers["set-cookie"].lower()
    assert "desk_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert plain.get("/").status_code == 200
    _, _, tls = desk_of(box, base="https://desk.test")
    cookie = tls.log_in().headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "; secure" in cookie


def test_the_login_form_without_its_check_is_refused(sync_box, desk_of):
    box = sync_box(orders=4)
    _, _, browser = desk_of(box)
    assert browser.post("/login", data={"token": TOKEN}).status_code == 403


def test_the_overview_lists_every_client_worst_first(sync_box, desk_of):
    fine, failing = sync_box(orders=4), sync_box(orders=4, seed=5)
    refused = refused_order(failing)
    assert fine.run("run").exit_code == 0 and failing.run("run").exit_code == 1
    _, _, browser = desk_of(fine, failing)
    browser.log_in()
    rows = browser.get("/", headers={"Accept": "application/json"}).json()
    assert [(r["name"], r["state"]) for r in rows] == [("client1", "failing"), ("client0", "ok")]
    assert rows[0]["failures"] == 1 and rows[0]["first_failure"] and rows[1]["today"] >= 0 and rows[1]["calls_left"] is not None
    page = browser.get("/").text
    assert page.index("client1") < page.index("client0") and rows[0]["first_failure"].split("'")[0][:30] in page
    for column in (
        "state",
        "last run",
        "booked today",
        "this month",
        "failures",
        "calls left today",
        "booking lines this month",
        "login age",
        "next run",
    ):
        assert column in page
    assert str(refused["id"]) not in browser.get("/?q=ok").text and "client1" not in browser.get("/?q=ok").text
    by_name = browser.get("/?sort=name", headers={"Accept": "application/json"}).json()
    assert [r["name"] for r in by_name] == ["client0", "client1"]


def test_retry_on_the_clients_page_books_the_order_exact_refused(sync_box, desk_of):
    box = sync_box(orders=4)
    refused = refused_order(box)
    assert box.run("run").exit_code == 1
    _, _, browser = desk_of(box)
    browser.log_in()
    page = browser.get("/clients/client0").text
    assert f'<td data-label="order">{refused["id"]}</td>' in page and "what to do" in page and "Retry" in page
    assert refused["number"] not in booked_refs(box)
    assert browser.post("/clients/client0/retry", data={}).status_code == 403  # a forged POST: no CSRF token
    assert browser.post("/clients/client0/retry", data={"csrf": "forged"}).status_code == 403
    assert refused["number"] not in booked_refs(box)
    box.exact.open_period(2025, 6)  # the bookkeeper opens the month again
    done = browser.post("/clients/client0/retry", data={"csrf": browser.csrf("/clients/client0")})
    assert done.status_code == 303
    page = browser.get("/clients/client0").text
    assert "booked 1 order(s)" in page and "Failures (0)" in page
    assert refused["number"] in booked_refs(box)


def test_run_now_books_what_is_due_and_a_busy_client_says_so(sync_box, desk_of):
    from runner.ledger.lock import run_lock
    from runner.spec import load
    from runner.web.data import lock_path

    box = sync_box(orders=4)
    _, _, browser = desk_of(box)
    browser.log_in()
    csrf = browser.csrf("/clients/client0")
    with run_lock(lock_path(load(box.spec))):  # a cron run holds the client
        browser.post("/clients/client0/run", data={"csrf": csrf})
        assert "a run of this client is busy" in browser.get("/clients/client0").text
    assert box.documents() == []
    browser.post("/clients/client0/run", data={"csrf": csrf})
    assert "booked 4 order(s)" in browser.get("/clients/client0").text and len(box.documents()) == 4
    assert "Runs of the last 14 days (1)" in browser.get("/clients/client0").text


def test_scripts_use_a_bearer_token_and_need_no_csrf(sync_box, desk_of):
    box = sync_box(orders=4)
    _, _, browser = desk_of(box)
    said = browser.post("/clients/client0/run", headers={"Authorization": f"Bearer {TOKEN}"}).json()["said"]
    assert said == "booked 4 order(s)"
    said = browser.post("/clients/client0/retry", headers={"Authorization": f"Bearer {TOKEN}"}).json()["said"]
    assert said == "nothing to retry: no order has failed"


def test_the_shop_owners_view_only_login_presses_no_button(sync_box, desk_of):
    box = sync_box(orders=4)
    refused_order(box)
    box.run("run")
    _, _, browser = desk_of(box)
    browser.log_in(VIEW_TOKEN)
    page = browser.get("/clients/client0").text
    assert "/clients/client0/retry" not in page and "Run now" not in page and "read-only" in page
    csrf = browser.csrf("/clients/client0")
    assert browser.post("/clients/client0/run", data={"csrf": csrf}).status_code == 403
    assert box.documents() and len(box.documents()) == 4  # the first run's, nothing more
    _, _, everyone = desk_of(box, read_only=True)
    everyone.log_in()
    assert "Run now" not in everyone.get("/clients/client0").text


def test_shop_text_stays_text_and_no_secret_is_shown(sync_box, desk_of):
    box = sync_box(orders=2)
    refused_order(box, name="<script>alert('x')</script> Bonen")
    box.exact.open_period(2025, 6)
    _, _, browser = desk_of(box)
    browser.log_in()
    pages = [browser.get(url).text for url in ("/", "/clients/client0", "/clients/client0/preview")]
    assert "&lt;script&gt;alert(" in pages[2] and "<script>" not in "".join(pages)
    secrets = [v.split("=", 1)[1] for v in (box.dir / ".env").read_text().split()] + [TOKEN]
    for page in pages:
        assert not [s for s in secrets if s in page]
    assert "content-security-policy" in browser.last.headers


def test_the_preview_names_gl_accounts_and_vat_codes_with_their_descriptions(sync_box, desk_of):
    box = sync_box(orders=3)
    _, _, browser = desk_of(box)
    browser.log_in()
    page = browser.get("/clients/client0/preview").text
    assert page.count('class="document"') == 3
    assert re.search(r'data-label="GL account">80\d\d Omzet', page) and re.search(r'data-label="VAT code">\d+ \w', page)  # code and description
    assert box.documents() == []  # a preview posts nothing


def test_the_vat_report_shows_the_boxes_as_a_table_and_a_chart(sync_box, desk_of):
    box = sync_box(orders=6)
    assert box.run("run").exit_code == 0
    _, _, browser = desk_of(box)
    browser.log_in()
    page = browser.get("/clients/client0/report", params={"from": "2020-01-01", "to": "2030-12-31"}).text
    assert "<svg" in page and 'class="cards boxes"' in page and "1a" in page and "Shop and Exact agree." in page
    assert browser.get("/clients/client0/report", params={"from": "2030-13-01", "to": "x"}).status_code == 400


def test_an_unknown_client_is_a_plain_404(sync_box, desk_of):
    box = sync_box(orders=2)
    _, _, browser = desk_of(box)
    browser.log_in()
    assert browser.get("/clients/nobody").status_code == 404


def test_a_spec_broken_while_the_desk_runs_is_said_on_its_row_and_page(sync_box, desk_of):
    import os

    box, other = sync_box(orders=2), sync_box(orders=2, seed=5)
    _, _, browser = desk_of(box, other)
    browser.log_in()
    assert browser.get("/").status_code == 200
    box.spec.write_text(box.spec.read_text().replace("version: 1", "version: 1\nbooking: [oops"))
    os.utime(box.spec, (1, 1))  # another modification time, whatever the file system's resolution
    rows = browser.get("/", headers={"Accept": "application/json"}).json()
    assert [r["state"] for r in rows][0] == "spec broken" and rows[0]["name"] == "client0" and rows[1]["state"] == "never run"
    page = browser.get("/clients/client0")
    assert page.status_code == 400 and "what to do:" in page.text and "Traceback" not in page.text


def test_the_desks_runs_send_no_alert_as_the_clis_runs_do(sync_box, desk_of):
    """docs/desk.md: `notify:` alerts are sent by the CLI's runs only (a desk is watched)."""
    from runner.sandbox.transport import InProcessServer
    from tests.test_notify import Hook

    hook = InProcessServer(Hook()).start()
    try:
        box = sync_box(orders=2)
        refused = refused_order(box)
        (box.dir / ".env").write_text((box.dir / ".env").read_text() + f"HOOK_URL={hook.url}/hooks/T000/B000/XXXX\n")
        box.spec.write_text(box.spec.read_text() + "notify:\n  webhook: ${HOOK_URL}\n")
        _, _, browser = desk_of(box)
        browser.log_in()
        said = browser.post("/clients/client0/run", headers={"Authorization": f"Bearer {TOKEN}"}).json()["said"]
        assert said == "booked 2 order(s), 1 failed" and hook.simulator.posts == []
        said = browser.post("/clients/client0/retry", headers={"Authorization": f"Bearer {TOKEN}"}).json()["said"]
        assert said == "booked 0 order(s), 1 failed" and hook.simulator.posts == []
        assert box.run("run", "--order", str(refused["id"])).exit_code == 1 and hook.simulator.posts  # the CLI's run tells
    finally:
        hook.stop()
