"""A simulator of Stripe's payouts and balance transactions (API v1) over the sandbox shop's
Stripe orders (reference psp-settlements.md 3 and 7.2), served like the shop and Exact.

- GET /v1/payouts (status, created/arrival_date[gt|gte|lt|lte], limit 1-100, starting_after,
  ending_before), /v1/payouts/{po_...}, /v1/balance_transactions (payout, type, source,
  currency, created[...], expand[]=data.source), /v1/balance_transactions/{txn_...},
  /v1/charges/{ch_...}, /v1/refunds/{re_...}, /v1/disputes/{dp_...},
  /v1/payment_intents/{pi_...} and /v1/balance. Lists are `{"object": "list", "url",
  "has_more", "data"}`, newest first. `?payout=` lists what that payout paid out and the
  payout's own `payout` transaction (automatic payouts only; see `manual_listing`).
- Auth: `Authorization: Bearer sk_live_...|sk_test_...` (or Basic with the key as user, as
  curl does); any other key is 401 with Stripe's error body naming the key's last four.
See stripe_books.py for fees and links and world.py for the schedule."""

from __future__ import annotations

import base64
from datetime import datetime

from runner.sandbox.host import Request, Response, json_response
from runner.sandbox.psp import stripe_books as sb
from runner.sandbox.psp.provider import Provider
from runner.sandbox.psp.world import Books, Move

SECRET_KEY = "sk_test_51SandboxStripeKeyQ8wXz3Lp"
LIVE_KEY = "sk_live_51SandboxStripeKeyM2nRt7Vb"
RANGES = ("gt", "gte", "lt", "lte")


