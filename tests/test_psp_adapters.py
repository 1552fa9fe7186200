"""The provider adapters (issue 24 point 2) read the shapes the reference shows
(psp-settlements.md sections 2.3, 3.3, 4.2) through an httpx transport and make neutral
settlements that add up: movements less fees are the payout, to the cent."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

import httpx
import pytest

from runner.adapters.psp import provider_for
from runner.domain.settlement import CHARGEBACK, PAYMENT, REFUND
from runner.errors import SpecError
from runner.spec.providers import KeyProvider, PayPal

MOLLIE = "http://127.0.0.1:9/mollie"


def serve(routes: dict[str, object], seen: list | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        body = routes.get(request.url.path)
        if body is None:
            return httpx.Response(404, json={"status": 404, "title": "Not Found", "detail": "no such thing"})
        if callable(body):
            body = body(request)
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler)


def eur(value: str) -> dict:
    return {"currency": "EUR", "value": value}


def mollie_routes() -> dict:
    stl = {
        "resource": "settlement", "id": "stl_k2Jx8PqR4d", "reference": "1234567.2611.02", "settledAt": "2026-11-12T09:41:10+00:00",
        "status": "paidout", "amount": eur("202.98"),
    }  # fmt: skip
    open_one = {"resource": "settlement", "id": "stl_open", "status": "open", "settledAt": None, "amount": eur("10.00")}
    payments = [
        {"resource": "payment", "id": "tr_7Hq2", "paidAt": "2026-11-03T09:14:02+00:00", "amount": eur("121.00"),
         "settlementAmount": eur("121.00"), "metadata": {"order_id": 1042}},
        {"resource": "payment", "id": "tr_1043", "paidAt": "2026-11-03T10:00:00+00:00", "amount": eur("60.50"),
         "settlementAmount": eur("60.50"), "metadata": {"order_id": 1043}},
        {"resource": "payment", "id": "tr_1044", "paidAt": "2026-11-04T10:00:00+00:00", "amount": eur("100.00"),
         "settlementAmount": eur("100.00"), "metadata": {"order_id": 1044}},
        {"resource": "payment", "id": "tr_pp", "paidAt": "2026-11-04T10:00:00+00:00", "amount": eur("50.00"), "method": "paypal"},
    ]  # fmt: skip
    page2 = f"{MOLLIE}/v2/settlements/stl_k2Jx8PqR4d/payments?from=tr_1044&limit=2"
    return {
        "/mollie/v2/settlements": {"count": 2, "_embedded": {"settlements": [open_one, stl]}, "_links": {"next": None}},
        "/mollie/v2/settlements/stl_k2Jx8PqR4d/payments": lambda request: (
            {"_embedded": {"payments": payments[2:]}, "_links": {"next": None}}
            if request.url.params.get("from")
            else {"_embedded": {"payments": payments[:2]}, "_links": {"next": {"href": page2}}}
        ),
        "/mollie/v2/settlements/stl_k2Jx8PqR4d/captures": {"_embedded": {"captures": []}, "_links": {}},
        "/mollie/v2/settlements/stl_k2Jx8PqR4d/refunds": {"_embedded": {"refunds": [
            {"resource": "refund", "id": "re_4qq", "paymentId": "tr_5Bk2", "amount": eur("30.00"), "settlementAmount": eur("-30.00"),
             "createdAt": "2026-11-08T14:02:11+00:00"}]}},
        "/mollie/v2/settlements/stl_k2Jx8PqR4d/chargebacks": {"_embedded": {"chargebacks": [
            {"resource": "chargeback", "id": "chb_n9z", "paymentId": "tr_9Wd3", "amount": eur("45.00"), "settlementAmount": eur("45.00"),
             "createdAt": "2026-11-09T17:00:52+00:00"}]}},
        "/mollie/v2/balances/primary": {"availableAmount": eur("12.00"), "pendingAmount": eur("3.50")},
    }  # fmt: skip


def test_mollie_settlement_pages_links_and_fees_as_payout_less_movements():
    seen: list[httpx.Request] = []
    mollie = provider_for("mollie", KeyProvider(url=MOLLIE, api_key="access_x"), serve(mollie_routes(), seen))
    [settlement] = mollie.settlements(date(2026, 11, 1))
    assert (settlement.id, settlement.reference, settlement.paid_out) == ("stl_k2Jx8PqR4d", "1234567.2611.02", date(2026, 11, 12))
    assert settlement.payout == D("202.98")
    kinds = [(m.kind, m.ref, m.amount, m.payment, m.order) for m in settlement.movements]
    assert kinds == [
        (PAYMENT, "tr_7Hq2", D("121.00"), "tr_7Hq2", "1042"),
        (PAYMENT, "tr_1043", D("60.50"), "tr_1043", "1043"),
        (PAYMENT, "tr_1044", D("100.00"), "tr_1044", "1044"),  # the second page, followed by its absolute link
        (REFUND, "re_4qq", D("-30.00"), "tr_5Bk2", ""),
        (CHARGEBACK, "chb_n9z", D("-45.00"), "tr_9Wd3", ""),  # a positive settlementAmount (a fixture's) normalised
    ]  # the PayPal payment through Mollie has no settlementAmount: Mollie did not settle it
    assert settlement.fee_kinds() == {"fees": D("3.52")}
    settlement.check()
    assert mollie.balance() == D("15.50")
    assert all(r.headers["Authorization"] == "Bearer access_x" for r in seen)
    assert mollie.settlements(date(2026, 11, 13)) == []


def test_mollie_refusing_the_key_is_a_spec_error_naming_the_section():
    def refuse(request):
        detail = "Missing authentication, or failed to authenticate"
        return httpx.Response(401, json={"status": 401, "title": "Unauthorized Request", "detail": detail})

    mollie = provider_for("mollie", KeyProvider(url=MOLLIE, api_key="test_x"), httpx.MockTransport(refuse))
    with pytest.raises(SpecError) as refused:
        mollie.settlements()
    assert "failed to authenticate" in refused.value.message and "settlements.mollie" in refused.value.hint


def test_stripe_payout_balance_transactions_fees_and_links():
    bts = json.loads((__import__("pathlib").Path(__file__).parent / "data" / "stripe-payout.json").read_text())
    routes = {
        "/v1/payouts": {"object": "list", "has_more": False, "data": [bts["payout"]]},
        "/v1/balance_transactions": {"object": "list", "has_more": False, "data": bts["balance_transactions"]},
    }
    stripe = provider_for("stripe", KeyProvider(url="http://127.0.0.1:9", api_key="sk_test_x"), serve(routes))
    [payout] = stripe.settlements(date(2026, 11, 1))
    assert payout.payout == D("63.46") and payout.currency == "EUR"
    rows = [(m.kind, m.ref, m.amount, m.payment, m.links, m.order, m.fee, m.fee_kind) for m in payout.movements]
    assert rows == [
        (CHARGEBACK, "dp_1", D("-45.00"), "ch_3Qd", (), "", D("20.00"), "Dispute fee"),
        (REFUND, "re_3", D("-30.00"), "ch_1017", (), "", D("0"), "Stripe fees"),
        (PAYMENT, "py_3", D("60.50"), "py_3", ("pi_1043",), "1043", D("0.29"), "Stripe processing fees"),
        (PAYMENT, "ch_3", D("100.00"), "ch_3", ("pi_1042",), "1042", D("1.75"), "Stripe processing fees"),
    ]
    payout.check()


def test_paypal_rows_up_to_a_withdrawal_are_one_settlement_and_later_ones_wait():
    rows = json.loads((__import__("pathlib").Path(__file__).parent / "data" / "paypal-transactions.json").read_text())
    seen: list[httpx.Request] = []
    routes = {"/v1/oauth2/token": {"access_token": "A21", "expires_in": 32400}, "/v1/reporting/transactions": rows}
    paypal = provider_for("paypal", PayPal(url="http://127.0.0.1:9", client_id="id", client_secret="secret"), serve(routes, seen))
    paypal.now = lambda: datetime(2026, 11, 20, tzinfo=UTC)
    [withdrawal] = paypal.settlements(date(2026, 11, 1))
    assert (withdrawal.id, withdrawal.payout, withdrawal.closing, withdrawal.opening) == ("4WD", D("543.39"), D("0.00"), D("500.00"))
    assert [(m.kind, m.payment, m.order, m.fee) for m in withdrawal.movements] == [
        (PAYMENT, "8MC", "1042", D("3.36")),
        (REFUND, "5AV", "1017", D("-0.75")),
        (CHARGEBACK, "3BB", "", D("0")),
    ]
    withdrawal.check()
    assert seen[0].url.path == "/v1/oauth2/token" and seen[0].headers["Authorization"].startswith("Basic ")
    assert seen[1].headers["Authorization"] == "Bearer A21" and seen[1].url.params["end_date"] == "2026-11-20T00:00:00+0000"
