"""The order of steps of a run: settle unknown outcomes, read what is due, book each order
(customer, document, print, payment, refunds) with an intent recorded before every POST.
Everything it calls is either pure (booking, payloads) or an adapter at the edge."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from runner.core.booking import Booker, Document
from runner.core.model import Order, parse_order, parse_refund, reached_trigger
from runner.errors import BookingError, RunnerError
from runner.exact.client import Ambiguous, DailyLimitReached, ExactRejected
from runner.exact.payloads import Ids, document_payload, master_data_problems, payment_payload, print_payload
from runner.http import safe_url

RETRY_DELAYS = (15 * 60, 60 * 60, 4 * 3600, 24 * 3600)  # then daily, up to MAX_ATTEMPTS
MAX_ATTEMPTS = 8
OVERLAP = 3600  # seconds re-read before the last cursor: saves that raced the last run


@dataclass
class Report:
    started: str
    booked: list[int] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    skipped: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    waiting: list[int] = field(default_factory=list)
    settled: int = 0
    stopped: str = ""
    exact_calls: int = 0
    woo_calls: int = 0
    daily_left: int | None = None
    finished: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: (v if not isinstance(v, dict) else {str(i): m for i, m in v.items()}) for k, v in self.__dict__.items()}


class Run:
    """One run of one spec: settle unknown outcomes, read what is due, book it."""

    def __init__(self, spec, woo, sink, ledger, clock=time.time, progress=None) -> None:
        self.spec, self.woo, self.sink, self.ledger, self.clock = spec, woo, sink, ledger, clock
        self.progress = progress  # called with the report after each order (a terminal counter)
        self.booker = Booker(spec)
        self.statuses = set(spec.section("orders")["statuses"])
        self.report = Report(started=_iso(clock()))

    def __call__(
        self, since: str | None = None, only: Sequence[int] = (), limit: int | None = None, retry_now: Sequence[int] | None = None
    ) -> Report:
        try:
            self._before_exacts_day_is_over()
            self.settle()
            self.sink.refresh_accounts()
            for raw in self.due(since, only, retry_now):
                if limit is not None and len(self.report.booked) >= limit:
                    break
                self.one(raw, force=bool(only) or retry_now is not None)
                if self.progress:
                    self.progress(self.report)
        except DailyLimitReached as stop:
            self.report.stopped = f"{stop.message}; {stop.hint}"
            if self.sink.api.governor.daily_reset > self.clock():  # runs until then make no calls at all
                self.ledger.set_cursor("exact_daily_reset", self.sink.api.governor.daily_reset)
        except RunnerError as stop:  # a run that ended early is never recorded as a clean one
            self.report.stopped = stop.message
            raise
        finally:
            self.report.stopped = self._safe(self.report.stopped)
            self.report.failed = {order_id: self._safe(message) for order_id, message in self.report.failed.items()}
            self.report.exact_calls = self.sink.api.calls
            self.report.woo_calls = self.woo.calls
            self.report.daily_left = self.sink.api.governor.daily_remaining
            self.report.finished = _iso(self.clock())
            self.ledger.record_run(self.report.as_dict())
        return self.report

    def _safe(self, text: str) -> str:
        """What goes into the ledger (and from there to status and alerts) as the CLI prints
        it: the spec's secrets and any key in a URL blanked, whatever a service echoed back."""
        for secret in sorted(getattr(self.spec, "secrets", ()), key=len, reverse=True):
            text = text.replace(secret, "***")
        return safe_url(text)

    def _before_exacts_day_is_over(self) -> None:
        reset = self.ledger.cursor("exact_daily_reset")
        if reset and self.clock() < reset:
            raise DailyLimitReached(
                f"a run before this one used Exact's calls for today (up to the reserve); they come back at {_iso(reset)}",
                "nothing is lost: the first run after that carries on where the last one stopped",
            )

    # what is due
    def due(self, since: str | None, only: Sequence[int], retry_now: Sequence[int] | None) -> Iterable[dict]:
        if only:
            yield from (self.woo.order(order_id) for order_id in only)
            return
        retry = self._retries(retry_now)
        yield from (self.woo.order(order_id) for order_id in retry)
        cursor = self.ledger.cursor("woo_modified_gmt")
        started_gmt = _iso(self.clock(), gmt=True)
        if cursor is None:
            start = since or self.spec.section("orders").get("since")
            if not start:  # no backfill: from this first run on
                self.ledger.set_cursor("orders_since", _iso(self.clock(), tz=self.spec.timezone)[:19])
                self.ledger.set_cursor("woo_modified_gmt", started_gmt)
                return
            self.ledger.set_cursor("orders_since", f"{start}T00:00:00" if len(start) == 10 else start)
            rows = self.woo.orders(sorted(self.statuses | {"refunded"}), created_after=self.ledger.cursor("orders_since"))
        else:
            rows = self.woo.orders(None, modified_after_gmt=_iso(_epoch(cursor) - OVERLAP, gmt=True))
        for raw in rows:
            if raw["id"] not in retry:
                yield raw
        self.ledger.set_cursor("woo_modified_gmt", started_gmt)

    def _retries(self, retry_now: Sequence[int] | None) -> list[int]:
        now = _iso(self.clock())
        failures = self.ledger.failures()
        if retry_now is not None:
            return [f["order"] for f in failures if not retry_now or f["order"] in retry_now]
        due = [f["order"] for f in failures if f.get("next_retry") and f["next_retry"] <= now]
        self.report.waiting = [f["order"] for f in failures if f["order"] not in due]
        return due

    # one order
    def one(self, raw: dict, force: bool = False) -> None:
        order_id = int(raw["id"])
        started = self.ledger.step(order_id, None, "document") is not None
        since = self.ledger.cursor("orders_since") or ""
        wanted = reached_trigger(raw, self.statuses) and (raw.get("date_created") or "") >= since
        if not started and not wanted:
            self.report.skipped += 1
            return
        if order_id in self.report.waiting and not force:
            return
        try:
            order = parse_order(raw, {i["product_id"]: self.woo.categories(i["product_id"]) for i in raw.get("line_items") or []})
            customer = self.booker.customer(order)
            account = None
            if not self._complete(order_id, None):
                doc = self.booker.book_order(order)
                account = self._post(order, None, doc, customer)
                self.report.booked.append(order_id)
            if any(not self._complete(order_id, r) for r in order.refund_ids):
                for refund_raw in self.woo.refunds(order_id):
                    if not self._complete(order_id, refund_raw["id"]):
                        doc = self.booker.book_refund(order, parse_refund(refund_raw, order))
                        account = self._post(order, refund_raw["id"], doc, customer, account)
                        self.report.credits.append(f"{order_id}/{refund_raw['id']}")
            self.ledger.clear_failure(order_id)
        except Ambiguous as exc:
            self.report.failed[order_id] = f"{exc.message}; what to do: nothing, {exc.hint}"
            self.ledger.fail(order_id, self._safe(exc.message), _iso(self.clock()), kind="unknown outcome")
        except (BookingError, ExactRejected) as exc:
            for intent in self.ledger.open_intents():  # refused, so nothing landed: no lookup needed
                if intent["order"] == order_id:
                    self.ledger.forget(order_id, intent["refund"], intent["step"])
            self.report.failed[order_id] = f"{exc.message}; what to do: {exc.hint}" if exc.hint else exc.message
            previous = (self.ledger.failure(order_id) or {}).get("attempts", 0)
            delay = RETRY_DELAYS[min(previous, len(RETRY_DELAYS) - 1)]
            retry_at = _iso(self.clock() + delay) if previous + 1 < MAX_ATTEMPTS else None
            self.ledger.fail(order_id, self._safe(exc.message), retry_at, kind="rejected" if isinstance(exc, ExactRejected) else "local")

    def _complete(self, order_id: int, refund_id: int | None) -> bool:
        """Document posted, and printed and paid where the spec asks for it."""
        doc = self.ledger.step(order_id, refund_id, "document")
        if doc is None or doc["state"] != "done":
            return False
        needed = (["print"] if doc.get("target") == "sales_invoice" else []) + (["payment"] if doc.get("pay") else [])
        return all((self.ledger.step(order_id, refund_id, s) or {}).get("state") == "done" for s in needed)

    def _post(self, order: Order, refund_id: int | None, doc: Document, customer, account: str | None = None) -> str:
        payment = self.booker.payment(order, doc)
        self._check(doc, payment)
        account = account or self.sink.account(customer, order.id)
        self._post_document(order.id, refund_id, doc, account, payment)
        return account

    def _check(self, doc: Document, payment) -> None:
        if doc.refund_id is None and doc.total < 0:
            raise BookingError(
                f"order {doc.order_number} has a negative total ({doc.total}); money going back is a refund, not a sale",
                "refund the original order in WooCommerce instead (the refund is booked as a credit), or book this one by hand in Exact",
            )
        if problem := self.sink.currency_problem(doc.journal, doc.currency):
            raise BookingError(
                problem, "book this order by hand in Exact, or let the journal take other currencies in Exact, then `runner retry SPEC`"
            )
        problems = master_data_problems(doc, self.sink.admin().master, payment)
        if problems and not self.sink.fresh:  # cached master data: the code may be new in Exact
            problems = master_data_problems(doc, self.sink.admin(fresh=True).master, payment)
        if problems:
            raise BookingError("; ".join(problems), "fix the mapping or the codes in Exact; `runner validate --online` checks them")

    def _post_document(self, order_id: int, refund_id: int | None, doc: Document, account: str, payment) -> None:
        admin = self.sink.admin()
        invoice = doc.target == "sales_invoice"
        items = {line.item: self.sink.item(line.item, line.description) for line in doc.lines} if invoice else {}
        ids = Ids(customer=account, gl=admin.gl_ids, items=items, cash_journals=admin.cash_journals)
        step = self.ledger.step(order_id, refund_id, "document")
        if step is None or step["state"] != "done":
            endpoint, payload = document_payload(doc, ids)
            self.ledger.intend(
                order_id,
                refund_id,
                "document",
                target=doc.target,
                journal=doc.journal,
                your_ref=doc.your_ref,
                description=doc.description,
                total=f"{doc.booked_total:.2f}",
                account=account,
                pay=payment is not None,
            )
            row = self.sink.post(endpoint, payload)
            key = "InvoiceID" if invoice else "EntryID"
            self.ledger.done(
                order_id, refund_id, "document", exact_id=row[key], number=row.get("InvoiceNumber") if invoice else row.get("EntryNumber")
            )
            step = self.ledger.step(order_id, refund_id, "document")
        if invoice:
            step = self._print(order_id, refund_id, doc, step, need_number=payment is not None)
        if payment is not None:
            self._pay(order_id, refund_id, payment, replace(ids, entry_number=step.get("number")))

    def _print(self, order_id: int, refund_id: int | None, doc: Document, document_step: dict, need_number: bool) -> dict:
        """Printing makes the invoice a booking; its number (given at printing) is read back
        only when a payment must refer to it."""
        if (self.ledger.step(order_id, refund_id, "print") or {}).get("state") != "done":
            self.ledger.intend(order_id, refund_id, "print", invoice=document_step["exact_id"])
            self.sink.post(*print_payload(document_step["exact_id"], doc))
            self.ledger.done(order_id, refund_id, "print")
        if need_number and not document_step.get("number"):
            number = self.sink.invoice_status(document_step["exact_id"]).get("InvoiceNumber")
            self.ledger.done(order_id, refund_id, "document", number=number)
        return self.ledger.step(order_id, refund_id, "document")

    def _pay(self, order_id: int, refund_id: int | None, payment, ids: Ids) -> None:
        if (self.ledger.step(order_id, refund_id, "payment") or {}).get("state") == "done":
            return
        endpoint, payload = payment_payload(payment, ids)
        self.ledger.intend(order_id, refund_id, "payment", endpoint=endpoint, entry_number=ids.entry_number, account=ids.customer)
        row = self.sink.post(endpoint, payload)
        self.ledger.done(order_id, refund_id, "payment", exact_id=row.get("EntryID"))

    # unknown outcomes from an earlier run
    def settle(self) -> None:
        """Every intent without ids is looked up in Exact before anything is posted again."""
        for intent in self.ledger.open_intents():
            order_id, refund_id, step = intent["order"], intent["refund"] or None, intent["step"]
            found: dict | None = None
            if step == "account":
                account = self.sink.find_account(intent["email"])
                found = {"exact_id": account} if account else None
            elif step == "document":
                known = {s.get("exact_id") for s in self.ledger.all_steps() if s["order"] == order_id}
                row = self.sink.find_document(intent["target"], intent["journal"], intent["your_ref"], intent["description"], intent["total"], known)
                if row:
                    invoice = intent["target"] == "sales_invoice"
                    found = {"exact_id": row["InvoiceID" if invoice else "EntryID"], "number": row.get("InvoiceNumber" if invoice else "EntryNumber")}
            elif step == "print":
                status = self.sink.invoice_status(intent["invoice"])
                found = {"number": status.get("InvoiceNumber")} if status.get("Status") == 50 else None
            elif step == "payment":
                line = self.sink.find_payment(intent["endpoint"], intent["entry_number"], intent["account"])
                found = {"exact_id": line.get("EntryID")} if line else None
            if found:
                self.ledger.done(order_id, refund_id, step, **found)
            else:
                self.ledger.forget(order_id, refund_id, step)
            self.report.settled += 1


def _iso(epoch: float, gmt: bool = False, tz: str | None = None) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    if tz:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if gmt or tz else moment.isoformat(timespec="seconds")


def _epoch(text: str) -> float:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def status(ledger) -> dict[str, Any]:
    """The ledger in numbers, for `runner status`."""
    today = datetime.now(UTC).date().isoformat()
    documents = [s for s in ledger.all_steps() if s["step"] == "document" and s["state"] == "done"]
    orders = [s for s in documents if not s["refund"]]
    runs = ledger.runs()
    clean = [r for r in runs if not r.get("failed") and not r.get("stopped")]
    return {
        "booked_total": len(orders),
        "credits_total": len(documents) - len(orders),
        "booked_today": sum(1 for s in orders if s["at"].startswith(today)),
        "booked_month": sum(1 for s in orders if s["at"].startswith(today[:7])),
        "last_run": runs[-1] if runs else None,
        "last_success": clean[-1]["finished"] if clean else None,
        "failures": ledger.failures(),
        "pending": ledger.open_intents(),
    }
