"""What a preview says of the codes its documents use: the GL accounts and VAT codes by code
and the books' description (`8000 Omzet hoog tarief`), beside Exact's id where the payload
holds one (a GL account's GUID; a VAT code is its own id). A consultant reads the codes; a
script checks the ids."""

from __future__ import annotations

from typing import Any

from runner.domain.booking import Document

PAYLOAD_LINES = ("SalesEntryLines", "SalesInvoiceLines")


def named(names: dict[tuple[str, str], str], documents: list[tuple[Document, dict[str, Any]]]) -> None:
    """Each document's item given its `codes`, from the preview's names of the books."""
    for doc, item in documents:
        if isinstance(item.get("payload"), dict):
            item["codes"] = codes(doc, item["payload"], names)


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
