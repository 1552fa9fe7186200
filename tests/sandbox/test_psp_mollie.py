"""The Mollie simulator as Mollie's own Python client (mollie-api-python 4.0.0) reads it, for
the calls a settlement booker makes, and its settings for what the reference leaves open [U]."""

from __future__ import annotations

from decimal import Decimal

import pytest
from mollie.api.client import Client
from mollie.api.error import UnauthorizedError

from runner.sandbox.psp.mollie import ACCESS_TOKEN, PROFILE_KEY
from runner.sandbox.psp.mollie_books import MollieSettings
from tests.sandbox.psp_support import providers


def official(url: str, token: str = ACCESS_TOKEN) -> Client:
    client = Client(api_endpoint=url)
    client.set_access_token(token)
    return client


def test_the_official_client_pages_through_settlements_and_reads_what_each_holds():
    with providers(sockets=True) as (_, running, _):
        client = official(running.urls["mollie"])
        page, seen = client.settlements.list(limit=2), []
        while page is not None:
            seen += list(page)
            page = page.get_next() if page.has_next() else None
        paid_out = running.paid_out("mollie")
        assert [s.id for s in seen] == [p[0] for p in reversed(paid_out)]  # newest first, over four pages
        for settlement in seen:
            again = client.settlements.get(settlement.reference)  # by the bank reference, as on the bank statement
            assert again.id == settlement.id and again.status == "paidout"
            payments = list(again.payments.list(limit=250))
            refunds = list(again.refunds.list())
            chargebacks = list(again.chargebacks.list())
            assert all(p.metadata["order_id"] and p.description.startswith("Order ") for p in payments)
            assert all(Decimal(r.settlement_amount["value"]) < 0 for r in refunds)
            moved = sum(Decimal(p.settlement_amount["value"]) for p in payments) + sum(Decimal(r.settlement_amount["value"]) for r in refunds)
            moved += sum(Decimal(c.settlement_amount["value"]) for c in chargebacks)
            assert Decimal(again.amount["value"]) < moved or not payments  # fees come off before the payout
        assert sum(len(list(client.settlements.get(s.id).chargebacks.list())) for s in seen) == 1
        open_now = client.settlements.get("open")  # what is not paid out yet: the whole balance
        assert open_now.status == "open" and open_now.settled_at is None
        assert Decimal(open_now.amount["value"]) == running.balance("mollie")


def test_the_balance_and_its_transactions_add_up_to_what_mollie_holds():
    with providers(sockets=True) as (_, running, _):
        balance = official(running.urls["mollie"]).balances.get("primary")
        held = Decimal(balance.available_amount["value"]) + Decimal(balance.pending_amount["value"])
        assert held == running.balance("mollie") == Decimal("-50.31")
        total, page = Decimal(0), balance.get_transactions(limit=100)
        kinds = set()
        while page is not None:
            for row in page:
                total += Decimal(row.result_amount["value"])
                kinds.add(row.type)
            page = page.get_next() if page.has_next() else None
        assert total == held
        assert {"payment", "refund", "chargeback", "outgoing-transfer", "invoice-rounding-compensation"} <= kinds


def test_a_wrong_token_gets_mollies_error_body():
    with providers(sockets=True) as (_, running, _):
        with pytest.raises(UnauthorizedError) as refused:
            official(running.urls["mollie"], "access_wrong").settlements.list()
        assert "failed to authenticate" in str(refused.value)


@pytest.mark.parametrize("allowed", [False, True])
def test_a_profile_api_key_reads_settlements_only_when_set_to(allowed):
    with providers(mollie=MollieSettings(profile_keys=allowed)) as (_, running, _):
        with running.servers["mollie"].client(base_url=running.urls["mollie"]) as http:
            answer = http.get("/v2/settlements", headers={"Authorization": f"Bearer {PROFILE_KEY}"})
    assert answer.status_code == (200 if allowed else 403)
    assert answer.headers["content-type"] == "application/hal+json"


@pytest.mark.parametrize("largest", [250, 100])
def test_the_largest_page_is_a_setting(largest):
    with providers(mollie=MollieSettings(max_limit=largest)) as (_, running, _):
        with running.servers["mollie"].client(base_url=running.urls["mollie"], headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}) as http:
            assert http.get("/v2/balances/primary/transactions", params={"limit": largest}).status_code == 200
            over = http.get("/v2/balances/primary/transactions", params={"limit": largest + 1})
    assert over.status_code == 400 and over.json()["field"] == "limit"


@pytest.mark.parametrize("listed", [True, False])
def test_pending_payments_are_listed_as_balance_transactions_only_when_set_to(listed):
    with providers(mollie=MollieSettings(list_pending=listed)) as (woo, running, clock):
        woo_order = max((m for m in running.mollie.books.moves if m.kind == "payment"), key=lambda m: m.when)
        clock.set(woo_order.when)  # the moment the last payment is made: not yet available
        with running.servers["mollie"].client(base_url=running.urls["mollie"], headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}) as http:
            rows = http.get("/v2/balances/primary/transactions", params={"limit": 250}).json()["_embedded"]["balance_transactions"]
    assert any(r["id"] == woo_order.id for r in rows) is listed


@pytest.mark.parametrize("positive", [False, True])
def test_the_chargebacks_settlement_amount_sign_is_a_setting(positive):
    with providers(mollie=MollieSettings(chargeback_positive=positive)) as (_, running, _):
        (chargeback,) = [m for m in running.mollie.books.moves if m.kind == "chargeback"]
        running.mollie.books.payouts(running.mollie.now())
        with running.servers["mollie"].client(base_url=running.urls["mollie"], headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}) as http:
            listed = http.get(f"/v2/settlements/{chargeback.payout}/chargebacks").json()["_embedded"]["chargebacks"]
    assert (Decimal(listed[0]["settlementAmount"]["value"]) > 0) is positive
