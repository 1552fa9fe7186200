"""OAuth2, rate limits and the error budget of the Exact sandbox, pinned to reference 2 and 3."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.sandbox.exact_support import DIVISION, LONG_TOKENS, message

pytest_plugins = ["tests.sandbox.conftest_exact"]

CLIENT = {"client_id": "woo-exact-sandbox", "client_secret": "sandbox-secret"}
REDIRECT = "http://localhost:8765/callback"


def login(http: httpx.Client) -> str:
    """The authorization step: returns the code from the 302 redirect."""
    response = http.get(
        "/api/oauth2/auth",
        params={"client_id": CLIENT["client_id"], "redirect_uri": REDIRECT, "response_type": "code", "state": "xyz 1"},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz 1"]
    assert "%21" in location  # the code carries a '!' that the client must URL-decode
    return query["code"][0]


def token(http: httpx.Client, **form: str) -> httpx.Response:
    return http.post("/api/oauth2/token", data={**CLIENT, **form})


def exchange(http: httpx.Client, code: str, redirect_uri: str = REDIRECT) -> httpx.Response:
    return token(http, grant_type="authorization_code", code=code, redirect_uri=redirect_uri)


def me(http: httpx.Client, access_token: str) -> httpx.Response:
    return http.get(
        "/api/v1/current/Me",
        params={"$select": "CurrentDivision"},
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )


def test_code_flow_issues_a_bearer_pair_with_expires_in_as_a_string(exact_http):
    response = exchange(exact_http, login(exact_http))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer" and body["expires_in"] == "600"
    reply = me(exact_http, body["access_token"])
    assert reply.status_code == 200
    assert reply.json()["d"]["results"][0]["CurrentDivision"] == DIVISION


def test_a_code_is_single_use_expires_after_180_s_and_needs_the_same_redirect_uri(exact_http, exact_clock):
    code = login(exact_http)
    assert exchange(exact_http, code).status_code == 200
    reused = exchange(exact_http, code)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    late = login(exact_http)
    exact_clock.advance(181)
    assert exchange(exact_http, late).json()["error"] == "invalid_grant"
    assert exchange(exact_http, login(exact_http), redirect_uri="http://localhost:9999/cb").status_code == 400


def test_the_token_endpoint_takes_forms_only_and_checks_the_secret(exact_http):
    as_json = exact_http.post("/api/oauth2/token", json={**CLIENT, "grant_type": "authorization_code", "code": login(exact_http)})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    wrong = token(exact_http, grant_type="authorization_code", code=login(exact_http), redirect_uri=REDIRECT, client_secret="nope")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_the_token_endpoint_also_takes_http_basic_client_authentication(exact_http):
    """RFC 6749 2.3.1: a server must take the client's id and secret as HTTP Basic (most
    client libraries send them so); one method per request (2.3)."""
    form = {"grant_type": "authorization_code", "redirect_uri": REDIRECT}
    basic = httpx.BasicAuth(CLIENT["client_id"], CLIENT["client_secret"])
    ok = exact_http.post("/api/oauth2/token", data={**form, "code": login(exact_http)}, auth=basic)
    assert ok.status_code == 200 and ok.json()["expires_in"] == "600"
    wrong = exact_http.post("/api/oauth2/token", data={**form, "code": login(exact_http)}, auth=httpx.BasicAuth(CLIENT["client_id"], "nope"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    both = exact_http.post("/api/oauth2/token", data={**form, **CLIENT, "code": login(exact_http)}, auth=basic)
    assert both.status_code == 401


def test_refresh_is_refused_until_the_last_30_seconds(exact_http, exact_sim, exact_clock, exact_tokens):
    exact_clock.advance(569)
    early = token(exact_http, grant_type="refresh_token", refresh_token=exact_tokens["refresh_token"])
    assert early.status_code == 400
    assert early.json() == {
        "error": "access_denied",
        "error_description": "Rate limit exceeded: access_token not expired",
    }
    assert early.headers["Reason"] == "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"
    assert exact_sim.errors[-1].endpoint == "oauth2/token"  # it costs error budget, like on the real service
    exact_clock.advance(1)
    fresh = token(exact_http, grant_type="refresh_token", refresh_token=exact_tokens["refresh_token"])
    assert fresh.status_code == 200 and fresh.json()["expires_in"] == "600"
    assert fresh.json()["refresh_token"] != exact_tokens["refresh_token"]


def test_a_refresh_token_works_once(exact_http, exact_clock, exact_tokens):
    exact_clock.advance(590)
    first = token(exact_http, grant_type="refresh_token", refresh_token=exact_tokens["refresh_token"])
    assert first.status_code == 200
    again = token(exact_http, grant_type="refresh_token", refresh_token=exact_tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    exact_clock.advance(600)
    newer = token(exact_http, grant_type="refresh_token", refresh_token=first.json()["refresh_token"])
    assert newer.status_code == 200


def test_an_unused_refresh_token_expires_after_30_days(exact_http, exact_clock, exact_tokens):
    exact_clock.advance(30 * 86400)
    expired = token(exact_http, grant_type="refresh_token", refresh_token=exact_tokens["refresh_token"])
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_request"
    assert re.fullmatch(
        r"The refresh token expired at 4/1/2026 9:00:00 AM and it is now 4/1/2026 9:00:00 AM\.",
        expired.json()["error_description"],
    )


def test_api_calls_need_a_live_bearer_token(exact_http, exact_clock, exact_tokens):
    assert me(exact_http, exact_tokens["access_token"]).status_code == 200
    assert me(exact_http, "not-a-token").status_code == 401
    assert exact_http.get("/api/v1/current/Me", headers={"Accept": "application/json"}).status_code == 401
    exact_clock.advance(600)
    assert me(exact_http, exact_tokens["access_token"]).status_code == 401


@pytest.mark.parametrize("exact_options", [{"access_token_lifetime": 120}])
def test_the_access_token_lifetime_is_configurable(exact_http, exact_clock, exact_tokens):
    assert exact_tokens["expires_in"] == "120"
    exact_clock.advance(90)
    refreshed = token(exact_http, grant_type="refresh_token", refresh_token=exact_tokens["refresh_token"])
    assert refreshed.status_code == 200


def test_a_new_login_ends_the_earlier_token_chain(exact_http, exact_sim, exact_tokens):
    exact_sim.mint_tokens()
    assert me(exact_http, exact_tokens["access_token"]).status_code == 401


def test_every_api_answer_carries_six_rate_limit_headers_with_millisecond_resets(exact_api, exact_clock):
    response = exact_api.get("vat/VATCodes", params={"$select": "Code"})
    minute_end = int(datetime(2026, 3, 2, 9, 1, tzinfo=UTC).timestamp() * 1000)
    midnight = int(datetime(2026, 3, 3, tzinfo=UTC).timestamp() * 1000)
    assert {k: v for k, v in response.headers.items() if k.startswith("x-ratelimit")} == {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-reset": str(midnight),
        "x-ratelimit-minutely-limit": "60",
        "x-ratelimit-minutely-remaining": "59",
        "x-ratelimit-minutely-reset": str(minute_end),
    }


def test_the_61st_call_in_a_minute_gets_429_with_only_the_minutely_headers(exact_api, exact_sim, exact_clock):
    exact_clock.advance(30)
    for _ in range(60):
        assert exact_api.get("vat/VATCodes", params={"$select": "Code"}).status_code == 200
    refused = exact_api.get("vat/VATCodes", params={"$select": "Code"})
    assert refused.status_code == 429
    assert sorted(k for k in refused.headers if k.startswith("x-ratelimit")) == [
        "x-ratelimit-minutely-limit",
        "x-ratelimit-minutely-remaining",
        "x-ratelimit-minutely-reset",
    ]
    assert refused.headers["x-ratelimit-minutely-remaining"] == "0"
    assert exact_sim.rate_limited == 1 and exact_sim.errors == []  # a 429 is no error response
    exact_clock.advance(30)  # the window is the clock minute, not 60 s after the first call
    assert exact_api.get("vat/VATCodes", params={"$select": "Code"}).status_code == 200


@pytest.mark.parametrize("exact_options", [{"daily_limit": 3, "granted_divisions": (DIVISION, 7654321), **LONG_TOKENS}])
def test_the_daily_limit_is_per_division_and_its_429_has_only_the_daily_headers(exact_api, exact_http, exact_clock):
    for _ in range(3):
        assert exact_api.get("vat/VATCodes", params={"$select": "Code"}).status_code == 200
        exact_clock.advance(1)
    refused = exact_api.get("vat/VATCodes", params={"$select": "Code"})
    assert refused.status_code == 429
    assert sorted(k for k in refused.headers if k.startswith("x-ratelimit")) == [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ]
    midnight = int(datetime(2026, 3, 3, tzinfo=UTC).timestamp() * 1000)
    assert (refused.headers["x-ratelimit-remaining"], refused.headers["x-ratelimit-reset"]) == ("0", str(midnight))
    other = exact_http.get("/api/v1/7654321/vat/VATCodes", params={"$select": "Code"}, headers=exact_api.headers)
    assert other.status_code == 200
    exact_clock.advance(15 * 3600)  # past 00:00 UTC
    assert exact_api.get("vat/VATCodes", params={"$select": "Code"}).status_code == 200


@pytest.mark.parametrize("exact_options", [LONG_TOKENS])
def test_ten_errors_on_an_endpoint_block_it_for_an_hour(exact_api, exact_sim, exact_clock):
    for _ in range(10):
        assert exact_api.get("crm/Accounts", params={"$select": "ID"}).status_code == 400  # no mandatory filter
        exact_clock.advance(60)
    good = {"$filter": "Status eq 'C'", "$select": "ID"}
    blocked = exact_api.get("crm/Accounts", params=good)
    assert blocked.status_code == 403 and "Blocked" in message(blocked)
    assert exact_api.get("vat/VATCodes", params={"$select": "Code"}).status_code == 200  # per endpoint
    assert len(exact_sim.errors) == 11 and [e.status for e in exact_sim.errors[:10]] == [400] * 10
    exact_clock.advance(3600 - 9 * 60)  # the oldest error is now an hour old
    assert exact_api.get("crm/Accounts", params=good).status_code == 200


def test_calls_are_counted_per_endpoint(exact_api, exact_sim):
    exact_api.get("vat/VATCodes", params={"$select": "Code"})
    exact_api.get("vat/VATCodes", params={"$select": "Code"})
    exact_api.get("financial/Journals", params={"$select": "Code"})
    assert exact_sim.calls == {("GET", "vat/VATCodes"): 2, ("GET", "financial/Journals"): 1}
