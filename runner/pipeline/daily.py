"""`booking.mode: daily_summary` in a run (verzamelboeking): each due order's sale and each
refund's credit is made as in per_order mode, checked, and kept in the ledger as a member of
its day; once a day is closed (the shop's midnight plus `booking.summary_grace`) its members
are summed (runner/domain/summary.py) and posted as one document on the collective account.
In paid mode each booked summary then gets one payment entry per payment journal
(runner/pipeline/daily_pay.py).

Exactly-once per day, the same protocol as for any document (runner/pipeline/ports.py): the summary
is written to the ledger with its members and the sink's intent before the POST, looked up
in the books first (journal + YourRef, which names the day), and an intent whose answer was
lost is settled with `sink.lookup` before anything is posted again. A member is in exactly
one summary: one that reaches the ledger after its day was booked goes into a correction
(`WC 2026-11-26 #2`). A member is kept until its summary is done, so an order the shop's
listing showed once is booked when its day closes, whether or not it changes again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from runner.domain.booking import CustomerPlan
from runner.domain.money import ZERO, text
from runner.domain.summary import CREDIT, Day, closed, member, payments, record, shell, summarize
from runner.errors import BookingError, OutcomeUnknown, Rejected, RunnerError
from runner.pipeline.daily_pay import DayPayments
from runner.pipeline.ports import Facts, Posting


class Days:
    """The daily summaries of one run; `run` is the engine's Run (its sink, ledger, clock, outcome)."""

    def __init__(self, run) -> None:
        self.run, self.sink, self.ledger = run, run.sink, run.ledger
        self.grace = run.spec.booking.grace
        self.timezone = run.spec.timezone
        self.paid = run.spec.booking.status == "paid"
        self.payments = DayPayments(self)
        self.to_check: set[str] = set()  # summaries holding documents this run saw as booked: the completeness check

    def collect(self, order, refund_id: int | None, planned, account: str | None) -> tuple[str | None, bool]:
        """In place of posting one order's document: checked as it would be, then kept for its day."""
        document = planned.document
        if not planned.customer.collective:
            raise BookingError(
                f"order {document.order_number}: customers.collective gives no account, and a daily summary is booked on one",
                'make customers.collective name the collective account for every order (e.g. "999")',
            )
        if problems := self.sink.problems(document, planned.payment):
            raise BookingError("; ".join(problems), "fix the mapping or the codes in Exact; `runner validate SPEC --online` checks them")
        kept = record(document, planned.customer.collective, planned.payment)
        before = self.ledger.member(document.order_id, document.refund_id or 0)
        if before and before["day"] != kept["day"]:  # re-completed (a new date_completed): its day was fixed when it was first due
            kept["day"] = before["day"]
        self.ledger.keep_member(kept)
        return account, False

    def settle(self) -> None:
        """Summaries whose answer was lost are looked up first: done when the books hold
        them, else forgotten (their members are summed again). A done summary whose members
        a crash left unmarked is finished; its payments whose answer was lost are looked up."""
        waiting = {(m["order"], m["refund"]) for m in self.ledger.members()}
        for summary in self.ledger.summaries():
            if summary["state"] == "intent":
                found = self.sink.lookup("document", summary, self._taken(summary["key"]))
                if found is not None:
                    self._done(summary, found)
                else:
                    self.ledger.drop_summary(summary["key"])
                self.run.outcome.settled += 1
                continue
            if any(tuple(m) in waiting for m in summary["members"]):
                self._done(summary, {k: summary.get(k) for k in ("exact_id", "number")})
            self.payments.settle(summary)

    def book(self) -> None:
        """Every closed day with members not in a summary yet gets its summary (or correction);
        in paid mode every booked summary then gets the payment entries it lacks."""
        summaries = self.ledger.summaries()
        taken = {tuple(m) for s in summaries for m in s["members"]}
        days: dict[Day, list[dict]] = {}
        # failed, and not due for a retry yet (Exact's error budget); a refund that failed alone
        # keeps neither its sale nor the order's other credits from their days (issue 22 #2)
        later = set(self.run.outcome.waiting) - {f["order"] for f in self.ledger.failures() if f.get("refund")}
        for kept in self.ledger.members():
            if (kept["order"], kept["refund"]) not in taken and kept["order"] not in later:
                days.setdefault(Day(kept["kind"], kept["journal"], date.fromisoformat(kept["day"])), []).append(kept)
        waiting = 0
        now = self.run.clock()
        for day in sorted(days, key=lambda d: (d.day, d.journal, d.kind)):
            if closed(day.day, now, self.timezone, self.grace):
                self._book(day, days[day], 1 + sum(1 for s in summaries if s["day_key"] == day.key))
            else:
                waiting += sum(1 for k in days[day] if not self._booked(k))
        if waiting:
            self.run.outcome.notes.append(
                f"{waiting} document(s) wait for their day to close ({self.run.spec.booking.summary_grace} after midnight, shop time): "
                "kept in the ledger, booked in their day's summary by the first run after that"
            )
        if self.paid:
            self.payments.book(later)

    def _booked(self, kept: dict) -> bool:
        """A member this run found in a summary of another day (it was re-completed after its day was booked)."""
        step = self.ledger.step(kept["order"], kept["refund"] or None, "document") or {}
        return step.get("state") == "done" and bool(step.get("summary"))

    def _book(self, day: Day, kept: list[dict], number: int) -> None:
        kept = sorted((k for k in kept if not self._booked(k)), key=lambda k: (k["order"], k["refund"]))
        if not kept:
            return
        account_code = kept[0]["account"]
        others = [k for k in kept if k["account"] != account_code]
        for k in others:
            self._fail(k, BookingError(f"customers.collective gives '{k['account']}', but the summary of {day.day} is on '{account_code}'", ""))
        kept = [k for k in kept if k["account"] == account_code]
        try:
            summary = summarize([member(k) for k in kept], day, number)
            plan = CustomerPlan("", account_code, {})
            posting = Posting(summary, plan, self.sink.customer(plan) or "")
        except BookingError as exc:
            for k in kept:
                self._fail(k, exc)
            return
        facts = self.sink.intent("document", posting, {})
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
        held = self._held(summary) if number == 1 else []
        if held:  # the ledger knows no summary of this day, the books do (a lost ledger): the books decide
            self._recover(day, kept, summary, record_, facts, held)
            return
        try:
            found = self.sink.find("document", posting, {}, self._taken(record_["key"]))
        except BookingError as collision:  # a summary of an older version, without a tag, for another total
            found = {"amount": collision.message}
        if found is not None and found.get("amount") not in (None, facts.get("total")):
            # the books hold this day's summary for another total: a lost ledger and a late or
            # changed order; which orders it holds is not known here, so nothing is assumed
            problem = BookingError(
                f"Exact holds {summary.your_ref} at {found['amount']}, but the day's documents add up to {facts.get('total')}",
                "compare the day in Exact with `runner report` (a ledger lost after a late order?) and book the difference by hand",
            )
            for k in kept:
                self._fail(k, problem)
            return
        self.ledger.save_summary({**record_, "state": "intent", **facts})
        if found is not None:  # the books hold it (a lost ledger): recorded, never posted twice
            self.run.outcome.found.append(f"{summary.your_ref} document")
            self._done({**record_, **facts}, found)
            return
        try:
            written = self.write("document", posting, {}, facts)
        except (Rejected, BookingError) as exc:  # nothing landed: the members are summed again next run
            self.ledger.drop_summary(record_["key"])
            for k in kept:
                self._fail(k, exc)
            return
        except OutcomeUnknown as exc:  # may have landed: looked up first thing next run
            for k in kept:
                self._fail(k, exc)
            return
        self.run.outcome.warnings += [f"{summary.your_ref}: {w}" for w in summary.warnings]
        self.payments.posted.add(record_["key"])  # its payments cannot be in the books yet: none is looked for
        self._done({**record_, **facts}, written)

    def _held(self, summary) -> list[Facts]:
        """The summaries of this shop, day, journal and kind the books hold (by their identity tag)."""
        held = getattr(self.sink, "held_summaries", None)
        return (held(summary) or []) if held else []

    def _recover(self, day: Day, kept: list[dict], summary, base: dict, facts: Facts, held: list[Facts]) -> None:
        """A day the books hold summaries of (the first and its corrections) that a lost ledger
        does not know. When they add up to the day's documents, the day is booked. Else the
        summaries' lines name the orders they hold (one call a summary): those are booked,
        also one kept on a later day (re-completed since), and the others are said to be
        missing, with both totals; nothing is posted on a guess."""
        total = sum((Decimal(k["total"]) for k in kept), ZERO)
        held_total = sum((Decimal(h["amount"]) for h in held), ZERO)
        refs = " + ".join(f"{day.your_ref(self._number(h, n))} ({h['amount']})" for n, h in enumerate(held, 1))
        everyone = {(k["order"], k["refund"]): k for k in self.ledger.members()} | {(k["order"], k["refund"]): k for k in kept}
        if held_total == total:
            holds = {self._number(h, n): kept if n == 1 else [] for n, h in enumerate(held, 1)}
        else:
            holds = self._named(held, base.get("shop", ""), everyone)
            if holds is None:  # an older version's summaries: which orders they hold is not known, nothing is assumed
                problem = BookingError(
                    f"Exact holds {refs}, {text(held_total)} in all, but the day's documents add up to {text(total)}",
                    "compare the day in Exact with `runner report` (a ledger lost after a late order?) and book the difference "
                    f"({text(total - held_total)}) by hand",
                )
                for k in kept:
                    self._fail(k, problem)
                return
        inside = {(k["order"], k["refund"]) for members in holds.values() for k in members}
        for n, h in enumerate(held, 1):
            number = self._number(h, n)
            members = holds.get(number) or []
            record_ = {
                **base,
                "key": f"{day.key}|{number}",
                "n": number,
                "members": [[k["order"], k["refund"]] for k in members],
                "your_ref": day.your_ref(number),
                **({"receipts": payments(members)} if self.paid else {}),
            }
            self.ledger.save_summary({**record_, "state": "intent", **facts, "total": h["amount"]})
            self.run.outcome.found.append(f"{record_['your_ref']} document")
            self._done({**record_, **facts, "total": h["amount"]}, h)
        missing = [k for k in kept if (k["order"], k["refund"]) not in inside]
        if missing:  # named by no summary of the day: not in the books, so the day's next correction takes them
            problem = BookingError(
                f"Exact holds {refs}, {text(held_total)} in all, but the day's documents add up to {text(total)}; "
                "the summaries' lines name the orders they hold, and this one is not among them",
                "nothing to do: it is booked in a correction of its day when it is retried (`runner retry SPEC` does that now)",
            )
            for k in missing:
                self._fail(k, problem)

    def _named(self, held: list[Facts], shop: str, everyone: dict) -> dict[int, list[dict]] | None:
        """Which kept documents each held summary holds, as its lines' Notes name them (one
        call a summary); None when a summary does not name all of its members."""
        reader = getattr(self.sink, "summary_members", None)
        holds = {}
        for n, h in enumerate(held, 1):
            read = reader(h["exact_id"], shop) if reader else None
            if read is None or not read[1]:
                return None
            named = sorted((order, refund or 0) for order, refund in read[0])
            holds[self._number(h, n)] = [everyone[pair] for pair in named if pair in everyone]
        return holds

    @staticmethod
    def _number(held: Facts, n: int) -> int:
        """Which summary of its day a held one is: its tag says (`20261126s2`), else its place."""
        ident = held.get("identity") or ""
        return int(ident[9:]) if ident[9:].isdigit() else n

    def write(self, step: str, posting: Posting, done: dict, facts: Facts) -> Facts:
        """One POST; an answered 5xx is looked up at once, as for any document (Run._write)."""
        try:
            return self.sink.write(step, posting, done)
        except OutcomeUnknown as unknown:
            if not unknown.answered:
                raise
            found = self.sink.lookup(step, facts, self._taken(""))
            if found is None:
                raise Rejected(
                    unknown.answer or f"{unknown.message}, and it does not hold the summary's {step}", "it is posted again by the next run"
                ) from None
            return found

    def _done(self, summary: dict, facts: Facts) -> None:
        """The members are booked (as documents of the summary), then the summary itself."""
        ids = {"exact_id": facts.get("exact_id"), "number": facts.get("number")}
        for order_id, refund_id in summary["members"]:
            self.ledger.done(order_id, refund_id, "document", summary=summary["key"], journal=summary.get("journal"), steps=["document"], **ids)
            failure = self.ledger.failure(order_id) or {}
            if failure.get("refund") in (None, refund_id):  # another refund of the order that failed alone stays failed
                self.ledger.clear_failure(order_id)
            if refund_id:
                self.run.outcome.credits.append(f"{order_id}/{refund_id}")
            else:
                self.run.outcome.booked.append(order_id)
        self.ledger.save_summary({**summary, "state": "done", **ids})
        self.ledger.drop_members([tuple(m) for m in summary["members"]])

    def _taken(self, key: str) -> set[str]:
        """The ids of the other summaries the ledger holds: never this one."""
        return {s["exact_id"] for s in self.ledger.summaries() if s["key"] != key and s.get("exact_id")}

    def _fail(self, kept: dict, exc: RunnerError) -> None:
        self.fail(kept["order"], kept["refund"], kept["number"], kept["kind"], kept["day"], exc)

    def fail(self, order_id: int, refund_id: int, number: str, kind: str, day: str, exc: RunnerError, what: str = "") -> None:
        """One member's failure, said with the summary it belongs to (and `what` of it failed)."""
        who = f"refund {refund_id} of " if refund_id else ""
        exc = type(exc)(
            f"{who}order {number}, in the {what}{'credit' if kind == CREDIT else 'sales'} summary of {day}: {exc.message}",
            exc.hint,
        )
        self.run._order_failed(order_id, exc)

    # the completeness check: a summary holding a document this run saw as booked must be in the books
    def check(self, order_id: int, refund_id: int | None) -> None:
        step = self.ledger.step(order_id, refund_id, "document") or {}
        if step.get("summary"):
            self.to_check.add(step["summary"])

    def missing(self, since: date) -> list[str]:
        """The summaries to check (dated `since` or later) that the books do not hold, and
        their payment entries the books do not hold."""
        out = []
        for summary in sorted(self.ledger.summaries(), key=lambda s: s["key"]):
            document = shell(summary)
            if summary["key"] not in self.to_check or summary["state"] != "done" or document.entry_date < since:
                continue
            if self.sink.holds(document) is False:
                out.append(f"{summary['your_ref']} (the summary of {len(summary['members'])} document(s))")
            out += self.payments.missing(summary)
        return out
