"""The PayPal simulator in its documented REST shape (no official Python client takes a base
address): a client-credentials token, Transaction Search with its 31-day window and its delay,
balances; and its settings for what the reference leaves open [U]."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from runner.sandbox.psp.paypal import CLIENT_ID, CLIENT_SECRET
from runner.sandbox.psp.paypal_books import PayPalSettings
from tests.sandbox.psp_support import NOW, providers

OCTOBER = {"start_date": "2026-10-01T00:00:00+0000", "end_date": "2026-10-31T23:59:59+0000"}
NOVEMBER = {"start_date": "2026-11-01T00:00:00Z", "end_date": "2026-11-20T11:59:59Z"}


@contextmanager
def signed_in(running) -> Iterator[httpx.Client]:
    with running.servers["paypal"].client(base_url=running.urls["paypal"]) as http:
        token = http.post("/v1/oauth2/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET))
        assert token.status_code == 200 and token.json()["expires_in"] == 32400
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield http


def search(http: httpx.Client, window: dict, **params) -> list[dict]:
    rows, page = [], 1
    while True:
        answer = http.get("/v1/reporting/transactions", params={**window, "page_size": 20, "page": page, **params}).json()
        rows += [d["transaction_info"] for d in answer["transaction_details"]]
        if page >= answer["total_pages"]:
            return rows
        page += 1


def test_two_months_of_rows_link_to_the_orders_and_run_to_the_balance():
    with providers() as (woo, running, _), signed_in(running) as http:
        rows = search(http, OCTOBER) + search(http, NOVEMBER)
        codes = {r["transaction_event_code"] for r in rows}
        assert codes == {"T0006", "T1107", "T1201", "T0106", "T0400"}
        captures = {o["transaction_id"]: o for o in woo.orders.values() if o["payment_method"] == "ppcp-gateway" and o["transaction_id"]}
        for row in rows:
            if row["transaction_event_code"] == "T0006":  # the order's transaction_id is the capture; custom_id its id
                order = captures[row["transaction_id"]]
                assert row["custom_field"] == str(order["id"]) and row["invoice_id"] == f"WC-{order['number']}"
                fees = next(m["value"] for m in order["meta_data"] if m["key"] == "_ppcp_paypal_fees")
                assert Decimal(row["fee_amount"]["value"]) == -Decimal(fees["paypal_fee"]["value"])
        withdrawn = [-Decimal(r["transaction_amount"]["value"]) for r in rows if r["transaction_event_code"] == "T0400"]
        assert withdrawn == [p[2] for p in running.paid_out("paypal")]
        since, between = Decimal(0), []  # no payout object: the rows since the last withdrawal are what the next one pays out
        for row in rows:
            if row["transaction_event_code"] == "T0400":
                between.append(since)
                since = Decimal(0)
            else:
                since += Decimal(row["transaction_amount"]["value"]) + Decimal(row.get("fee_amount", {"value": "0"})["value"])
        assert between == withdrawn
        assert Decimal(rows[-1]["available_balance"]["value"]) == running.balance("paypal") == Decimal("-22.96")
        balances = http.get("/v1/reporting/balances").json()["balances"]
        assert Decimal(balances[0]["available_balance"]["value"]) == running.balance("paypal")


def test_the_next_link_is_the_same_search_one_page_on():
    with providers() as (_, running, _), signed_in(running) as http:
        first = http.get("/v1/reporting/transactions", params={**OCTOBER, "page_size": 7, "transaction_type": "T0006"}).json()
        (link,) = [link["href"] for link in first["links"] if link["rel"] == "next"]
        second = http.get(link).json()
    assert second["page"] == 2 and second["total_items"] == first["total_items"]
    assert {d["transaction_info"]["transaction_event_code"] for d in second["transaction_details"]} == {"T0006"}
    assert not {d["transaction_info"]["transaction_id"] for d in second["transaction_details"]} & {
        d["transaction_info"]["transaction_id"] for d in first["transaction_details"]
    }


def test_a_window_over_31_days_or_without_dates_is_refused_as_paypal_does():
    with providers() as (_, running, _), signed_in(running) as http:
        wide = http.get("/v1/reporting/transactions", params={"start_date": "2026-10-01T00:00:00Z", "end_date": "2026-11-02T00:00:00Z"})
        bare = http.get("/v1/reporting/transactions", params={"start_date": "2026-10-01"})
    assert wide.status_code == 400 and wide.json()["name"] == "INVALID_REQUEST" and wide.json()["details"][0]["field"] == "end_date"
    assert bare.status_code == 400 and bare.json()["details"][0]["field"] == "start_date"


@pytest.mark.parametrize("hours", [3.0, 0.5])
def test_a_row_shows_only_after_the_delay(hours):
    with providers(paypal=PayPalSettings(delay_hours=hours)) as (_, running, clock), signed_in(running) as http:
        last = max((m for m in running.paypal.books.moves if m.kind == "payment"), key=lambda m: m.when)
        window = {
            "start_date": (last.when - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_date": (last.when + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        clock.set(last.when + timedelta(hours=hours) - timedelta(minutes=1))
        before = [r["transaction_id"] for r in search(http, window)]
        clock.set(last.when + timedelta(hours=hours))
        after = [r["transaction_id"] for r in search(http, window)]
        clock.set(last.when - timedelta(hours=hours) - timedelta(minutes=1))
        too_new = http.get("/v1/reporting/transactions", params={**window, "start_date": last.when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert last.id not in before and last.id in after
    assert too_new.status_code == 400 and too_new.json()["message"] == "Data for the given start date is not available."


@pytest.mark.parametrize("returns", [True, False])
def test_whether_a_refund_returns_part_of_the_fee_is_a_setting(returns):
    with providers(paypal=PayPalSettings(refund_returns_fee=returns)) as (_, running, _), signed_in(running) as http:
        refunds = search(http, OCTOBER, transaction_type="T1107") + search(http, NOVEMBER, transaction_type="T1107")
    assert refunds and all(("fee_amount" in r) is returns for r in refunds)
    assert all("ending_balance" not in r for r in refunds)  # any filter leaves it out, as the spec says


@pytest.mark.parametrize("code", ["T0400", "T0401"])
def test_how_a_withdrawal_shows_is_a_setting(code):
    with providers(paypal=PayPalSettings(withdrawal_code=code)) as (_, running, _), signed_in(running) as http:
        rows = search(http, OCTOBER, transaction_type=code)
    assert len(rows) == sum(1 for p in running.paid_out("paypal") if p[1].month == 10) > 0


@pytest.mark.parametrize("enabled", [True, False])
def test_an_app_without_transaction_search_gets_a_token_without_the_scope_and_a_403(enabled):
    with providers(paypal=PayPalSettings(search_enabled=enabled)) as (_, running, _), signed_in(running) as http:
        answer = http.get("/v1/reporting/transactions", params=OCTOBER)
    assert answer.status_code == (200 if enabled else 403)
    if not enabled:
        assert answer.json()["name"] == "NOT_AUTHORIZED"


def test_wrong_credentials_and_a_stale_token_are_refused():
    with providers() as (_, running, clock):
        with running.servers["paypal"].client(base_url=running.urls["paypal"]) as http:
            wrong = http.post("/v1/oauth2/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, "nope"))
        with signed_in(running) as http:
            clock.set(NOW + timedelta(seconds=32400))
            stale = http.get("/v1/reporting/transactions", params=OCTOBER)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert stale.status_code == 401 and stale.json()["error"] == "invalid_token"


@pytest.mark.parametrize("carried", [True, False])
def test_whether_a_row_carries_the_order_id_in_custom_field_is_a_setting(carried):
    with providers(paypal=PayPalSettings(custom_field=carried)) as (_, running, _), signed_in(running) as http:
        sales = search(http, OCTOBER, transaction_type="T0006")
    assert sales and all(("custom_field" in r) is carried and r["invoice_id"].startswith("WC-") for r in sales)
