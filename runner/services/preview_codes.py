"""What a preview says of the codes its documents use: the GL accounts and VAT codes by code
and the books' description (`8000 Omzet hoog tarief`), beside Exact's id where the payload
holds one (a GL account's GUID; a VAT code is its own id). A consultant reads the codes; a
script checks the ids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runner.domain.booking import Document
from runner.pipeline.ports import Sink

PAYLOAD_LINES = ("SalesEntryLines", "SalesInvoiceLines")


def code_names(sink: Sink, documents: Iterable[Document]) -> dict[tuple[str, str], str]:
    """The GL accounts and VAT codes the documents use, with the books' description of each,
    so a consultant reads `8000 Omzet hoog tarief` where Exact's payload holds a GUID."""
    names: dict[tuple[str, str], str] = {}
    for doc in documents:
        for line in _lines(doc):
            for key in (("gl", line.gl_account), ("vat", line.vat_code)):
                if key not in names:
                    names[key] = sink.describe(*key)
    return names


def named(sink: Sink, documents: list[tuple[Document, dict[str, Any]]]) -> dict[tuple[str, str], str]:
    """`code_names`, and each document's item given its `codes`."""
    names = code_names(sink, [doc for doc, _ in documents])
    for doc, item in documents:
        if isinstance(item.get("payload"), dict):
            item["codes"] = codes(doc, item["payload"], names)
    return names


def codes(doc: Document, payload: dict[str, Any], names: dict[tuple[str, str], str]) -> dict[str, list[dict[str, str]]]:
    """`{"gl_accounts": [{"code", "description", "id"}], "vat_codes": [{"code", "description"}]}`
    in the order the lines use them. The payload's lines are the document's, in its order, so
    the i-th line's GUID is the i-th line's account (only where the counts agree)."""
    sent = next((payload[key] for key in PAYLOAD_LINES if isinstance(payload.get(key), list)), [])
    lines = _lines(doc)
    ids = {line.gl_account: row.get("GLAccount") for line, row in zip(lines, sent)} if len(sent) == len(lines) else {}
    gl = dict.fromkeys(line.gl_account for line in lines)
    vat = dict.fromkeys(line.vat_code for line in lines if line.vat_code)
    return {
        "gl_accounts": [{"code": c, "description": names.get(("gl", c), ""), **({"id": ids[c]} if ids.get(c) else {})} for c in gl],
        "vat_codes": [{"code": c, "description": names.get(("vat", c), "")} for c in vat],
    }


def _lines(doc: Document) -> list:
    return [*doc.lines, *((doc.closing,) if doc.closing else ())]
