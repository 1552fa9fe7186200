"""The one exactly-once pipeline: every document a run books goes through it, whatever
booking mode made it (runner/pipeline/modes): an order's sale or a refund's credit with its
steps (per_order), a day summary and each of its payment entries (daily_summary).

    for each step of a document ("document", then e.g. "print", "payment"):
        skip it when the ledger has it done                              (Keep.get)
        ask the books first: sink.find(step, ...), unless this run wrote the document
        intend: Keep.intend(step, sink.intent(step, ...))                before anything is sent
        found in the books: Keep.done(step, found)                       never posted twice
        a batched step (`sink.batched`, a summary's payments): queued; `flush` sends each
            step's queue with sink.write_many and records each item's own answer
        else write: Keep.done(step, sink.write(step, ...)); an answered 5xx is looked up at
            once (sink.lookup) and never sent twice; a refusal forgets the intent (Keep.forget)
        a step that finds what an earlier one created must not stay (`Withdrawn`: an invoice
            Exact sums otherwise): "withdraw" intended, sink.withdraw, every step of the
            document undone, the order failed; nothing is left in the books
    settle, first thing in a run: every intent left open (a crash, a lost answer) is looked
        up, then done or forgotten (sent again by this run); an open "withdraw" whose
        document is gone undoes the document's steps, one still there is withdrawn again

A document is a `Doc`: its posting, its steps, where the ledger keeps them (a `Keep`,
runner/pipeline/keeps.py) and how the run names it. The modes decide which documents a run
produces and when they are due; they read the books only through this module and never
write to the sink. Dry run, `run --to DIR` and preview are sinks (runner/adapters/dry.py,
folder.py; a preview's document goes through `Pipeline.post` against the dry sink,
runner/services/rehearsal.py). Errors: `Rejected`/`BookingError` (nothing landed),
`OutcomeUnknown` (may have landed: looked up next run) reach the mode, which fails its orders
(runner/pipeline/failures.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from runner.domain.booking import CustomerPlan, Document
from runner.errors import BookingError, OutcomeUnknown, Rejected, RunnerError, ServiceError, Withdrawn
from runner.ledger import Ledger
from runner.pipeline import due
from runner.pipeline.keeps import Keep, StepKeep
from runner.pipeline.outcome import Outcome
from runner.pipeline.ports import Facts, Posting, Sink, capability

WITHDRAW = "withdraw"  # the step that takes a created document back (Withdrawn)
BATCH = 100  # batched steps (payments) sent together at the end of a run, or every this many


@dataclass
class Doc:
    """One document on its way through the pipeline."""

    posting: Posting
    keep: Keep
    steps: tuple[str, ...]
    said: str  # how warnings name it ("order 1001 refund 3", "WC 2026-11-26")
    found_as: Callable[[str], str]  # how `outcome.found` names a step the books held
    known: Callable[[], set[str]]  # ids the ledger holds for other documents (never this one)
    lost: Callable[[OutcomeUnknown, str], Rejected]  # an answered 5xx the books do not hold: what was refused
    first: Facts = field(default_factory=dict)  # kept with the "document" step's intent
    before: dict[str, Facts] = field(default_factory=dict)  # steps done elsewhere (a summary's payment: the summary)
    look: bool = True  # ask the books first (False: this run wrote what it belongs to)
    batched: frozenset[str] | None = None  # steps queued for `flush` (None: the sink's)
    matches: Callable[[Facts, Facts], None] | None = None  # raises BookingError when the books hold it otherwise
    warnings: tuple[str, ...] = ()  # said once the document is written
    on_done: Callable[[str, Facts, dict], None] = lambda step, facts, done: None  # a batched step landed
    on_error: Callable[[str, RunnerError], None] = lambda step, exc: None  # a batched step failed


@dataclass
class Open:
    """An intent an earlier run left open: where it is kept, the step, what finds it."""

    keep: Keep
    step: str
    intent: Facts
    known: Callable[[], set[str]]


class Pipeline:
    """The documents of one run through their steps, against one sink and ledger."""

    def __init__(self, sink: Sink, ledger: Ledger, outcome: Outcome) -> None:
        self.sink, self.ledger, self.outcome = sink, ledger, outcome
        self.pending: list[tuple[Doc, str, dict]] = []  # batched steps, intended, not yet sent

    # the protocol
    def post(self, doc: Doc) -> bool:
        """Takes a document through its steps; whether its "document" step was written now."""
        done: dict[str, Facts] = dict(doc.before)
        wrote = posted = False  # after a write of this run, nothing later can be in the books yet
        for step in doc.steps:
            record = doc.keep.get(step)
            if record is None or record["state"] != "done":
                facts = self.sink.intent(step, doc.posting, done)
                if step == "document" and doc.first:  # the steps it takes, the date it is booked on: fixed from now on
                    facts = {**facts, **doc.first}
                found = None if wrote or not doc.look else self._find(doc, step, done, facts)
                doc.keep.intend(step, facts)
                if found is not None:  # the books hold it: recorded, never posted twice
                    doc.keep.done(step, found)
                    self.outcome.found.append(doc.found_as(step))
                elif step in (self.sink.batched if doc.batched is None else doc.batched):  # always a document's last step
                    self.pending.append((doc, step, dict(done)))
                    continue
                else:
                    try:
                        written = self.write(doc, step, done, facts)
                    except Withdrawn as taken_back:
                        self.withdraw(doc, taken_back)
                    warnings = [written.pop("warning")] if "warning" in written else []  # something the sink had to do, said
                    doc.keep.done(step, written)
                    wrote, posted = True, posted or step == "document"
                    self.outcome.exact_lines += len(doc.posting.document.lines) if step == "document" else 0
                    said = (list(doc.warnings) if step == "document" else []) + warnings
                    self.outcome.warnings += [f"{doc.said}: {warning}" for warning in said]
                record = doc.keep.get(step)
            done[step] = record
        return posted

    def _find(self, doc: Doc, step: str, done: dict, facts: Facts) -> Facts | None:
        try:
            found = self.sink.find(step, doc.posting, done, doc.known())
        except BookingError as collision:  # a summary of an older version, without a tag, for another total
            if doc.matches is None:
                raise
            found = {"amount": collision.message}
        if found is not None and doc.matches is not None:
            doc.matches(found, facts)
        return found

    def write(self, doc: Doc, step: str, done: dict, facts: Facts) -> Facts:
        """One write. A 5xx answer may come after the work was committed, or be a refusal:
        the sink has finished either way, so it is looked up at once and never sent twice.
        Refused, nothing landed: the intent is forgotten."""
        try:
            try:
                return self.sink.write(step, doc.posting, done)
            except OutcomeUnknown as unknown:
                if not unknown.answered:
                    raise
                found = self.sink.lookup(step, facts, doc.known())
                if found is None:
                    raise doc.lost(unknown, step) from None
                return found
        except (Rejected, BookingError):
            doc.keep.forget(step)
            raise

    def withdraw(self, doc: Doc, why: Withdrawn) -> None:
        """Takes back what an earlier step created (deleted in Exact), intended first: a
        crash before the delete's answer leaves the intent, settled by the next run. Then
        the document is as if never begun, and the order fails with `why`."""
        doc.keep.intend(WITHDRAW, {"withdraw": why.ref, "steps": list(doc.steps)})
        try:
            self.sink.withdraw(why.ref)
        except ServiceError as failed:  # the intent stays: the next run finds the invoice gone, or deletes it then
            raise BookingError(f"{why.message}; deleting the open invoice failed too ({failed.message}): the next run deletes it", why.hint) from None
        doc.keep.undo((*doc.steps, WITHDRAW))
        raise BookingError(f"{why.message}; the open invoice was deleted: nothing of it is left in Exact", why.hint)

    def flush(self) -> None:
        """Sends the batched steps queued so far, per step in one go; each item's answer is
        recorded as its own: done, or (forgotten unless it may have landed) its failure."""
        pending, self.pending = self.pending, []
        for step in dict.fromkeys(item[1] for item in pending):
            items = [item for item in pending if item[1] == step]
            results = self.sink.write_many(step, [(doc.posting, done) for doc, _, done in items])
            for (doc, _, done), result in zip(items, results, strict=True):
                if isinstance(result, RunnerError):
                    if not isinstance(result, OutcomeUnknown):
                        doc.keep.forget(step)
                    doc.on_error(step, result)
                else:
                    doc.keep.done(step, result)
                    doc.on_done(step, result, done)

    def settle(self, more: Iterable[Open] = (), orders: bool = True) -> None:
        """Every intent without ids is looked up in the sink before anything is written
        again: the order steps' first (unless `orders` is False), then those a mode keeps (`more`)."""
        for intent in self.ledger.open_intents() if orders else ():
            order_id = intent["order"]
            keep = StepKeep(self.ledger, order_id, intent["refund"] or None)
            if intent["step"] == WITHDRAW:  # gone: its document is as if never begun; still there: withdrawn again when reached
                gone = self.sink.lookup(WITHDRAW, intent, set()) is not None
                keep.undo((*intent.get("steps", ()), WITHDRAW)) if gone else keep.forget(WITHDRAW)
                self.outcome.settled += 1
                continue
            self._settle(Open(keep, intent["step"], intent, lambda o=order_id: self.known_ids(o)))
        for one in more:
            self._settle(one)

    def _settle(self, one: Open) -> None:
        found = self.sink.lookup(one.step, one.intent, one.known())
        if found is not None:
            one.keep.done(one.step, found)
        else:
            one.keep.forget(one.step)
        self.outcome.settled += 1

    def known_ids(self, order_id: int) -> set[str]:
        return {s["ref"] for s in self.ledger.order_steps(order_id) if s.get("ref")}

    def forget_open(self, order_id: int, refund_id: int | None) -> None:
        """A document refused as a whole: its open intents, nothing of which landed."""
        for intent in self.ledger.open_intents():
            if intent["order"] == order_id and (intent["refund"] or None) == refund_id:
                self.ledger.forget(order_id, intent["refund"], intent["step"])

    def account(self, order_id: int, planned: due.Planned) -> str:
        """The customer's account: known to the sink, found after a lost answer, or created
        (intended first, as any write)."""
        plan = planned.customer
        known = self.sink.customer(plan)
        if known:
            return known
        # an earlier create for this customer (of any order) whose answer was lost may have landed
        for intent in self.ledger.open_intents():
            if intent["step"] == "account" and intent.get("email") == plan.email:
                found = self.sink.lookup("account", intent, set())
                if found:
                    return found["ref"]
        sent = self.sink.intent("account", Posting(planned.document, plan, ""), {})  # how the sink finds it again
        self.ledger.intend(order_id, None, "account", **sent, email=plan.email)
        facts = self.sink.create_customer(plan)
        self.ledger.done(order_id, None, "account", **facts)
        return facts["ref"]

    # what the modes read of the books, through the pipeline
    def check(self, planned: due.Planned) -> None:
        """What the books would refuse about a document, found before any write."""
        if problems := self.sink.problems(planned.document, planned.payment):
            raise BookingError("; ".join(problems), "fix the mapping or the codes in Exact; `runner validate SPEC --online` checks them")

    def steps(self, posting: Posting) -> tuple[str, ...]:
        return self.sink.steps(posting)

    def intent(self, step: str, posting: Posting) -> Facts:
        return self.sink.intent(step, posting, {})

    def account_of(self, plan: CustomerPlan) -> str | None:
        return self.sink.customer(plan)

    def holds(self, document: Document) -> bool | None:
        return self.sink.holds(document)

    def still_there(self, step: str, facts: Facts) -> bool:
        return self.sink.lookup(step, facts, set()) is not None

    def capability(self, method: str) -> Callable | None:
        """An optional reading of the books a sink may offer (held_summaries, summary_members,
        shop_documents, unmatched) or healing (unknown_account); None when its `capabilities`
        do not name it (runner/pipeline/ports.py OPTIONAL)."""
        return capability(self.sink, method)
