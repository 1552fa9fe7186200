"""A simulator of Mollie's settlements and balances API (v2) over the sandbox shop's Mollie
orders (reference psp-settlements.md 2 and 7.1), served like the shop and Exact.

- GET /v2/settlements (from, limit, balanceId, year+month, currencies; newest first),
  /v2/settlements/{stl_...|bank reference|open|next}, /v2/settlements/{id}/payments|refunds|
  chargebacks|captures, /v2/balances, /v2/balances/{bal_...|primary}, /v2/balances/{id}/
  transactions, /v2/balances/{id}/report, /v2/payments/{tr_...}; `application/hal+json`,
  lists as `{"count", "_embedded": {plural: [...]}, "_links": {"self", "previous", "next"}}`
  with absolute links on this simulator's own address (mollie-api-python follows only those).
- Auth: `Authorization: Bearer access_...` (an organization access token); a profile key
  `live_...` only when `settings.profile_keys`; anything else 401 with Mollie's error body.
- `now` comes from the injected clock: settlements are paid out up to then.
See mollie_books.py for the fees and world.py for the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from runner.sandbox.host import Request, Response, json_response
from runner.sandbox.psp import mollie_books as mb
from runner.sandbox.psp.provider import Provider
from runner.sandbox.psp.world import ZERO, Books, Move, Payout

ACCESS_TOKEN = "access_SandboxOrgToken7wQ2pXk4Lm9Rt"
PROFILE_KEY = "live_SandboxProfileKey3Jd8Hq5Vn2Bc6Wz"
BALANCE = "bal_3kUf4yU2nT"
DOCS = "https://docs.mollie.com/reference/handling-errors"
PLURAL = {"payments": "payments", "refunds": "refunds", "chargebacks": "chargebacks", "captures": "captures"}


class MollieSimulator(Provider):
    def __init__(self, woo, clock, seed: int = 7, settings: mb.MollieSettings | None = None) -> None:
        super().__init__(woo, clock, seed, settings or mb.MollieSettings())

    def make_books(self, woo, settings, seed, now) -> Books:
        return mb.mollie_books(woo, settings, seed, now)

    # --- the API -----------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        self.calls.append(request.path)
        refused = self._auth(request)
        if refused:
            return refused
        parts = request.path.strip("/").split("/")
        if request.method != "GET" or parts[:1] != ["v2"]:
            return error(404, "Not Found", "The requested resource does not exist")
        route, rest = (parts[1] if len(parts) > 1 else ""), parts[2:]
        if route == "settlements":
            return self._settlements(request, rest)
        if route == "balances":
            return self._balances(request, rest)
        if route == "payments" and len(rest) == 1:
            sale = next((m.sale for m in self.books.seen(self.now()) if m.kind == "payment" and m.sale.transaction_id == rest[0]), None)
            if sale is None:
                return error(404, "Not Found", f"No payment exists with token {rest[0]}.")
            move = next(m for m in self.books.moves if m.kind == "payment" and m.sale is sale)
            return hal(mb.payment_json(sale, move.payout, request.base_url))
        return error(404, "Not Found", "The requested resource does not exist")

    def _auth(self, request: Request) -> Response | None:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token not in (ACCESS_TOKEN, PROFILE_KEY):
            return error(401, "Unauthorized Request", "Missing authentication, or failed to authenticate")
        if token == PROFILE_KEY and not self.settings.profile_keys and request.path.startswith(("/v2/settlements", "/v2/balances")):
            return error(403, "Forbidden", "Settlements and balances need an organization access token, not a website profile API key")
        return None

    def _settlements(self, request: Request, rest: list[str]) -> Response:
        now = self.now()
        payouts = self.books.payouts(now)
        if not rest:
            listed = list(reversed(payouts))
            year, month = request.arg("year"), request.arg("month")
            if year and month:
                listed = [p for p in listed if (str(p.when.year), str(p.when.month)) == (year, month.lstrip("0"))]
            if (request.arg("balanceId") or BALANCE) != BALANCE or "EUR" not in (request.arg("currencies") or "EUR").split(","):
                listed = []
            return self._page(request, "settlements", listed, lambda p: self._settlement(p, request.base_url), lambda p: p.id)
        payout = self._find(rest[0], payouts, now)
        if payout is None:
            return error(404, "Not Found", f"No settlement exists with token {rest[0]}.")
        if len(rest) == 1:
            return hal(self._settlement(payout, request.base_url))
        kind = rest[1]
        if kind not in PLURAL or len(rest) > 2 or payout.id in ("open", "next"):
            return error(404, "Not Found", "The requested resource does not exist")
        base = request.base_url
        rows: list = {
            "payments": [m for m in payout.moves if m.kind == "payment"],
            "refunds": [m for m in payout.moves if m.kind == "refund"],
            "chargebacks": [m for m in payout.moves if m.kind == "chargeback"],
            "captures": [],
        }[kind]
        rows.sort(key=lambda m: (m.when, m.id), reverse=request.arg("sort", "desc") != "asc")
        render = {
            "payments": lambda m: mb.payment_json(m.sale, payout.id, base),
            "refunds": lambda m: mb.refund_json(m, base),
            "chargebacks": lambda m: mb.chargeback_json(m, base, self.settings.chargeback_positive),
            "captures": lambda m: {},
        }[kind]
        return self._page(request, PLURAL[kind], rows, render, lambda m: m.sale.transaction_id if kind == "payments" else m.ref)

    def _find(self, key: str, payouts: list[Payout], now: datetime) -> Payout | None:
        if key in ("open", "next"):
            waiting = [m for m in self.books.seen(now) if m.payout is None]
            if key == "next":
                waiting = [m for m in waiting if m.when + self.books.hold <= now]
                if not waiting:
                    return None
            return Payout(key, now, sum((m.net for m in waiting), ZERO), waiting)
        return next((p for p in payouts if key in (p.id, p.reference)), None)

    def _settlement(self, payout: Payout, base: str) -> dict:
        final = payout.id not in ("open", "next")
        out = {
            "resource": "settlement",
            "id": payout.id,
            "reference": payout.reference or None,
            "createdAt": mb.stamp(payout.when if final else payout.moves[0].when if payout.moves else payout.when),
            "settledAt": mb.stamp(payout.when + timedelta(hours=4, minutes=41)) if final else None,
            "status": "paidout" if final else "open",
            "amount": mb.money(payout.amount),
            "balanceId": BALANCE,
            "periods": mb.periods(payout.moves),
            "_links": {"self": mb.link(f"{base}/v2/settlements/{payout.id}")},
        }
        if final:
            for kind in ("payments", "refunds", "chargebacks", "captures"):
                out["_links"][kind] = mb.link(f"{base}/v2/settlements/{payout.id}/{kind}")
        out["_links"]["documentation"] = {"href": "https://docs.mollie.com/reference/get-settlement", "type": "text/html"}
        return out

    def _balances(self, request: Request, rest: list[str]) -> Response:
        if not rest:
            return self._page(request, "balances", [BALANCE], lambda _: self._balance(request.base_url), lambda b: b)
        if rest[0] not in (BALANCE, "primary"):
            return error(404, "Not Found", f"No balance exists with token {rest[0]}.")
        if len(rest) == 1:
            return hal(self._balance(request.base_url))
        now = self.now()
        if rest[1:] == ["transactions"]:
            return self._page(request, "balance_transactions", self._transactions(now), lambda row: row, lambda row: row["id"])
        if rest[1:] == ["report"]:
            return self._report(request, now)
        return error(404, "Not Found", "The requested resource does not exist")

    def _balance(self, base: str) -> dict:
        now = self.now()
        return {
            "resource": "balance",
            "id": BALANCE,
            "mode": "live",
            "createdAt": "2024-01-02T09:00:00+00:00",
            "currency": "EUR",
            "status": "active",
            "availableAmount": mb.money(self.books.available(now)),
            "pendingAmount": mb.money(self.books.pending(now)),
            "transferFrequency": self.settings.transfer_frequency,
            "transferThreshold": mb.money(Decimal("0")),
            "transferReference": "Mollie payout",
            "transferDestination": {"type": "bank-account", "beneficiaryName": "Webwinkel Demo", "bankAccount": "NL55INGB0000000000"},
            "_links": {"self": mb.link(f"{base}/v2/balances/{BALANCE}")},
        }

    def _transactions(self, now: datetime) -> list[dict]:
        """Every movement and every outgoing transfer, newest first; pending ones only when
        `settings.list_pending`."""
        shown: list[tuple[datetime, dict]] = []
        for move in self.books.seen(now):
            if self.settings.list_pending or move.payout or move.when + self.books.hold <= now:
                shown.append((move.when, mb.transaction_json(move)))
        shown += [(p.when, mb.transfer_json(p, self.seed)) for p in self.books.payouts(now)]
        return [row for _, row in sorted(shown, key=lambda t: (t[0], t[1]["id"]), reverse=True)]

    def _report(self, request: Request, now: datetime) -> Response:
        """Totals between `from` (inclusive) and `until` (exclusive), dates in Europe/Amsterdam [I: shape abridged]."""
        try:
            start = _day(request.arg("from"))
            until = _day(request.arg("until"))
        except (TypeError, ValueError):
            return error(422, "Unprocessable Entity", "The 'from' and 'until' dates must be given as YYYY-MM-DD", "from")
        moves = [m for m in self.books.seen(now) if start <= m.when < until]
        outs = [p for p in self.books.payouts(now) if start <= p.when < until]
        opening = self.books.balance(start)
        groups: dict[str, list[Move]] = {}
        for move in moves:
            groups.setdefault({"payment": "payments", "refund": "refunds", "chargeback": "chargebacks"}.get(move.kind, "corrections"), []).append(
                move
            )
        totals = {"open": {"amount": mb.money(opening)}}
        for name, rows in groups.items():
            totals[name] = {"amount": mb.money(sum((m.amount for m in rows), ZERO)), "count": len(rows)}
        totals["fee-prepayments"] = {"amount": mb.money(-sum((m.fee for m in moves), ZERO)), "count": sum(1 for m in moves if m.fee)}
        totals["transfers"] = {"amount": mb.money(-sum((p.amount for p in outs), ZERO)), "count": len(outs)}
        totals["close"] = {"amount": mb.money(self.books.balance(until))}
        body = {
            "resource": "balance-report",
            "balanceId": BALANCE,
            "timeZone": "Europe/Amsterdam",
            "from": request.arg("from"),
            "until": request.arg("until"),
            "grouping": request.arg("grouping", "transaction-categories"),
            "totals": totals,
        }
        return hal(body)

    def _page(self, request: Request, plural: str, rows: list, render, key) -> Response:
        try:
            limit = int(request.arg("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= self.settings.max_limit:
            return error(400, "Bad Request", f"The limit must be between 1 and {self.settings.max_limit}", "limit")
        start = request.arg("from")
        index = next((i for i, row in enumerate(rows) if key(row) == start), None) if start else 0
        if index is None:
            return error(404, "Not Found", f"No {plural.rstrip('s')} exists with token {start}.")
        page, after = rows[index : index + limit], rows[index + limit : index + limit + 1]
        path = f"{request.base_url}{request.path}"
        kept = {k: v[-1] for k, v in request.query.items() if k not in ("from", "limit")}

        def href(first) -> dict:
            return mb.link(f"{path}?{urlencode({**kept, 'from': key(first), 'limit': limit})}")

        before = rows[max(0, index - limit)] if index else None
        body = {
            "count": len(page),
            "_embedded": {plural: [render(row) for row in page]},
            "_links": {
                "self": mb.link(f"{path}?{urlencode({**kept, **({'from': start} if start else {}), 'limit': limit})}"),
                "previous": href(before) if before is not None else None,
                "next": href(after[0]) if after else None,
                "documentation": {"href": f"https://docs.mollie.com/reference/list-{plural.replace('_', '-')}", "type": "text/html"},
            },
        }
        return hal(body)


def _day(text: str | None) -> datetime:
    """A report date: midnight in Europe/Amsterdam (the only time zone the report takes)."""
    return datetime.strptime(text or "", "%Y-%m-%d").replace(tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)


def hal(payload: dict, status: int = 200) -> Response:
    response = json_response(status, payload)
    response.headers["Content-Type"] = "application/hal+json"
    return response


def error(status: int, title: str, detail: str, field: str | None = None) -> Response:
    body = {
        "status": status,
        "title": title,
        "detail": detail,
        **({"field": field} if field else {}),
        "_links": {"documentation": {"href": DOCS, "type": "text/html"}},
    }
    return hal(body, status)
