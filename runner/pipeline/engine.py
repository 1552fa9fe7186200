"""The order of steps of a run: settle unknown outcomes, read what is due, book each order
(customer, documents, and the steps each document takes) with an intent recorded before
every write. It talks to a `Source`, a `Sink` (runner/pipeline/ports.py) and the ledger only; what
is due and what an order becomes come from runner/pipeline/due.py, shared with preview and report."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from runner.domain.booking import Booker, Document
from runner.domain.model import Order
from runner.errors import BookingError, OutcomeUnknown, QuotaExhausted, Rejected, RunnerError, ServiceError
from runner.ledger import Ledger
from runner.pipeline import due
from runner.pipeline.daily import Days
from runner.pipeline.outcome import Outcome, iso
from runner.pipeline.ports import Facts, Posting, Sink, Source
from runner.pipeline.progress import Tick
from runner.spec.model import Notify
from runner.support.redact import redact

RETRY_DELAYS = (15 * 60, 60 * 60, 4 * 3600, 24 * 3600)  # then daily, up to MAX_ATTEMPTS
MAX_ATTEMPTS = 8
LOOKBACK = 31  # days a new ledger looks back for documents a lost one booked
BATCH = 100  # batched steps (payments) sent together at the end of a run, or every this many
INTERRUPTED = "interrupted: the run did not finish (stopped or killed); the next run carries on"


class Run:
    """One run of one spec: settle unknown outcomes, read what is due, book it."""

    def __init__(
        self, spec, source: Source, sink: Sink, ledger: Ledger, clock: Callable[[], float] = time.time, progress: Callable | None = None, vies=None
    ) -> None:
        self.spec, self.source, self.sink, self.ledger, self.clock = spec, source, sink, ledger, clock
        self.progress = progress  # called with a progress.Tick after each order (done of total, calls, time left)
        self.booker = Booker(spec, vies)  # vies: checks VAT numbers used for reverse charge (runner/adapters/vies.py)
        self.days = Days(self) if spec.booking.mode == "daily_summary" else None  # documents kept for their day's summary
        self._book = self.days.collect if self.days else self._post_healing
        self.statuses = frozenset(spec.orders.statuses)
        self.outcome = Outcome(started=iso(clock()))
        self.seen: set[int] = set()  # orders looked at in this run
        self.refunds_listed = False  # whether the shop lists refunds store-wide
        self.refund_parents: set[int] = set()  # orders with refunds in this run's window
        self.to_check: list[tuple[str, Document]] = []  # for the completeness check
        self.pending: list[tuple[int, int | None, str, Posting, dict[str, Facts]]] = []  # batched steps, intended, not yet sent
        self.paid: list[tuple[str, Posting, dict[str, Facts]]] = []  # payments written this run, for the completeness check
        stall = (spec.notify or Notify()).stall
        self._expected: int | None = None  # orders due in this run, when known before the listing
        self._retried = 0
        self.seconds = stall.total_seconds() * 3 / 4  # a run ends before it could look stalled; the next one carries on

    def __call__(
        self, since: str | None = None, only: Sequence[int] = (), limit: int | None = None, retry_now: Sequence[int] | None = None
    ) -> Outcome:
        if self.ledger.set_aside:
            self.outcome.notes.append(
                f"the ledger could not be read ({self.ledger.damaged}); it was set aside as {self.ledger.set_aside} and this run "
                "rebuilt what it needs from Exact and the shop: nothing is booked twice"
            )
        moved = self.ledger.claim(self.source.name, self.sink.name, about=getattr(self.source, "about", None))  # binds once the shop answered
        self.outcome.notes.extend([moved] if moved else [])
        self.ledger.record_run({**self.outcome.as_dict(), "stopped": INTERRUPTED})  # until it ends
        try:
            self._before_the_quota_resets()
            self.settle()
            self.sink.open()
            started, looked = self.clock(), 0
            self._expected = len(only) if only else None
            for raw in self.due(since, only, retry_now):
                if limit is not None and len(self.outcome.booked) >= limit:
                    break
                if self.clock() - started > self.seconds:
                    self.outcome.stopped = (
                        f"stopped after {round((self.clock() - started) / 60)} min, before notify.stall_after would call the runs stalled; "
                        "nothing is lost: the next run carries on"
                    )
                    break
                self.one(raw, force=bool(only) or retry_now is not None)
                looked += 1
                if len(self.pending) >= BATCH:
                    self.flush()
                if self.progress:
                    self.progress(self.tick(looked, started))
            if self.days:
                self.days.book()
            self.flush()
            self.completeness()
            self.outcome.notes += getattr(self.sink, "notes", [])  # what the sink had to heal (its account index)
        except QuotaExhausted as stop:
            self.outcome.stopped = f"{stop.message}; {stop.hint}"
            if stop.resets_at > self.clock():  # runs until then make no calls at all
                self.ledger.set_cursor("exact_daily_reset", stop.resets_at)
        except RunnerError as stop:  # a run that ended early is never recorded as a clean one
            self.outcome.stopped = stop.message
            raise
        except BaseException as stop:  # Ctrl-C, a crash: recorded as what it is
            self.outcome.stopped = INTERRUPTED if isinstance(stop, KeyboardInterrupt) else f"stopped by an unexpected error ({type(stop).__name__})"
            raise
        finally:
            self.outcome.stopped = self._safe(self.outcome.stopped)
            self.outcome.failed = {order_id: self._safe(message) for order_id, message in self.outcome.failed.items()}
            quota = self.sink.quota()
            self.outcome.exact_calls, self.outcome.daily_left = quota.calls, quota.left_today
            self.outcome.woo_calls = self.source.calls
            self.outcome.finished = iso(self.clock())
            self.ledger.record_run(self.outcome.as_dict())
        return self.outcome

    def tick(self, looked: int, started: float) -> Tick:
        """Where the run is: orders looked at of those due (retries plus what the shop's
        listing said it holds), and the sink's calls, for the time left at Exact's pace."""
        listed = getattr(self.source, "listed", None)
        total = self._expected if self._expected is not None else (self._retried + listed if listed is not None else None)
        quota = self.sink.quota()
        return Tick(
            looked,
            max(total, looked) if total is not None else None,
            self.clock() - started,
            quota.calls,
            quota.left_today,
            quota.per_minute,
            len(self.outcome.booked),
            len(self.outcome.failed),
        )

    def _safe(self, text: str) -> str:
        """What goes into the ledger (and from there to status and alerts) as the CLI prints
        it: the spec's secrets and any key in a URL blanked, whatever a service echoed back."""
        return redact(text, getattr(self.spec, "secrets", ()))

    def _before_the_quota_resets(self) -> None:
        reset = self.ledger.cursor("exact_daily_reset")
        if reset and self.clock() < reset:
            raise QuotaExhausted(
                f"a run before this one used Exact's calls for today (up to the reserve); they come back at {iso(reset)}",
                "nothing is lost: the first run after that carries on where the last one stopped",
            )

    # what is due
    def due(self, since: str | None, only: Sequence[int], retry_now: Sequence[int] | None):
        if only:
            yield from (self.source.order(order_id) for order_id in only)
            return
        retry = self._retries(retry_now)
        self._retried = len(retry)
        yield from (self.source.order(order_id) for order_id in retry)
        listing = due.Listing(self.source, self._window(since), self.ledger)
        refunds = self.source.refunds_after(listing.after)  # None: the shop has no store-wide list
        self.refunds_listed = refunds is not None
        self.refund_parents = set(dict.fromkeys(int(r["parent_id"]) for r in refunds or () if r.get("parent_id")))
        for raw in listing:
            if due.order_id(raw) not in retry:
                yield raw
        for parent in sorted(self.refund_parents - self.seen):  # refunds whose order the list did not show
            yield self.source.order(parent)
        listing.advance()

    def _window(self, since: str | None) -> due.Window:
        """The window this ledger books: from the earliest start anyone asked for (the
        ledger's, `--since`, orders.since), else from the day of the first run. An earlier
        start than the ledger's widens it; what the books hold already is not posted again."""
        start = due.start(self.ledger, since, self.spec.orders.since) or self._first_day()
        self.ledger.set_cursor(due.SINCE, start)
        return self.window

    def _first_day(self) -> str:
        """Without any start, a new client is booked from the day of its first run. A
        ledger that was lost looks the same, so the books are asked first: when they hold
        documents of this shop (by their identity tag, daily summaries too; an older
        version's by a recent order's YourRef), the lost ledger's window carries on
        (LOOKBACK days back; the books keep what they hold from being posted twice). A
        damaged ledger set aside was a ledger: its window carries on without asking."""
        today = date.fromisoformat(iso(self.clock(), tz=self.spec.timezone)[:10])
        back = due.Window(self.statuses, today - timedelta(days=LOOKBACK), self.spec.timezone)
        if self.ledger.set_aside:
            self.outcome.notes.append(f"the ledger was set aside: booking carries on from {back.since} and what Exact holds is not booked again")
            return back.since.isoformat()
        ours = getattr(self.sink, "shop_documents", None)
        asked: set[str] = set()
        for raw in due.Listing(self.source, back, self.ledger):
            if back.verdict(raw) is None:
                try:
                    sale = due.sale(self.booker, due.read_order(raw, self.source if self.booker.wants_categories else None))
                    document = sale.document
                    if ours and document.journal not in asked:
                        asked.add(document.journal)
                        held = ours(document.target, document.journal, document.shop, back.since)
                        if held:
                            self.outcome.notes.append(
                                f"the ledger is new, but Exact already holds {len(held)} document(s) of this shop in journal "
                                f"{document.journal}: booking carries on from {back.since} and what Exact holds is not booked again"
                            )
                            return back.since.isoformat()
                    found = None if self.days else self.sink.find("document", Posting(document, sale.customer, ""), {}, set())
                except BookingError:
                    continue
                if found is not None:
                    self.outcome.notes.append(
                        f"the ledger is new, but Exact already holds order {document.order_number}: booking carries on "
                        f"from {back.since} and what Exact holds is not booked again"
                    )
                    return back.since.isoformat()
        return today.isoformat()

    @property
    def window(self) -> due.Window:
        return due.Window.of(self.statuses, ledger=self.ledger, timezone=self.spec.timezone)

    def _retries(self, retry_now: Sequence[int] | None) -> list[int]:
        now = iso(self.clock())
        failures = self.ledger.failures()
        if retry_now is not None:
            return [f["order"] for f in failures if not retry_now or f["order"] in retry_now]
        wanted = [f["order"] for f in failures if f.get("next_retry") and f["next_retry"] <= now]
        self.outcome.waiting = [f["order"] for f in failures if f["order"] not in wanted]
        return wanted

    # one order
    def one(self, raw: dict, force: bool = False) -> None:
        order_id = due.order_id(raw)
        if order_id is None:  # cannot be booked, nor remembered: said on every run until the shop is fixed
            self.outcome.warnings.append(f"the shop listed something that is not an order with an id ({due.sample(raw)}); look at it in WooCommerce")
            return
        self.seen.add(order_id)
        started = self.ledger.step(order_id, None, "document") is not None
        window = self.window
        if window.verdict(raw, started) is not None:
            self.outcome.skipped += 1
            return
        if order_id in self.outcome.waiting and not force:
            return
        try:
            order = due.read_order(raw, self.source if self.booker.wants_categories else None)
            account = None
            if not self._complete(order_id, None):
                sale = self._dated(order_id, due.sale(self.booker, order))
                if window.includes(sale.document) or started:
                    account, posted = self._book(order, None, sale, account)
                    if posted:
                        self.outcome.booked.append(order_id)
            else:
                self._still_held(order_id, None, lambda: self._dated(order_id, due.sale(self.booker, order)))
            refused: list[tuple[int, BookingError]] = []  # refunds that cannot be credited, each on its own (issue 22 #2)
            if self._may_have_refunds(order):
                listed = self.source.refunds(order_id)
                with due.planning(f"the refunds of order {order.number}"):  # a refund without a number for an id fails this order
                    refunds = sorted(listed, key=lambda r: int(r["id"]))
                for n, refund in enumerate(refunds):
                    if self._complete(order_id, refund["id"]):
                        self._still_held(order_id, refund["id"], lambda n=n, refund=refund: due.credit(self.booker, order, refund, refunds[:n]))
                        continue
                    try:
                        planned = due.credit(self.booker, order, refund, refunds[:n])
                    except BookingError as exc:  # the sale and the other refunds go on
                        refused.append((int(refund["id"]), exc))
                        continue
                    if window.includes(planned.document):
                        account, posted = self._book(order, refund["id"], planned, account)
                        if posted:
                            self.outcome.credits.append(f"{order_id}/{refund['id']}")
            if refused:
                message = "; ".join(exc.message for _, exc in refused)
                self._failed(order_id, BookingError(message, refused[0][1].hint), "local", refund=refused[0][0])
            else:
                self.ledger.clear_failure(order_id)
        except RunnerError as exc:
            self._order_failed(order_id, exc)

    def _dated(self, order_id: int, sale: due.Planned) -> due.Planned:
        """A sale keeps the entry date it was first due on: WooCommerce sets a new
        `date_completed` each time an order is completed again (WC_Order::maybe_set_date_completed)."""
        first = (self.ledger.step(order_id, None, "document") or {}).get("entry_date")
        if not first or first == sale.document.entry_date.isoformat():
            return sale
        document = replace(sale.document, entry_date=date.fromisoformat(first))
        return replace(sale, document=replace(document, created=min(document.created or document.entry_date, document.entry_date)))

    def _order_failed(self, order_id: int, exc: RunnerError, step: tuple[int | None, str] | None = None) -> None:
        """An order that met `exc`: recorded as failed (retried later), or the run stops.
        `step`: only that (refund, step) of the order was refused (a batched payment)."""
        if isinstance(exc, OutcomeUnknown):
            self.outcome.failed[order_id] = f"{exc.message}; what to do: nothing, {exc.hint}"
            self.ledger.fail(order_id, self._safe(exc.message), iso(self.clock()), kind="unknown outcome")
        elif isinstance(exc, (BookingError, Rejected)):
            for intent in self.ledger.open_intents():  # refused, so nothing landed: no lookup needed
                if intent["order"] == order_id and (step is None or (intent["refund"] or None, intent["step"]) == step):
                    self.ledger.forget(order_id, intent["refund"], intent["step"])
            self._failed(order_id, exc, "rejected" if isinstance(exc, Rejected) else "local")
        elif isinstance(exc, ServiceError) and exc.status is not None and exc.status != 429 and exc.status <= 500:
            self._failed(order_id, exc, "shop")  # the shop failed on this order's own data (its product, its refunds)
        else:
            raise exc  # unreachable, throttled, a gateway down, the quota: the run stops, nothing is lost

    def _failed(self, order_id: int, exc: RunnerError, kind: str, refund: int | None = None) -> None:
        """One order's failure, retried later with growing pauses; the others go on. `refund`:
        only that refund failed (its sale and the other credits are booked)."""
        self.outcome.failed[order_id] = f"{exc.message}; what to do: {exc.hint}" if exc.hint else exc.message
        previous = (self.ledger.failure(order_id) or {}).get("attempts", 0)
        delay = RETRY_DELAYS[min(previous, len(RETRY_DELAYS) - 1)]
        retry_at = iso(self.clock() + delay) if previous + 1 < MAX_ATTEMPTS else None
        self.ledger.fail(order_id, self._safe(exc.message), retry_at, kind=kind, refund=refund)

    def _still_held(self, order_id: int, refund_id: int | None, plan) -> None:
        """A document the ledger has as booked, recent enough for the completeness check."""
        if self.days:  # booked in a daily summary: the books hold the summary, not the order's own document
            self.days.check(order_id, refund_id)
            return
        try:
            document = plan().document
        except BookingError:  # booked once, refused by today's rules: the completeness check cannot place it
            return
        if document.entry_date >= date.fromisoformat(iso(self.clock(), tz=self.spec.timezone)[:10]) - timedelta(days=LOOKBACK):
            self.to_check.append((f"{order_id}" + (f"/{refund_id}" if refund_id else ""), document))

    def completeness(self) -> None:
        """Every run ends here: the recent documents of this run's window that the ledger has
        as booked must be in the books (read in bulk, with what the run read already)."""
        self.outcome.missing += [label for label, document in self.to_check if self.sink.holds(document) is False]
        unmatched = getattr(self.sink, "unmatched", None)  # a capability: whether a receipt settled what it pays
        if unmatched is not None and self.paid:
            self.outcome.unmatched += unmatched(self.paid)
        if self.days:
            self.outcome.missing += self.days.missing(date.fromisoformat(iso(self.clock(), tz=self.spec.timezone)[:10]) - timedelta(days=LOOKBACK))

    def _may_have_refunds(self, order: Order) -> bool:
        """Whether to ask the shop for this order's refunds: it names some that are not all
        booked, or (the embedded list may be empty) the shop has no store-wide refunds list
        to find them by, or that list named this order."""
        if order.refund_ids:
            return any(not self._complete(order.id, r) for r in order.refund_ids)
        return due.asks_for_refunds(order, self.refunds_listed, self.refund_parents)

    def _complete(self, order_id: int, refund_id: int | None) -> bool:
        """The document and every step it takes (as recorded when it was posted) are done."""
        doc = self.ledger.step(order_id, refund_id, "document")
        if doc is None or doc["state"] != "done":
            return False
        return all((self.ledger.step(order_id, refund_id, s) or {}).get("state") == "done" for s in doc.get("steps") or _legacy_steps(doc))

    def _post(self, order: Order, refund_id: int | None, planned: due.Planned, account: str | None) -> tuple[str, bool]:
        """Takes one document through its steps; (the account, whether it was posted now)."""
        problems = self.sink.problems(planned.document, planned.payment)
        if problems:
            raise BookingError("; ".join(problems), "fix the mapping or the codes in Exact; `runner validate SPEC --online` checks them")
        account = account or self._account(order.id, planned)
        posting = Posting(planned.document, planned.customer, account, planned.payment)
        steps = self.sink.steps(posting)
        done: dict[str, Facts] = {}
        wrote = posted = False  # after a write of this run, nothing later can be in the books yet
        for step in steps:
            record = self.ledger.step(order.id, refund_id, step)
            if record is None or record["state"] != "done":
                facts = self.sink.intent(step, posting, done)
                if step == "document":  # the steps it takes, and the date it is booked on: fixed from now on
                    facts = {**facts, "steps": list(steps), "entry_date": posting.document.entry_date.isoformat()}
                found = None if wrote else self.sink.find(step, posting, done, self._known_ids(order.id))
                self.ledger.intend(order.id, refund_id, step, **facts)
                if found is not None:  # the books hold it: recorded, never posted twice
                    self.ledger.done(order.id, refund_id, step, **found)
                    self.outcome.found.append(f"{order.id}" + (f"/{refund_id}" if refund_id else "") + f" {step}")
                elif step in self.sink.batched:  # sent with the others (flush); always a document's last step
                    self.pending.append((order.id, refund_id, step, posting, dict(done)))
                    continue
                else:
                    written = self._write(order.id, step, posting, done, facts)
                    warnings = [written.pop("warning")] if "warning" in written else []  # something the sink had to do, said
                    self.ledger.done(order.id, refund_id, step, **written)
                    wrote, posted = True, posted or step == "document"
                    doc = planned.document
                    label = f"order {doc.order_number}" + (f" refund {doc.refund_id}" if doc.refund_id is not None else "")
                    self.outcome.warnings += [f"{label}: {warning}" for warning in (list(doc.warnings) if step == "document" else []) + warnings]
                record = self.ledger.step(order.id, refund_id, step)
            done[step] = record
        return account, posted

    def flush(self) -> None:
        """Sends the batched steps collected so far, per step in one go; each item's answer
        is recorded as its own: done, or that order's failure."""
        pending, self.pending = self.pending, []
        for step in dict.fromkeys(item[2] for item in pending):
            items = [item for item in pending if item[2] == step]
            results = self.sink.write_many(step, [(posting, done) for _, _, _, posting, done in items])
            for (order_id, refund_id, _, posting, done), result in zip(items, results, strict=True):
                if isinstance(result, RunnerError):
                    self._order_failed(order_id, result, step=(refund_id, step))
                else:
                    self.ledger.done(order_id, refund_id, step, **result)
                    self.paid.append((f"{order_id}" + (f"/{refund_id}" if refund_id else ""), posting, {**done, step: result}))

    def _write(self, order_id: int, step: str, posting: Posting, done: dict[str, Facts], facts: Facts) -> Facts:
        """One write. A 5xx answer may come after the work was committed, or be a refusal:
        the sink has finished either way, so it is looked up at once and never sent twice."""
        try:
            return self.sink.write(step, posting, done)
        except OutcomeUnknown as unknown:
            if not unknown.answered:
                raise
            found = self.sink.lookup(step, facts, self._known_ids(order_id))
            if found is None and unknown.answer:  # a refusal in disguise: Exact's validation answers 500 with its words
                raise Rejected(unknown.answer, "fix what Exact names (in the spec or in Exact), then `runner retry SPEC`", unknown.status) from None
            if found is None:  # a gateway's 502/503 without words: Exact was unavailable and holds nothing
                raise Rejected(
                    f"{unknown.message}, and it does not hold what was sent: Exact was unavailable",
                    "nothing is lost: the order is retried by itself on a later run",
                    unknown.status,
                ) from None
            return found

    def _known_ids(self, order_id: int) -> set[str]:
        return {s["exact_id"] for s in self.ledger.order_steps(order_id) if s.get("exact_id")}

    def _post_healing(self, order: Order, refund_id: int | None, planned: due.Planned, account: str | None) -> tuple[str, bool]:
        """`_post`, and once more when Exact refused the document because it no longer knows
        the customer's account (deleted or merged in Exact since the index learned it): the
        sink forgets it, and the second time the account is found again by e-mail or made
        (with an intent, as any new account). Refused, nothing landed: no lookup is needed."""
        try:
            return self._post(order, refund_id, planned, account)
        except Rejected as refused:
            unknown = getattr(self.sink, "unknown_account", None)
            healed = unknown(planned.customer, refused) if unknown else None
            if healed is None:
                raise
        for intent in self.ledger.open_intents():
            if intent["order"] == order.id and (intent["refund"] or None) == refund_id:
                self.ledger.forget(order.id, intent["refund"], intent["step"])
        try:
            account, posted = self._post(order, refund_id, planned, None)
        except Rejected as again:
            said = f"{healed}; sent again on the e-mail's account (found in Exact or made), Exact refused it too: {again.message}"
            raise Rejected(said, again.hint, again.status) from None
        self.outcome.notes.append(f"order {planned.document.order_number}: {healed}; booked on account {account}")
        return account, posted

    def _account(self, order_id: int, planned: due.Planned) -> str:
        """The customer's account: known to the sink, found after a lost answer, or created."""
        plan = planned.customer
        known = self.sink.customer(plan)
        if known:
            return known
        # an earlier create for this customer (of any order) whose answer was lost may have landed
        for intent in self.ledger.open_intents():
            if intent["step"] == "account" and intent.get("email") == plan.email:
                found = self.sink.lookup("account", intent, set())
                if found:
                    return found["exact_id"]
        sent = self.sink.intent("account", Posting(planned.document, plan, ""), {})  # how the sink finds it again
        self.ledger.intend(order_id, None, "account", **sent, email=plan.email)
        facts = self.sink.create_customer(plan)
        self.ledger.done(order_id, None, "account", **facts)
        return facts["exact_id"]

    # unknown outcomes from an earlier run
    def settle(self) -> None:
        """Every intent without ids is looked up in the sink before anything is written again."""
        for intent in self.ledger.open_intents():
            order_id, refund_id, step = intent["order"], intent["refund"] or None, intent["step"]
            found = self.sink.lookup(step, intent, self._known_ids(order_id))
            if found is not None:
                self.ledger.done(order_id, refund_id, step, **found)
            else:
                self.ledger.forget(order_id, refund_id, step)
            self.outcome.settled += 1
        if self.days:
            self.days.settle()


def _legacy_steps(document: dict) -> list[str]:
    """The steps of a document a ledger recorded before documents listed their own."""
    return (["print"] if document.get("target") == "sales_invoice" else []) + (["payment"] if document.get("pay") else [])