class StripeSimulator(Provider):
    def __init__(self, woo, clock, seed: int = 7, settings: sb.StripeSettings | None = None) -> None:
        super().__init__(woo, clock, seed, settings or sb.StripeSettings())

    def make_books(self, woo, settings, seed, now) -> Books:
        return sb.stripe_books(woo, settings, seed, now)

    def handle(self, request: Request) -> Response:
        self.calls.append(request.path)
        if not self._authorised(request):
            return error(401, "invalid_request_error", f"Invalid API Key provided: {_masked(request)}")
        parts = request.path.strip("/").split("/")
        if request.method != "GET" or parts[:1] != ["v1"] or len(parts) not in (2, 3):
            return error(404, "invalid_request_error", f"Unrecognized request URL ({request.method}: {request.path}).")
        now = self.now()
        kind, key = parts[1], (parts[2] if len(parts) == 3 else None)
        if kind == "balance" and key is None:
            return self._balance(now)
        if kind == "payouts":
            payouts = [sb.payout_json(p, self.seed, self.settings.automatic, now) for p in reversed(self.books.payouts(now))]
            if key:
                return _one(next((p for p in payouts if p["id"] == key), None), "payout", key)
            payouts = [p for p in payouts if _in_ranges(request, "created", p["created"]) and _in_ranges(request, "arrival_date", p["arrival_date"])]
            if request.arg("status"):
                payouts = [p for p in payouts if p["status"] == request.arg("status")]
            return self._list(request, payouts)
        if kind == "balance_transactions":
            return self._transactions(request, key, now)
        objects = {"charges": "payment", "refunds": "refund", "disputes": "chargeback"}
        if kind in objects and key:
            move = next((m for m in self.books.seen(now) if m.kind == objects[kind] and m.ref == key), None)
            return _one(sb.source_json(move, self.seed, self.settings.charge_metadata) if move else None, kind.rstrip("s"), key)
        if kind == "payment_intents" and key:
            sale = next((m.sale for m in self.books.seen(now) if m.kind == "payment" and sb.intent_json(m.sale, self.seed)["id"] == key), None)
            return _one(sb.intent_json(sale, self.seed) if sale else None, "payment_intent", key)
        return error(404, "invalid_request_error", f"Unrecognized request URL ({request.method}: {request.path}).")

    def _authorised(self, request: Request) -> bool:
        scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                value = base64.b64decode(value).decode().partition(":")[0]
            except ValueError:
                return False
        return value in (SECRET_KEY, LIVE_KEY)

    def _balance(self, now: datetime) -> Response:
        available, pending = self.books.available(now), self.books.pending(now)
        return json_response(
            200,
            {
                "object": "balance",
                "available": [{"amount": sb.minor(available), "currency": "eur", "source_types": {"card": sb.minor(available)}}],
                "pending": [{"amount": sb.minor(pending), "currency": "eur", "source_types": {"card": sb.minor(pending)}}],
                "livemode": True,
            },
        )

    def _transactions(self, request: Request, key: str | None, now: datetime) -> Response:
        hold = self.books.hold
        rows: list[tuple[object, dict]] = [(m, sb.move_json(m, hold, now)) for m in self.books.seen(now)]
        rows += [(p, sb.payout_move_json(p, self.seed)) for p in self.books.payouts(now)]
        rows.sort(key=lambda r: (r[1]["created"], r[1]["id"]), reverse=True)
        if key:
            found = next(((m, row) for m, row in rows if row["id"] == key), None)
            if found is None:
                return _one(None, "balance_transaction", key)
            return json_response(200, self._expand(found[0], found[1], request, "source"))
        payout = request.arg("payout")
        if payout:
            if not payout.startswith("po_") or payout not in {p.id for p in self.books.payouts(now)}:
                return error(404, "invalid_request_error", f"No such payout: '{payout}'", "payout", "resource_missing")
            if not self.settings.automatic:
                if self.settings.manual_listing == "error":
                    message = "Balance transaction history can only be filtered on automatic transfers, not manual."
                    return error(400, "invalid_request_error", message, "payout")
                rows = []
            rows = [(m, row) for m, row in rows if (m.payout if isinstance(m, Move) else m.id) == payout]
        for name in ("type", "source", "currency"):
            if request.arg(name):
                rows = [(m, row) for m, row in rows if row[name] == request.arg(name)]
        rows = [(m, row) for m, row in rows if _in_ranges(request, "created", row["created"])]
        return self._list(request, [self._expand(m, row, request, "data.source") for m, row in rows])

    def _expand(self, move, row: dict, request: Request, path: str) -> dict:
        wanted = {v for k, values in request.query.items() if k.startswith("expand[") for v in values}
        if path in wanted and isinstance(move, Move):
            return {**row, "source": sb.source_json(move, self.seed, self.settings.charge_metadata)}
        return row

    def _list(self, request: Request, rows: list[dict]) -> Response:
        try:
            limit = int(request.arg("limit", "10"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return error(400, "invalid_request_error", "This value must be less than or equal to 100.", "limit")
        after, before = request.arg("starting_after"), request.arg("ending_before")
        ids = [row["id"] for row in rows]
        for cursor in (after, before):
            if cursor and cursor not in ids:
                return error(404, "invalid_request_error", f"No such object: '{cursor}'", "starting_after" if cursor == after else "ending_before")
        if before:
            end = ids.index(before)
            page, more = rows[max(0, end - limit) : end], end - limit > 0
        else:
            start = ids.index(after) + 1 if after else 0
            page, more = rows[start : start + limit], start + limit < len(rows)
        return json_response(200, {"object": "list", "url": request.path, "has_more": more, "data": page})


def _in_ranges(request: Request, name: str, value: int) -> bool:
    exact = request.arg(name)
    if exact is not None and exact.isdigit() and int(exact) != value:
        return False
    checks = {"gt": value.__gt__, "gte": value.__ge__, "lt": value.__lt__, "lte": value.__le__}
    return all(checks[op](int(request.arg(f"{name}[{op}]"))) for op in RANGES if (request.arg(f"{name}[{op}]") or "").isdigit())


def _masked(request: Request) -> str:
    _, _, value = (request.headers.get("authorization") or "").partition(" ")
    return "sk_****" + value[-4:] if len(value) > 8 else "(none)"


def _one(found: dict | None, kind: str, key: str) -> Response:
    if found is None:
        return error(404, "invalid_request_error", f"No such {kind}: '{key}'", "id", "resource_missing")
    return json_response(200, found)


def error(status: int, kind: str, message: str, param: str | None = None, code: str | None = None) -> Response:
    body = {"type": kind, "message": message, **({"param": param} if param else {}), **({"code": code} if code else {})}
    if code:
        body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    return json_response(status, {"error": body}, {"Request-Id": "req_sandbox", "Stripe-Should-Retry": "false"})
