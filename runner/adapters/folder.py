"""A second sink: every document written to a folder as one JSON file, for an accountant's
review before anything goes to Exact (`runner run SPEC --to DIR`). It knows nothing of
Exact: the document as the booking rules made it, codes and all, amounts as strings.

Exactly-once holds here as everywhere: the folder keeps a ledger of its own
(`ledger.json`), so running again adds only what is new, and a file whose writing was
cut off is found (or written again) by the next run. Files are written whole or not at all.

Nothing is written outside the folder, whatever was planted in it: a temporary is made new
(O_EXCL, O_NOFOLLOW; a link or file left at its name is removed, never followed), renamed
over the document's name (a rename replaces a link, it does not write through it), and the
folder's own ledger and lock files may not be links. A file already at a document's name
counts as that document only when it is a plain file holding the same document (its order,
refund and YourRef, and the same content, by hash): `{}`, a dangling link or another
order's file is written over."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.domain.booking import CustomerPlan, Document
from runner.domain.money import text
from runner.errors import ServiceError
from runner.pipeline.ports import Facts, Posting, SinkBase

LEDGER = "ledger.json"  # the folder's own ledger, beside the documents
OWN = (LEDGER, f"{LEDGER}.lock", f"{LEDGER}.lock.takeover", "ledger.compact")  # what the folder's ledger writes
UNSAFE = re.compile(r"[^A-Za-z0-9._-]")  # in a file name made of a YourRef: no / and no ..


class FolderSink(SinkBase):
    """Takes SinkBase's defaults: no local checks (the review is the check), no accounts (a
    document names its customer), a file per batched item, no calls to count."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.name = f"the folder {self.folder.resolve()}"
        self.ledger_path = self.folder / LEDGER  # the folder's own ledger; its run lock beside it

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ServiceError(f"cannot make the folder {self.folder}: {exc.strerror}", "pass a folder you may write to with --to") from None
        for name in OWN:  # the ledger and its lock are appended to in place: a link would take the writing elsewhere
            if (self.folder / name).is_symlink():
                raise ServiceError(
                    f"{self.folder / name} is a symbolic link (to {os.readlink(self.folder / name)}); the folder keeps its own files",
                    "remove the link (the runner writes nothing outside the folder it is given)",
                )

    def customer(self, plan: CustomerPlan) -> str | None:
        return plan.collective or plan.email

    batched: frozenset[str] = frozenset()  # one file per document: nothing to gather
    capabilities = frozenset({"find", "lookup", "batch"})  # no accounts to make, no calls to count (runner/pipeline/ports.py CAPABILITIES)

    def steps(self, posting: Posting) -> tuple[str, ...]:
        """A document's payment is in its own file; a daily summary's payments (one per
        payment journal, made after the summary) are files of their own."""
        return ("document", "payment") if posting.document.members and posting.payment is not None else ("document",)

    def find(self, step: str, posting: Posting, done: Mapping[str, Facts], taken: set[str]) -> Facts | None:
        return self.lookup(step, self.intent(step, posting, done), taken)

    def holds(self, document: Document) -> bool | None:
        held = _read(self.folder / file_name(document))
        return held is not None and _identity(held) == _identity(content_of(document))

    def intent(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        return {"file": _name(step, posting), "sha256": _hash(_content(step, posting, done))}

    def request(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any]:
        return {"file": _name(step, posting), "content": _content(step, posting, done)}

    def write(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        name = _name(step, posting)
        path, partial = self.folder / name, self.folder / f".{name}.partial"
        data = (json.dumps(_content(step, posting, done), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            if os.path.lexists(partial):  # left by a crash, or planted: removed (a link itself, never what it points at)
                os.unlink(partial)
            handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(partial, path)  # replaces whatever is at the name (a link too), writes through nothing
        except OSError as exc:
            raise ServiceError(f"cannot write {path}: {exc.strerror}", "free some space or pass another folder with --to") from None
        return {"ref": name}

    def lookup(self, step: str, intent: Facts, known: set[str]) -> Facts | None:
        """The file at the intended name, when it is this document: a plain file whose content
        has the hash the intent recorded (an intent of a ledger before hashes: the same order,
        refund and YourRef). `known`: files the ledger holds for other steps, never this one's."""
        name = intent.get("file", "")
        if not name or name in known or UNSAFE.search(name):
            return None
        held = _read(self.folder / name)
        if held is None:
            return None
        if intent.get("sha256"):
            return {"ref": name} if _hash(held) == intent["sha256"] else None
        return {"ref": name} if _identity(held) is not None else None


def _read(path: Path) -> dict[str, Any] | None:
    """A document file as JSON, when it is a plain file (not a link, dangling or not) that parses as one."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(handle, "rb") as file:
            data = json.loads(file.read(16 * 2**20))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _hash(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _identity(data: Mapping[str, Any]) -> tuple | None:
    """Which document a file is: its order, refund and YourRef (a summary's or a payment's YourRef)."""
    ref = data.get("your_ref") or data.get("summary")
    return (data.get("order"), data.get("refund"), ref) if ref else None


def content_of(document: Document) -> dict[str, Any]:
    return {"order": document.order_id, "refund": document.refund_id, "your_ref": document.your_ref}


def file_name(document: Document) -> str:
    if document.members:  # a daily summary: named by its YourRef (WC 2026-11-26 #2 -> summary-WC-2026-11-26-2.json)
        return "summary-" + UNSAFE.sub("_", "-".join(document.your_ref.replace("#", "").split())) + ".json"
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
        "description": f"{doc.description} {doc.tag}".strip(),  # with its identity, as Exact would hold it (runner/domain/identity.py)
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
