"""A simulator of PayPal's OAuth token and Transaction Search (reporting v1) over the sandbox
shop's PayPal orders (reference psp-settlements.md 4 and 7.3), served like the shop and Exact.

- POST /v1/oauth2/token: Basic client id and secret, form `grant_type=client_credentials`;
  a token for 32,400 s whose `scope` carries reporting/search/read when Transaction Search is
  enabled for the app. Wrong credentials: 401 `{"error": "invalid_client", ...}`.
- GET /v1/reporting/transactions: `start_date` and `end_date` required (RFC 3339 with
  seconds), at most 31 days apart, not after `last_refreshed_datetime` ("Data for the given
  start date is not available."); `page_size` 1-500 (default 100), `page` from 1;
  `transaction_id`, `transaction_type`, `fields`, `balance_affecting_records_only`.
  A row shows only once `delay_hours` have passed (`last_refreshed_datetime` lags now).
  With any optional filter `ending_balance` is left out, as the spec says.
- GET /v1/reporting/balances?as_of_time=&currency_code=.
Errors are PayPal's `{"name", "message", "debug_id", "details": [...], "links": []}`."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from runner.sandbox.host import Request, Response, json_response
from runner.sandbox.psp import paypal_books as pb
from runner.sandbox.psp.provider import Provider
from runner.sandbox.psp.world import Books, ident

CLIENT_ID = "AZsandboxPayPalClientId0Kq3Lm8Xw"
CLIENT_SECRET = "EFsandboxPayPalSecret5Tn2Vb7Qy"
SCOPE = "https://uri.paypal.com/services/reporting/search/read"
OTHER_SCOPES = "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund"
LIFETIME = 32400
WHEN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
OPTIONAL = ("transaction_id", "transaction_type", "transaction_status", "transaction_amount", "transaction_currency")


class PayPalSimulator(Provider):
    def __init__(self, woo, clock, seed: int = 7, settings: pb.PayPalSettings | None = None) -> None:
        super().__init__(woo, clock, seed, settings or pb.PayPalSettings())
        self.tokens: dict[str, tuple[datetime, str]] = {}

    def make_books(self, woo, settings, seed, now) -> Books:
        return pb.paypal_books(woo, settings, seed, now)

    def last_refreshed(self) -> datetime:
        return self.now() - timedelta(hours=self.settings.delay_hours)

    def handle(self, request: Request) -> Response:
        self.calls.append(request.path)
        if request.path == "/v1/oauth2/token" and request.method == "POST":
            return self._token(request)
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        known = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if known is None or known[0] <= self.now():
            return json_response(401, {"error": "invalid_token", "error_description": "Token signature verification failed"})
        if request.method != "GET" or request.path not in ("/v1/reporting/transactions", "/v1/reporting/balances"):
            return error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")
        if SCOPE not in known[1].split():
            return error(403, "NOT_AUTHORIZED", "Authorization failed due to insufficient permissions.")
        if request.path == "/v1/reporting/balances":
            return self._balances(request)
        return self._search(request)

    def _token(self, request: Request) -> Response:
        scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
        try:
            client, _, secret = base64.b64decode(value).decode().partition(":") if scheme.lower() == "basic" else ("", "", "")
        except ValueError:
            client = secret = ""
        if (client, secret) != (CLIENT_ID, CLIENT_SECRET):
            return json_response(401, {"error": "invalid_client", "error_description": "Client Authentication failed"})
        if request.form().get("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"})
        token = ident("A21AA", self.seed, "token", len(self.tokens), size=40)
        scope = OTHER_SCOPES + (" " + SCOPE if self.settings.search_enabled else "")
        self.tokens[token] = (self.now() + timedelta(seconds=LIFETIME), scope)
        body = {
            "scope": scope,
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": LIFETIME,
            "nonce": "2026-sandbox",
        }
        return json_response(200, body)

    def _search(self, request: Request) -> Response:
        start, end = _when(request.arg("start_date")), _when(request.arg("end_date"))
        for name, value in (("start_date", start), ("end_date", end)):
            if value is None:
                return invalid(name, request.arg(name), "Missing or invalid date; use RFC 3339 with seconds (2026-11-01T00:00:00-0000).")
        if end < start or end - start > timedelta(days=31):
            return invalid("end_date", request.arg("end_date"), "Date range is greater than 31 days")
        refreshed = self.last_refreshed()
        if start > refreshed:
            gone = "Data for the given start date is not available."
            return invalid("start_date", request.arg("start_date"), gone, gone)
        try:
            size, page = int(request.arg("page_size", "100")), int(request.arg("page", "1"))
        except ValueError:
            size = page = 0
        if not 1 <= size <= 500 or page < 1:
            return invalid("page_size", request.arg("page_size"), "Page size must be between 1 and 500")
        shown = [info for when, info in pb.rows(self.books, self.now(), self.settings) if start <= when <= end and when <= refreshed]
        filtered = False
        for name in OPTIONAL:
            wanted = request.arg(name)
            if wanted:
                filtered = True
                field = {"transaction_type": "transaction_event_code"}.get(name, name)
                shown = [i for i in shown if str(i.get(field, "")) == wanted or (name == "transaction_currency" and wanted == "EUR")]
        fields = (request.arg("fields") or "transaction_info").split(",")
        details = []
        for info in shown:
            row = {**info}
            if filtered:
                row.pop("ending_balance", None)
            detail = {"transaction_info": row}
            if "all" in fields or "payer_info" in fields:
                detail["payer_info"] = pb.payer(info, self.books)
            details.append(detail)
        pages = max(1, -(-len(details) // size))
        url = f"{request.base_url}{request.path}"
        body = {
            "transaction_details": details[(page - 1) * size : page * size],
            "account_number": pb.ACCOUNT,
            "start_date": pb.stamp(start),
            "end_date": pb.stamp(end),
            "last_refreshed_datetime": pb.stamp(refreshed),
            "page": page,
            "total_items": len(details),
            "total_pages": pages,
            "links": [{"href": _page_link(url, request, page), "rel": "self", "method": "GET"}]
            + ([{"href": _page_link(url, request, page + 1), "rel": "next", "method": "GET"}] if page < pages else []),
        }
        return json_response(200, body)

    def _balances(self, request: Request) -> Response:
        asked = _when(request.arg("as_of_time")) if request.arg("as_of_time") else self.now()
        if asked is None:
            return invalid("as_of_time", request.arg("as_of_time"), "Invalid date; use RFC 3339 with seconds.")
        refreshed = self.last_refreshed()
        at = min(asked, refreshed)
        total = self.books.balance(at)
        currency = request.arg("currency_code") or "EUR"
        balances = (
            []
            if currency != "EUR"
            else [
                {
                    "currency": "EUR",
                    "primary": True,
                    "total_balance": pb.money(total),
                    "available_balance": pb.money(total),
                    "withheld_balance": pb.money(Decimal("0")),
                }
            ]
        )
        return json_response(
            200, {"balances": balances, "account_id": pb.ACCOUNT, "as_of_time": pb.stamp(at), "last_refresh_time": pb.stamp(refreshed)}
        )


def _page_link(url: str, request: Request, page: int) -> str:
    """A page of the same search: every parameter kept, `page` set."""
    return f"{url}?{urlencode({**{k: v[-1] for k, v in request.query.items()}, 'page': page})}"


def _when(text: str | None) -> datetime | None:
    if not text or not WHEN.match(text):
        return None
    value = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def error(status: int, name: str, message: str, details: list | None = None) -> Response:
    body = {"name": name, "message": message, "debug_id": "4a924c46669da", "details": details or [], "links": []}
    return json_response(status, body)


def invalid(
    field: str, value: str | None, issue: str, message: str = "Request is not well-formed, syntactically incorrect, or violates schema."
) -> Response:
    detail = {"field": field, "value": value or "", "location": "query", "issue": issue, "description": issue}
    return error(400, "INVALID_REQUEST", message, [detail])
