"""A second sink: every document written to a folder as one JSON file, for an accountant's
review before anything goes to Exact (`runner run SPEC --to DIR`). It knows nothing of
Exact: the document as the booking rules made it, codes and all, amounts as strings.

Exactly-once holds here as everywhere: the folder keeps a ledger of its own
(`ledger.json`), so running again adds only what is new, and a file whose writing was
cut off is found (or written again) by the next run. Files are written whole or not at all."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.core.booking import CustomerPlan, Document, PaymentPlan
from runner.core.money import text
from runner.errors import NotSupported, RunnerError, ServiceError
from runner.seams import Facts, Posting, Quota

LEDGER = "ledger.json"  # the folder's own ledger, beside the documents


class FolderSink:
    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.name = f"the folder {self.folder.resolve()}"

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ServiceError(f"cannot make the folder {self.folder}: {exc.strerror}", "pass a folder you may write to with --to") from None

    def problems(self, document: Document, payment: PaymentPlan | None) -> list[str]:
        return []  # no administration to check against: the review is the check

    def customer(self, plan: CustomerPlan) -> str | None:
        return plan.collective or plan.email

    def create_customer(self, plan: CustomerPlan) -> Facts:
        raise NotSupported("a review folder holds no accounts: a document names its customer", "report this: `customer` answers every plan")

    batched: frozenset[str] = frozenset()  # one file per document: nothing to gather
    capabilities = frozenset({"find", "lookup", "batch"})  # no accounts to make, no calls to count (seams.CAPABILITIES)

    def steps(self, posting: Posting) -> tuple[str, ...]:
        """A document's payment is in its own file; a daily summary's payments (one per
        payment journal, made after the summary) are files of their own."""
        return ("document", "payment") if posting.document.members and posting.payment is not None else ("document",)

    def write_many(self, step: str, items) -> list[Facts | RunnerError]:
        """A file per item (a daily summary's payments come this way, whatever `batched`
        says); one that cannot be written fails its item alone, as the protocol has it."""
        results: list[Facts | RunnerError] = []
        for posting, done in items:
            try:
                results.append(self.write(step, posting, done))
            except ServiceError as failed:  # nothing of it landed: the partial file is never read
                results.append(failed)
        return results

    def requests_many(self, step: str, items) -> list[dict[str, Any]]:
        return [self.request(step, posting, done) for posting, done in items]

    def find(self, step: str, posting: Posting, done: Mapping[str, Facts], taken: set[str]) -> Facts | None:
        return self.lookup(step, self.intent(step, posting, done), taken)

    def holds(self, document: Document) -> bool | None:
        return (self.folder / file_name(document)).is_file()

    def intent(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        return {"file": _name(step, posting)}

    def request(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any]:
        return {"file": _name(step, posting), "content": _content(step, posting, done)}

    def write(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        name = _name(step, posting)
        path, partial = self.folder / name, self.folder / f".{name}.partial"
        try:
            partial.write_text(json.dumps(_content(step, posting, done), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            raise ServiceError(f"cannot write {path}: {exc.strerror}", "free some space or pass another folder with --to") from None
        return {"exact_id": name}

    def lookup(self, step: str, intent: Facts, known: set[str]) -> Facts | None:
        name = intent.get("file", "")  # `known`: files the ledger holds for other steps, never this one's
        return {"exact_id": name} if name and name not in known and (self.folder / name).is_file() else None

    def describe(self, kind: str, code: str) -> str:
        return ""

    def quota(self) -> Quota:
        return Quota()  # a folder costs no calls; what was written is in the run's outcome


def file_name(document: Document) -> str:
    if document.members:  # a daily summary: named by its YourRef (WC 2026-11-26 #2 -> summary-WC-2026-11-26-2.json)
        return "summary-" + "-".join(document.your_ref.replace("#", "").split()) + ".json"
    refund = f"-refund-{document.refund_id}" if document.refund_id is not None else ""
    return f"order-{document.order_id}{refund}.json"


def _name(step: str, posting: Posting) -> str:
    """`summary-WC-2026-11-26.json`, and its payment through journal 21 `summary-WC-2026-11-26-payment-21.json`."""
    name = file_name(posting.document)
    return name if step == "document" else name.removesuffix(".json") + f"-payment-{posting.payment.journal}.json"


def _content(step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any]:
    if step == "document":
        return content(posting)
    payment = posting.payment  # a daily summary's payment: its line settles the summary on the collective account
    return {
        "summary": posting.document.your_ref,
        "journal": payment.journal,
        "gl_account": payment.gl_account,
        "account": posting.customer.collective,
        "amount": text(payment.amount),
        "date": payment.date.isoformat(),
        "description": payment.description,
        "our_ref": (done.get("document") or {}).get("number"),
        "currency": payment.currency,
    }


def content(posting: Posting) -> dict[str, Any]:
    """The document as the booking rules made it: what an accountant checks."""
    doc, payment = posting.document, posting.payment
    return {
        "order": doc.order_id,
        "order_number": doc.order_number,
        "refund": doc.refund_id,
        "target": doc.target,
        "entry_date": doc.entry_date.isoformat(),
        "journal": doc.journal,
        "your_ref": doc.your_ref,
        "description": doc.description,
        "currency": doc.currency,
        "customer": {"collective": posting.customer.collective} if posting.customer.collective else {"email": posting.customer.email},
        "lines": [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "net": text(line.net),
                "vat": text(line.vat),
                "vat_percent": f"{line.percent.normalize():f}",
                "vat_code": line.vat_code,
                "gl_account": line.gl_account,
                **({"item": line.item} if line.item else {}),
            }
            for line in doc.lines
        ],
        "total": text(doc.booked_total),
        "vat_by_code": {code: text(amount) for code, amount in sorted(doc.vat_by_code().items())},
        "payment": None
        if payment is None
        else {"journal": payment.journal, "gl_account": payment.gl_account, "amount": text(payment.amount), "date": payment.date.isoformat()},
        "warnings": list(doc.warnings),
        **({"members": [{"order": o, **({"refund": r} if r else {})} for o, r in doc.members]} if doc.members else {}),
    }
