"""A dry run swaps the sink for this one: it reads through to the real sink (master data,
customers, lookups) and writes nothing. Each write is kept as the request the real sink
would send, with stand-ins for the ids the books would give."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.domain.booking import CustomerPlan, Document, PaymentPlan
from runner.pipeline.ports import OPTIONAL, Facts, Posting, Quota, Sink


class DryRunSink:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.name = sink.name
        self.batched = sink.batched
        # what it "writes" never lands, so nothing of it is found, looked up, refused or made;
        # the calls it counts are the real sink's reads
        self.capabilities = sink.capabilities & {"quota", "probe"}  # reading what the books hold reads through
        self.posted: list[dict[str, Any]] = []
        self.documents: list[tuple[Document, str]] = []  # what would be booked, with who on: for the table
        self.sent: dict[str, dict[str, Any] | None] = {}  # each step's request as last written (a preview's document)

    def open(self) -> None:
        self.sink.open()

    @property
    def notes(self) -> list[str]:
        return getattr(self.sink, "notes", [])

    def problems(self, document: Document, payment: PaymentPlan | None) -> list[str]:
        return self.sink.problems(document, payment)

    def customer(self, plan: CustomerPlan) -> str | None:
        return self.sink.customer(plan)

    def create_customer(self, plan: CustomerPlan) -> Facts:
        self.posted.append({"step": "account", "customer": plan.email, "payload": plan.account})
        return {"ref": f"<new account {plan.email}>"}

    def steps(self, posting: Posting) -> tuple[str, ...]:
        return self.sink.steps(posting)

    def find(self, step: str, posting: Posting, done: Mapping[str, Facts], taken: set[str]) -> Facts | None:
        return None if str(done.get("document", {}).get("ref", "")).startswith("<") else self.sink.find(step, posting, done, taken)

    def holds(self, document: Document) -> bool | None:
        return self.sink.holds(document)

    def __getattr__(self, name: str):  # what the books hold (the "probe" capability): read through, when the sink reads them
        if name in OPTIONAL["probe"] and "probe" in self.capabilities:
            return getattr(self.sink, name)
        raise AttributeError(name)

    def intent(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        return self.sink.intent(step, posting, done)

    def request(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any]:
        return self.sink.request(step, posting, done)

    def write(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        doc = posting.document
        request = self.sent[step] = self.sink.request(step, posting, done)
        if request is None:  # a step that writes only what Exact's answers call for
            return {}
        if step == "document":
            self.documents.append((doc, posting.customer.collective or posting.customer.email))
        where = {"order": doc.order_id, **({"refund": doc.refund_id} if doc.refund_id is not None else {}), "step": step}
        self.posted.append({**where, **request})
        return {"ref": f"<new {step} {len(self.posted)}>", "number": None}

    def requests_many(self, step: str, items) -> list[dict[str, Any]]:
        return self.sink.requests_many(step, items)

    def write_many(self, step: str, items) -> list[Facts]:
        self.posted += [{"step": step, **request} for request in self.sink.requests_many(step, items)]
        return [{"ref": f"<new {step} {len(self.posted)}>"} for _ in items]

    def lookup(self, step: str, intent: Facts, known: set[str]) -> Facts | None:
        return self.sink.lookup(step, intent, known)

    def describe(self, kind: str, code: str) -> str:
        return self.sink.describe(kind, code)

    def quota(self) -> Quota:
        return self.sink.quota()
