"""The order of steps of a run: settle unknown outcomes, read what is due, make each order's
documents and hand them to the booking mode (runner/pipeline/modes, chosen once from the
spec), which hands what is due to the one exactly-once pipeline (runner/pipeline/exactly_once.py).
It talks to a `Source`, a `Sink` (runner/pipeline/ports.py) and the ledger only; what is due
and what an order becomes come from runner/pipeline/due.py, shared with preview and report."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from runner.domain.booking import Booker
from runner.domain.listed import Listed
from runner.domain.model import Order
from runner.errors import BookingError, QuotaExhausted, RunnerError
from runner.ledger import Ledger
from runner.pipeline import due
from runner.pipeline.exactly_once import BATCH, Pipeline
from runner.pipeline.failures import MAX_ATTEMPTS, RETRY_DELAYS, Failures
from runner.pipeline.keeps import StepKeep
from runner.pipeline.modes import mode_for
from runner.pipeline.modes.base import LOOKBACK, today
from runner.pipeline.outcome import Outcome, iso
from runner.pipeline.ports import Posting, Sink, Source, capability
from runner.pipeline.progress import Tick
from runner.pipeline.vies_answers import KeptAnswers
from runner.spec.model import Notify, Spec
from runner.support.moments import shown
from runner.support.redact import redact

Clock = Callable[[], float]  # epoch seconds

__all__ = ["BATCH", "INTERRUPTED", "LOOKBACK", "MAX_ATTEMPTS", "RETRY_DELAYS", "Run"]
INTERRUPTED = "interrupted: the run did not finish (stopped or killed); the next run carries on"


class Run:
    """One run of one spec: settle unknown outcomes, read what is due, book it."""

    def __init__(
        self, spec: Spec, source: Source, sink: Sink, ledger: Ledger, clock: Clock = time.time, progress: Callable | None = None, vies=None
    ) -> None:
        self.spec, self.source, self.sink, self.ledger, self.clock = spec, source, sink, ledger, clock
        self.progress = progress  # called with a progress.Tick after each order (done of total, calls, time left)
        self.booker = Booker(spec, vies and KeptAnswers(vies, ledger, clock))  # VAT numbers for reverse charge, asked of the ledger, then VIES
        self.statuses = frozenset(spec.orders.statuses)
        self.outcome = Outcome(started=iso(clock()))
        self.pipeline = Pipeline(sink, ledger, self.outcome)  # every document through the same steps
        self.failures = Failures(ledger, self.outcome, clock, self._safe, getattr(spec, "fingerprint", ""))
        self.mode = mode_for(spec, self.pipeline, self.failures, clock)  # which documents, and when they are due
        self.seen: set[int] = set()  # orders looked at in this run
        self.refunds_listed = False  # whether the shop lists refunds store-wide
        self.refund_parents: set[int] = set()  # orders with refunds in this run's window
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
            self.pipeline.settle(self.mode.opens())
            self.sink.open()
            started, looked = self.clock(), 0
            self._expected = len(only) if only else None
            for listed in self.due(since, only, retry_now):
                if limit is not None and len(self.outcome.booked) + len(self.outcome.failed) >= limit:  # orders attempted
                    break
                if self.clock() - started > self.seconds:
                    self.outcome.stopped = (
                        f"stopped after {round((self.clock() - started) / 60)} min, before notify.stall_after would call the runs stalled; "
                        "nothing is lost: the next run carries on"
                    )
                    break
                self.one(listed, force=bool(only) or retry_now is not None)
                looked += 1
                if len(self.pipeline.pending) >= BATCH:
                    self.pipeline.flush()
                if self.progress:
                    self.progress(self.tick(looked, started))
            self.mode.finish()
            self.pipeline.flush()
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
                f"a run before this one used Exact's calls for today (up to the reserve); they come back at {shown(reset, self.spec.timezone)}",
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
        parents = self.source.refund_parents(listing.after)  # None: the shop has no store-wide list
        self.refunds_listed = parents is not None
        self.refund_parents = parents or set()
        for listed in listing:
            if listed.id not in retry:
                yield listed
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
        day = today(self.clock, self.spec.timezone)
        back = due.Window(self.statuses, day - timedelta(days=LOOKBACK), self.spec.timezone)
        if self.ledger.set_aside:
            self.outcome.notes.append(f"the ledger was set aside: booking carries on from {back.since} and what Exact holds is not booked again")
            return back.since.isoformat()
        ours = capability(self.sink, "shop_documents")
        asked: set[str] = set()
        for listed in due.Listing(self.source, back, self.ledger):
            if back.verdict(listed) is None:
                try:
                    sale = due.sale(self.booker, due.read_order(listed, self.source if self.booker.wants_categories else None))
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
                    found = self.sink.find("document", Posting(document, sale.customer, ""), {}, set()) if self.mode.finds_orders else None
                except BookingError:
                    continue
                if found is not None:
                    self.outcome.notes.append(
                        f"the ledger is new, but Exact already holds order {document.order_number}: booking carries on "
                        f"from {back.since} and what Exact holds is not booked again"
                    )
                    return back.since.isoformat()
        return day.isoformat()

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
    def one(self, listed: Listed, force: bool = False) -> None:
        order_id = listed.id
        if order_id is None:  # cannot be booked, nor remembered: said on every run until the shop is fixed
            self.outcome.warnings.append(f"the shop listed something that is not an order with an id ({listed.shown}); look at it in WooCommerce")
            return
        self.seen.add(order_id)
        started = self.ledger.step(order_id, None, "document") is not None
        window = self.window
        if window.verdict(listed, started) is not None:
            self.outcome.skipped += 1
            return
        if order_id in self.outcome.waiting and not force:
            return
        try:
            order = due.read_order(listed, self.source if self.booker.wants_categories else None)
            account = None
            if not self._complete(order_id, None):
                sale = self._dated(order_id, due.sale(self.booker, order))
                if window.includes(sale.document) or started:
                    account, posted = self.mode.book(order, None, sale, account)
                    if posted:
                        self.outcome.booked.append(order_id)
            else:
                self.mode.still_held(order_id, None, lambda: self._dated(order_id, due.sale(self.booker, order)))
            refused: list[tuple[int, BookingError]] = []  # refunds that cannot be credited, each on its own (issue 22 #2)
            if self._may_have_refunds(order):
                given = self.source.refunds(order_id)
                with due.planning(f"the refunds of order {order.number}"):  # a refund without a number for an id fails this order
                    refunds = sorted(given, key=lambda r: r.id)
                for n, refund in enumerate(refunds):
                    if self._complete(order_id, refund.id):
                        self.mode.still_held(order_id, refund.id, lambda n=n, refund=refund: due.credit(self.booker, order, refund, refunds[:n]))
                        continue
                    try:
                        planned = due.credit(self.booker, order, refund, refunds[:n])
                    except BookingError as exc:  # the sale and the other refunds go on
                        refused.append((refund.id, exc))
                        continue
                    if window.includes(planned.document):
                        account, posted = self.mode.book(order, refund.id, planned, account)
                        if posted:
                            self.outcome.credits.append(f"{order_id}/{refund.id}")
            if refused:
                message = "; ".join(exc.message for _, exc in refused)
                self.failures.failed(order_id, BookingError(message, refused[0][1].hint), "local", refund=refused[0][0])
            else:
                self.ledger.clear_failure(order_id)
        except RunnerError as exc:
            self.failures.order(order_id, exc)

    def _dated(self, order_id: int, sale: due.Planned) -> due.Planned:
        """A sale keeps the entry date it was first due on: WooCommerce sets a new
        `date_completed` each time an order is completed again (WC_Order::maybe_set_date_completed)."""
        first = (self.ledger.step(order_id, None, "document") or {}).get("entry_date")
        if not first or first == sale.document.entry_date.isoformat():
            return sale
        document = replace(sale.document, entry_date=date.fromisoformat(first))
        return replace(sale, document=replace(document, created=min(document.created or document.entry_date, document.entry_date)))

    def completeness(self) -> None:
        """Every run ends here: the recent documents of this run's window that the ledger has
        as booked must be in the books (read in bulk, with what the run read already)."""
        self.outcome.missing += self.mode.missing(today(self.clock, self.spec.timezone) - timedelta(days=LOOKBACK))

    def _may_have_refunds(self, order: Order) -> bool:
        """Whether to ask the shop for this order's refunds: it names some that are not all
        booked, or (the embedded list may be empty) the shop has no store-wide refunds list
        to find them by, or that list named this order."""
        if order.refund_ids:
            return any(not self._complete(order.id, r) for r in order.refund_ids)
        return due.asks_for_refunds(order, self.refunds_listed, self.refund_parents)

    def _complete(self, order_id: int, refund_id: int | None) -> bool:
        return StepKeep(self.ledger, order_id, refund_id).complete()
