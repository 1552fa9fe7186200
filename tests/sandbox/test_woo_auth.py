"""Authentication and permissions, pinned to the error table of reference section 1.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
from woo_fixtures import API, NOW, anonymous, clock, oauth_url, web, woo, woo_server  # noqa: F401 - fixtures

from runner.sandbox.woo.auth import DEFAULT_KEY, READ_ONLY_KEY, REALM, WRITE_ONLY_KEY

CANNOT_LIST = {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}}


def error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["data"]["status"] == response.status_code
    return response.status_code, body["code"], body["message"]


def test_no_credentials_or_an_unknown_basic_key_cannot_list_or_view(anonymous):
    assert anonymous.get("/orders").json() == CANNOT_LIST
    unknown = anonymous.get("/orders", auth=("ck_unknown", "cs_whatever"))
    assert unknown.status_code == 401 and unknown.json() == CANNOT_LIST
    assert "www-authenticate" not in unknown.headers
    assert error(anonymous.get("/orders/5001")) == (401, "woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.")


def test_right_key_wrong_secret_is_an_authentication_error_with_a_basic_challenge(anonymous):
    response = anonymous.get("/orders", auth=(DEFAULT_KEY.consumer_key, "cs_wrong"))
    assert error(response) == (401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
    assert response.headers["www-authenticate"] == REALM


def test_query_string_credentials_work_and_win_over_the_header(anonymous):
    params = {"consumer_key": DEFAULT_KEY.consumer_key, "consumer_secret": DEFAULT_KEY.consumer_secret}
    assert anonymous.get("/orders", params=params, auth=("ck_unknown", "x")).status_code == 200
    wrong = anonymous.get("/orders", params={**params, "consumer_secret": "nope"})
    assert error(wrong)[2] == "Consumer secret is invalid."


def test_key_permissions_follow_the_http_method(anonymous):
    read_only = (READ_ONLY_KEY.consumer_key, READ_ONLY_KEY.consumer_secret)
    assert anonymous.get("/orders", auth=read_only).status_code == 200
    assert error(anonymous.put("/orders/5001", auth=read_only, json={"status": "completed"})) == (
        401,
        "woocommerce_rest_authentication_error",
        "The API key provided does not have write permissions.",
    )
    write_only = (WRITE_ONLY_KEY.consumer_key, WRITE_ONLY_KEY.consumer_secret)
    assert error(anonymous.get("/orders", auth=write_only))[2] == "The API key provided does not have read permissions."
    assert anonymous.put("/orders/5001", auth=write_only, json={"status": "completed"}).status_code == 200


def test_order_of_checks_auth_then_route_then_arguments_then_permission(anonymous):
    assert error(anonymous.get("/nope", auth=(DEFAULT_KEY.consumer_key, "x")))[0] == 401
    assert error(anonymous.get("/nope"))[:2] == (404, "rest_no_route")
    assert error(anonymous.get("/orders", params={"per_page": 500}))[:2] == (400, "rest_invalid_param")


def test_oauth_signed_requests_as_the_official_client_signs_them(woo_server, web):
    url = oauth_url(f"{woo_server.url}{API}/orders?per_page=3&orderby=id")
    response = web.get(url)
    assert response.status_code == 200 and len(response.json()) == 3
    replay = web.get(url)
    assert error(replay) == (401, "woocommerce_rest_authentication_error", "Invalid nonce - nonce has already been used.")


def test_oauth_errors(woo_server, web):
    base = f"{woo_server.url}{API}/orders?per_page=3"
    stale = oauth_url(base, timestamp=int(NOW.timestamp()) - 16 * 60)
    assert error(web.get(stale))[2] == "Invalid timestamp."
    fine = oauth_url(base, timestamp=int(NOW.timestamp()) + 14 * 60)
    assert web.get(fine).status_code == 200
    tampered = oauth_url(base).replace("per_page=3", "per_page=4")
    assert error(web.get(tampered))[2] == "Invalid signature - provided signature does not match."
    unknown = oauth_url(base).replace(DEFAULT_KEY.consumer_key, "ck_unknown")
    assert error(web.get(unknown))[2] == "Consumer key is invalid."
    md5 = oauth_url(base).replace("HMAC-SHA256", "HMAC-MD5")
    assert error(web.get(md5))[2] == "Invalid signature - signature method is invalid."
    parts = dict(parse_qsl(urlsplit(oauth_url(base)).query))
    del parts["oauth_nonce"]
    assert error(web.get(base.split("?")[0], params=parts)) == (
        401,
        "woocommerce_rest_authentication_missing_parameter",
        "Missing OAuth parameter oauth_nonce",
    )
    del parts["oauth_signature"]
    assert error(web.get(base.split("?")[0], params=parts))[2] == "Missing OAuth parameters oauth_nonce, oauth_signature"


def test_oauth_hmac_sha1_in_an_authorization_header(woo_server, web):
    url = f"{woo_server.url}{API}/orders"
    oauth = {
        "oauth_consumer_key": DEFAULT_KEY.consumer_key,
        "oauth_nonce": "abc123",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(NOW.timestamp())),
    }
    params = {"per_page": "2", **oauth}
    encoded = "%26".join(quote(f"{quote(k, safe='')}={quote(v, safe='')}", safe="") for k, v in sorted(params.items()))
    base = f"GET&{quote(url, safe='')}&{encoded}"
    signature = base64.b64encode(hmac.new(f"{DEFAULT_KEY.consumer_secret}&".encode(), base.encode(), hashlib.sha1).digest()).decode()
    header = "OAuth " + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in {**oauth, "oauth_signature": signature}.items())
    response = web.get(url + "?" + urlencode({"per_page": 2}), headers={"Authorization": header})
    assert response.status_code == 200 and len(response.json()) == 2
