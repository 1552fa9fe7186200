"""`booking.mode: daily_summary` (verzamelboeking): each due order's sale and each refund's
credit is made as in per_order mode, checked, and kept in the ledger as a member of its day;
once a day is closed (the shop's midnight plus `booking.summary_grace`) its members are
summed (runner/domain/summary.py) and the summary is handed to the exactly-once pipeline
(runner/pipeline/exactly_once.py) as one document on the collective account, kept in the
ledger's summaries (`SummaryKeep`). In paid mode each booked summary then gets one payment
entry per payment journal (runner/pipeline/modes/daily_pay.py). A lost ledger's day the books
hold is recovered from them (runner/pipeline/modes/daily_found.py).

A member is in exactly one summary: one that reaches the ledger after its day was booked goes
into a correction (`WC 2026-11-26 #2`). A member is kept until its summary is done, so an order
the shop's listing showed once is booked when its day closes, whether or not it changes again."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from runner.domain.booking import CustomerPlan
from runner.domain.daily_split import country, per_order
from runner.domain.summary import CREDIT, Day, closed, member, payments, record, shell, summarize
from runner.errors import BookingError, OutcomeUnknown, Rejected, RunnerError
from runner.pipeline.exactly_once import Doc, Open, Pipeline
from runner.pipeline.failures import Failures
from runner.pipeline.keeps import SummaryKeep
from runner.pipeline.modes.daily_found import books_hold, recover
from runner.pipeline.modes.daily_pay import DayPayments
from runner.pipeline.modes.per_order import PerOrder
from runner.pipeline.ports import Facts, Posting
from runner.spec.model import Spec


class Daily:
    """The daily summaries of one run: members kept as they come, summaries due once their day closes."""

    finds_orders = False  # the books hold the summary, not the order's own document

    def __init__(self, spec: Spec, pipeline: Pipeline, failures: Failures, clock: Callable[[], float]) -> None:
        self.spec, self.pipeline, self.failures, self.clock = spec, pipeline, failures, clock
        self.ledger, self.outcome = pipeline.ledger, pipeline.outcome
        self.grace = spec.booking.grace
        self.timezone = spec.timezone
        self.paid = spec.booking.status == "paid"
        self.payments = DayPayments(self)
        self.to_check: set[str] = set()  # summaries holding documents this run saw as booked: the completeness check
        self.apart = PerOrder(spec, pipeline, failures, clock)  # reverse charge: per order, on the customer's account
        self.home = spec.woocommerce.country

    def book(self, order, refund_id: int | None, planned, account: str | None) -> tuple[str | None, bool]:
        """In place of posting one order's document: checked as it would be, then kept for its
        day; reverse charge (the ICP declaration lists each supply's VAT number) is posted per
        order on the customer's own account (runner/domain/daily_split.py)."""
        document = planned.document
        if per_order(order, planned.customer.context, self.home, document.lines):
            if not (planned.customer.keys or planned.customer.email):
                raise BookingError(
                    f"order {document.order_number}: reverse charge is booked on the customer's own account, but customers.match finds none",
                    "add vat_number or email to customers.match (the nl-default preset matches [vat_number, email])",
                )
            if self.ledger.member(document.order_id, document.refund_id or 0):  # kept for its day by a version before: not summed too
                self.ledger.drop_members([(document.order_id, document.refund_id or 0)])
            return self.apart.book(order, refund_id, replace(planned, customer=replace(planned.customer, collective="")), account)
        if not planned.customer.collective:
            raise BookingError(
                f"order {document.order_number}: customers.collective gives no account, and a daily summary is booked on one",
                'make customers.collective name the collective account for every order (e.g. "999")',
            )
        self.pipeline.check(planned)
        kept = record(document, planned.customer.collective, planned.payment, country(order, self.home))
        before = self.ledger.member(document.order_id, document.refund_id or 0)
        if before and before["day"] != kept["day"]:  # re-completed (a new date_completed): its day was fixed when it was first due
            kept["day"] = before["day"]
        self.ledger.keep_member(kept)
        return account, False

    def opens(self) -> Iterable[Open]:
        """Summaries whose answer was lost, to be looked up: done when the books hold them,
        else forgotten (their members are summed again). A done summary whose members a crash
        left unmarked is finished; its payments whose answer was lost are looked up too."""
        waiting = {(m["order"], m["refund"]) for m in self.ledger.members()}
        for summary in self.ledger.summaries():
            if summary["state"] == "intent":
                yield Open(SummaryKeep(self.ledger, summary, self.summary_done), "document", summary, lambda key=summary["key"]: self._taken(key))
                continue
            if any(tuple(m) in waiting for m in summary["members"]):
                self.summary_done(summary, {k: summary.get(k) for k in ("ref", "number")})
            yield from self.payments.opens(summary)

    def finish(self) -> None:
        """Every closed day with members not in a summary yet gets its summary (or correction);
        in paid mode every booked summary then gets the payment entries it lacks."""
        summaries = self.ledger.summaries()
        taken = {tuple(m) for s in summaries for m in s["members"]}
        days: dict[Day, list[dict]] = {}
        # failed, and not due for a retry yet (Exact's error budget); a refund that failed alone
        # keeps neither its sale nor the order's other credits from their days (issue 22 #2)
        later = set(self.outcome.waiting) - {f["order"] for f in self.ledger.failures() if f.get("refund")}
        for kept in self.ledger.members():
            if (kept["order"], kept["refund"]) not in taken and kept["order"] not in later:
                days.setdefault(Day(kept["kind"], kept["journal"], date.fromisoformat(kept["day"])), []).append(kept)
        waiting = 0
        now = self.clock()
        for day in sorted(days, key=lambda d: (d.day, d.journal, d.kind)):
            if closed(day.day, now, self.timezone, self.grace):
                self._book(day, days[day], 1 + sum(1 for s in summaries if s["day_key"] == day.key))
            else:
                waiting += sum(1 for k in days[day] if not self._booked(k))
        if waiting:
            self.outcome.notes.append(
                f"{waiting} document(s) wait for their day to close ({self.spec.booking.summary_grace} after midnight, shop time): "
                "kept in the ledger, booked in their day's summary by the first run after that"
            )
        if self.paid:
            self.payments.book(later)

    def _booked(self, kept: dict) -> bool:
        """A member this run found in a summary of another day (it was re-completed after its day was booked)."""
        step = self.ledger.step(kept["order"], kept["refund"] or None, "document") or {}
        return step.get("state") == "done" and bool(step.get("summary"))

    def _book(self, day: Day, kept: list[dict], number: int) -> None:
        """The day's summary (or its correction `number`) through the pipeline."""
        kept = sorted((k for k in kept if not self._booked(k)), key=lambda k: (k["order"], k["refund"]))
        if not kept:
            return
        account_code = kept[0]["account"]
        others = [k for k in kept if k["account"] != account_code]
        for k in others:
            self.fail_member(k, BookingError(f"customers.collective gives '{k['account']}', but the summary of {day.day} is on '{account_code}'", ""))
        kept = [k for k in kept if k["account"] == account_code]
        try:
            summary = summarize([member(k) for k in kept], day, number)
            plan = CustomerPlan("", account_code, {})
            posting = Posting(summary, plan, self.pipeline.account_of(plan) or "")
        except BookingError as exc:
            for k in kept:
                self.fail_member(k, exc)
            return
        record_ = {
            "key": f"{day.key}|{number}",
            "day_key": day.key,
            "n": number,
            "members": [[k["order"], k["refund"]] for k in kept],
            "collective": account_code,
            "currency": summary.currency,
            "your_ref": summary.your_ref,  # also where the sink's intent does not name them (a folder)
            "account": posting.account,
            **({"shop": summary.shop} if summary.shop else {}),
            **({"receipts": payments(kept)} if self.paid else {}),
        }
        held = books_hold(self.pipeline, summary) if number == 1 else []
        if held:  # the ledger knows no summary of this day, the books do (a lost ledger): the books decide
            recover(self, day, kept, record_, self.pipeline.intent("document", posting), held)
            return

        def matches(found: Facts, facts: Facts) -> None:
            if found.get("amount") not in (None, facts.get("total")):
                # the books hold this day's summary for another total: a lost ledger and a late or
                # changed order; which orders it holds is not known here, so nothing is assumed
                raise BookingError(
                    f"Exact holds {summary.your_ref} at {found['amount']}, but the day's documents add up to {facts.get('total')}",
                    "compare the day in Exact with `runner report` (a ledger lost after a late order?) and book the difference by hand",
                )

        doc = Doc(
            posting,
            SummaryKeep(self.ledger, record_, self.summary_done),
            ("document",),
            summary.your_ref,
            found_as=lambda step: f"{summary.your_ref} {step}",
            known=lambda: self._taken(record_["key"]),
            lost=lambda unknown, step: Rejected(
                unknown.answer or f"{unknown.message}, and it does not hold the summary's {step}", "it is posted again by the next run"
            ),
            matches=matches,
            warnings=summary.warnings,
        )
        try:
            posted = self.pipeline.post(doc)
        except (Rejected, BookingError, OutcomeUnknown) as exc:  # refused: summed again next run; unknown: looked up first
            for k in kept:
                self.fail_member(k, exc)
            return
        if posted:
            self.payments.posted.add(record_["key"])  # its payments cannot be in the books yet: none is looked for

    def summary_done(self, summary: dict, facts: Facts) -> None:
        """The members are booked (as documents of the summary), then the summary itself."""
        ids = {"ref": facts.get("ref"), "number": facts.get("number")}
        for order_id, refund_id in summary["members"]:
            self.ledger.done(order_id, refund_id, "document", summary=summary["key"], journal=summary.get("journal"), steps=["document"], **ids)
            failure = self.ledger.failure(order_id) or {}
            if failure.get("refund") in (None, refund_id):  # another refund of the order that failed alone stays failed
                self.ledger.clear_failure(order_id)
            if refund_id:
                self.outcome.credits.append(f"{order_id}/{refund_id}")
            else:
                self.outcome.booked.append(order_id)
        self.ledger.save_summary({**summary, "state": "done", **ids})
        self.ledger.drop_members([tuple(m) for m in summary["members"]])

    def _taken(self, key: str) -> set[str]:
        """The ids of the other summaries the ledger holds: never this one."""
        return {s["ref"] for s in self.ledger.summaries() if s["key"] != key and s.get("ref")}

    def fail_member(self, kept: dict, exc: RunnerError) -> None:
        self.fail(kept["order"], kept["refund"], kept["number"], kept["kind"], kept["day"], exc)

    def fail(self, order_id: int, refund_id: int, number: str, kind: str, day: str, exc: RunnerError, what: str = "") -> None:
        """One member's failure, said with the summary it belongs to (and `what` of it failed)."""
        who = f"refund {refund_id} of " if refund_id else ""
        exc = type(exc)(
            f"{who}order {number}, in the {what}{'credit' if kind == CREDIT else 'sales'} summary of {day}: {exc.message}",
            exc.hint,
        )
        self.failures.order(order_id, exc)

    # the completeness check: a summary holding a document this run saw as booked must be in the books
    def still_held(self, order_id: int, refund_id: int | None, plan) -> None:
        step = self.ledger.step(order_id, refund_id, "document") or {}
        if step.get("summary"):
            self.to_check.add(step["summary"])
        elif step:  # booked per order (reverse charge)
            self.apart.still_held(order_id, refund_id, plan)

    def missing(self, since: date) -> list[str]:
        """The summaries to check (dated `since` or later) that the books do not hold, and
        their payment entries the books do not hold."""
        out = []
        for summary in sorted(self.ledger.summaries(), key=lambda s: s["key"]):
            document = shell(summary)
            if summary["key"] not in self.to_check or summary["state"] != "done" or document.entry_date < since:
                continue
            if self.pipeline.holds(document) is False:
                out.append(f"{summary['your_ref']} (the summary of {len(summary['members'])} document(s))")
            out += self.payments.missing(summary)
        return out + self.apart.missing(since)
