"""The preview of `booking.mode: daily_summary`: what a run would post is one summary per
shop-local day, journal and kind (sales or credit), and in paid mode its payment entries per
payment journal, so that is what is shown, with the Exact payloads and the orders behind
each. Each order's own item says which summary it lands in. A day that is not closed yet is
shown as such: a run keeps its orders until it closes.

The day's documents are summed as they come (in parts of PART, runner/domain/summary.py sums
a summary of parts to the same result), so a long orders file stays small in memory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from runner.domain.booking import CustomerPlan, Document
from runner.domain.money import text
from runner.domain.summary import Day, closed, closes_at, day_of, member, payment_plan, payments, receipt_of, summarize
from runner.errors import BookingError
from runner.pipeline.ports import Posting, Sink
from runner.services.rehearsal import rehearse
from runner.spec.model import Spec

PART = 256  # documents of one day summed into one before more are taken


class DayPreview:
    """The summaries a preview's documents make. An online preview passes the ledger's
    summaries (`booked`: a day booked already shows as its correction) and the documents it
    keeps for their day (`kept`: in their summaries, unless the preview showed them again)."""

    def __init__(
        self,
        spec: Spec,
        sink: Sink,
        booked: Iterable[Mapping[str, Any]] = (),
        kept: Iterable[Mapping[str, Any]] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spec, self.sink, self.clock, self.kept = spec, sink, clock, list(kept)
        self.grace = spec.booking.grace
        self.numbers: dict[str, int] = {}
        for summary in booked:
            self.numbers[summary["day_key"]] = max(self.numbers.get(summary["day_key"], 0), int(summary.get("n") or 1))
        self.days: dict[Day, list[Document]] = {}
        self.paying: dict[Day, list[dict]] = {}  # the day's payments, as the ledger keeps them (runner/domain/summary.py `payments`)
        self.collective: dict[Day, str] = {}
        self.labels: dict[Day, list[str]] = {}
        self.seen: set[tuple[int, int]] = set()

    def your_ref(self, day: Day) -> str:
        return day.your_ref(self.numbers.get(day.key, 0) + 1)

    def add(self, planned, country: str = "") -> dict[str, Any]:
        """One order's document into its day (its lines summed apart by an export's or OSS
        sale's `country`); the order's item, naming the summary."""
        document, payment = planned.document, planned.payment
        if country:
            document = replace(document, lines=tuple(replace(line, country=country) for line in document.lines))
        day = self._add(document, planned.customer.collective, (payment.journal, payment.amount) if payment else None)
        item: dict[str, Any] = {"order": document.order_id}
        if document.refund_id is not None:
            item["refund"] = document.refund_id
        item.update(
            {
                "summary": self.your_ref(day),
                "total": text(document.total),
                "customer": {"collective": planned.customer.collective},
                "payment": {"journal": payment.journal, "amount": text(payment.amount)} if payment else None,
                "warnings": list(document.warnings),
            }
        )
        return item

    def _add_kept(self) -> None:
        for one in self.kept:
            if (one["order"], one["refund"]) not in self.seen:
                self._add(member(one), one["account"], receipt_of(one))  # its country kept with it

    def _add(self, document: Document, collective: str, payment: tuple[str, Decimal] | None) -> Day:
        day = day_of(document)
        self.seen.add((document.order_id, document.refund_id or 0))
        self.collective.setdefault(day, collective)
        part = self.days.setdefault(day, [])
        part.append(document)
        if len(part) >= PART:
            self.days[day] = [summarize(part, day, self.numbers.get(day.key, 0) + 1)]
        if payment is not None and payment[1]:
            kept = {"order": document.order_id, "refund": document.refund_id or 0, "number": document.order_number}
            self.paying.setdefault(day, []).append({**kept, "receipt": [payment[0], text(payment[1])]})
        self.labels.setdefault(day, []).append(document.order_number + (f"/{document.refund_id}" if document.refund_id is not None else ""))
        return day

    def summaries(self) -> list[tuple[Document, dict[str, Any]]]:
        """Each day's summary with its item: payload, orders, payments, whether it is closed."""
        self._add_kept()
        out = []
        for day in sorted(self.days, key=lambda d: (d.day, d.journal, d.kind)):
            try:
                out.append(self._summary(day))
            except BookingError as exc:  # two currencies in one day's journal: no summary can be made
                out.append((None, {"summary": self.your_ref(day), "error": f"{exc.message}; what to do: {exc.hint}"}))
        return out

    def _summary(self, day: Day) -> tuple[Document, dict[str, Any]]:
        number = self.numbers.get(day.key, 0) + 1
        summary = summarize(self.days[day], day, number)
        plan = CustomerPlan("", self.collective[day], {})
        account = self.sink.customer(plan) or f"<account {plan.collective}>"
        posting = Posting(summary, plan, account)
        is_closed = closed(day.day, self.clock(), self.spec.timezone, self.grace)
        item: dict[str, Any] = {
            "summary": summary.your_ref,
            "kind": day.kind,
            "day": day.day.isoformat(),
            "journal": day.journal,
            "closed": is_closed,
            **rehearse(self.sink, posting, ("document",))["document"],
            "customer": {"collective": plan.collective},
            "orders": self.labels[day],
            "payments": self._payments(summary, day, posting) if day in self.paying else None,
            "warnings": list(summary.warnings),
        }
        if not is_closed:
            when = closes_at(day.day, self.spec.timezone, self.grace).strftime("%Y-%m-%d %H:%M")
            item["note"] = f"the day is not closed yet: a run keeps its orders and books this summary after {when} (shop time)"
        return summary, item

    def _payments(self, summary: Document, day: Day, posting: Posting) -> list[dict[str, Any]]:
        """The payment entries a run posts once the summary is booked, one per payment journal."""
        held = {"receipts": payments(self.paying[day]), "day_key": day.key, "your_ref": summary.your_ref, "currency": summary.currency}
        done = {"document": {"ref": "<document>", "number": None}}
        out = []
        for journal, paid in held["receipts"].items():
            plan = payment_plan(held, journal, self.spec.payments.gl_account)
            paying = Posting(posting.document, posting.customer, posting.account, plan)
            orders = [str(number) + (f"/{refund}" if refund else "") for _, refund, number in paid["members"]]
            sent = rehearse(self.sink, paying, ("payment",), done).get("payment") or {}
            out.append({"journal": journal, "amount": text(plan.amount), "orders": orders, **sent})
        return out
