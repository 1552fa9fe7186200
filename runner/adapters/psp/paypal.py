"""PayPal's withdrawals (reference psp-settlements.md section 4): PayPal has no settlement
object, so a settlement is the balance-affecting rows of Transaction Search up to and with a
withdrawal (T0400/T0401), read in windows of at most 31 days, oldest first. Rows appear up to
3 hours late: nothing after `last_refreshed_datetime` is taken. A payment's link to its order
is its transaction id (the capture id: the order's transaction_id) and `custom_field` (the
order id); a refund or chargeback links through `paypal_reference_id`, the capture it undoes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx

from runner.adapters.psp.common import Api, money
from runner.domain.settlement import ADJUSTMENT, CHARGEBACK, PAYMENT, REFUND, REVERSAL, Movement, Settlement
from runner.spec.providers import Provider

BASE = "https://api-m.paypal.com"
WINDOW = timedelta(days=31)
PAYMENTS = {"T0000", "T0001", "T0003", "T0006", "T0007", "T0011"}
WITHDRAWALS = {"T0400", "T0401", "T0403"}
FEES = {"T0106": "chargeback fee", "T0107": "payment fee"}
KIND = {"T1107": REFUND, "T1201": CHARGEBACK, "T1106": CHARGEBACK, "T1202": REVERSAL}


class PayPal(Api):
    name = "PayPal"

    def __init__(self, spec: Provider, transport: httpx.BaseTransport | None = None, now=lambda: datetime.now(UTC)) -> None:
        super().__init__((spec.url or BASE).rstrip("/"), transport)
        self.spec, self.now, self.token = spec, now, ""

    def send(self, method: str, path: str, **kwargs):
        if not self.token and path != "/v1/oauth2/token":
            self.login()
        if self.token:
            kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": f"Bearer {self.token}"}
        return super().send(method, path, **kwargs)

    def login(self) -> None:
        pair = f"{getattr(self.spec, 'client_id', '')}:{getattr(self.spec, 'client_secret', '')}".encode()
        basic = {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
        answer = super().send("POST", "/v1/oauth2/token", data={"grant_type": "client_credentials"}, headers=basic)
        self.token = answer.get("access_token") or ""

    def rows(self, since: date) -> Iterator[dict]:
        """The balance-affecting rows from `since` (UTC) to the last refresh, oldest first."""
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        end, refreshed = self.now(), None
        while start < end and (refreshed is None or start <= refreshed):  # PayPal refuses a window after its last refresh
            until = min(start + WINDOW, end)
            page, pages = 1, 1
            while page <= pages:
                answer = self.get("/v1/reporting/transactions", _window(start, until, page))
                pages = int(answer.get("total_pages") or 1)
                if answer.get("last_refreshed_datetime"):
                    refreshed = datetime.strptime(answer["last_refreshed_datetime"], "%Y-%m-%dT%H:%M:%S%z")
                for row in answer.get("transaction_details") or []:
                    yield row.get("transaction_info") or {}
                page += 1
            start = until

    def settlements(self, since: date | None = None) -> list[Settlement]:
        """Each withdrawal with the rows since the one before it; rows after the last
        withdrawal wait for the next (they are in transit)."""
        rows = sorted(self.rows(since or (self.now() - WINDOW).date()), key=lambda r: (_stamp(r), r.get("transaction_id", "")))
        out, held = [], []
        self.after_last = Decimal(0)  # the rows after the last withdrawal: what no payout holds yet
        for row in rows:
            if row.get("transaction_status", "S") not in ("S", "P"):
                continue
            if row.get("transaction_event_code") in WITHDRAWALS:
                out.append(_settlement(row, held))
                held = []
            else:
                held.append(row)
        self.after_last = sum((m.amount - m.fee for m in map(_movement, held)), Decimal(0))
        return out

    def in_transit(self, since: date | None = None) -> Decimal:
        """What no withdrawal holds yet: the rows after the last one since `since` (the
        last payout booked; else the last 31 days)."""
        self.settlements(since)
        return self.after_last

    def balance(self) -> Decimal:
        answer = self.get("/v1/reporting/balances", {"as_of_time": self.now().strftime("%Y-%m-%dT%H:%M:%SZ")})
        return sum((money((b.get("total_balance") or {}).get("value")) for b in answer.get("balances") or []), Decimal(0))


def _window(start: datetime, end: datetime, page: int) -> dict:
    when = "%Y-%m-%dT%H:%M:%S+0000"
    return {"start_date": start.strftime(when), "end_date": end.strftime(when), "fields": "all", "page_size": 500, "page": page}


def _stamp(row: dict) -> datetime:
    text = row.get("transaction_initiation_date") or "1970-01-01T00:00:00+0000"
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def _settlement(withdrawal: dict, rows: list[dict]) -> Settlement:
    movements = tuple(_movement(row) for row in rows)
    payout = -money(withdrawal["transaction_amount"]["value"])
    closing = money((withdrawal.get("available_balance") or {}).get("value")) if withdrawal.get("available_balance") else None
    opening = None
    if closing is not None:
        opening = closing + payout - sum((m.amount - m.fee for m in movements), Decimal(0))
    return Settlement(
        "paypal",
        withdrawal["transaction_id"],
        withdrawal.get("bank_reference_id") or "",
        _stamp(withdrawal).date(),
        payout,
        withdrawal["transaction_amount"].get("currency_code", "EUR"),
        movements,
        opening=opening,
        closing=closing,
    )


def _movement(row: dict) -> Movement:
    code = row.get("transaction_event_code") or ""
    amount = money((row.get("transaction_amount") or {}).get("value"))
    fee = -money((row.get("fee_amount") or {}).get("value"))  # a fee taken is negative in PayPal's rows: a cost here
    day = _stamp(row).date()
    if code in FEES:  # a fee of its own row: all of it is the fee
        return Movement(ADJUSTMENT, row["transaction_id"], Decimal(0), day, fee=-amount + fee, fee_kind=FEES[code])
    if code in PAYMENTS:
        kind, payment = PAYMENT, row["transaction_id"]
    else:
        kind, payment = KIND.get(code, ADJUSTMENT), row.get("paypal_reference_id") or ""
    order = str(row.get("custom_field") or "")
    return Movement(kind, row["transaction_id"], amount, day, payment, order, fee=fee, fee_kind="PayPal fees" if fee else "", description=code)
