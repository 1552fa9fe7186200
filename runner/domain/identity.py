"""A document's identity in Exact (DESIGN.md section 6, issue 21): the shop, the order id
(not its number, which a plugin may reset or re-use) and the refund id; a daily summary's:
the shop, its day, journal (the entry's own) and kind, and which summary of the day it is.
YourRef stays what the consultant's template makes it; the identity is a short tag at the
end of the entry's Description, which the books index reads in bulk at no extra call:

    [wc:3f9a1c:1234]        the sale of order id 1234 of shop 3f9a1c
    [wc:3f9a1c:1234/567]    the credit of refund 567 of that order
    [wc:3f9a1c:20261126s1]  the first sales summary of 26 November 2026 (r: refunds; 2: a correction)

The shop is six hex digits of a hash of the shop's address (host without `www.`, and path;
scheme and letter case aside), so two shops in one administration differ. Pure."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

TAG = re.compile(r"\[wc:(?P<shop>[0-9a-f]{6}):(?P<what>\d+(?:/\d+)?|\d{8}[sr]\d+)\]\s*$")


def shop_tag(url: str) -> str:
    """Six hex digits that name a shop: the same for `https://www.Shop.nl/` and `http://shop.nl`."""
    parts = urlsplit(url.strip() if "//" in url else f"//{url.strip()}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    where = f"{host}{':' + str(parts.port) if parts.port else ''}{parts.path.rstrip('/')}"
    return hashlib.sha256(where.encode()).hexdigest()[:6]


def document_identity(order_id: int, refund_id: int | None) -> str:
    return f"{order_id}" + (f"/{refund_id}" if refund_id else "")


def summary_identity(day: date, credit: bool, number: int) -> str:
    return f"{day:%Y%m%d}{'r' if credit else 's'}{number}"


def tag(shop: str, identity: str) -> str:
    return f"[wc:{shop}:{identity}]" if shop and identity else ""


@dataclass(frozen=True)
class Tagged:
    """What a Description's tag says: the shop, and the document (`1234`, `1234/567`) or
    summary (`20261126s1`) it names."""

    shop: str
    identity: str

    @property
    def order(self) -> tuple[int, int | None] | None:
        """(order id, refund id) of a document's tag; None for a summary's."""
        if not re.fullmatch(r"\d+(?:/\d+)?", self.identity):
            return None
        order, _, refund = self.identity.partition("/")
        return int(order), int(refund) if refund else None

    @property
    def summary(self) -> tuple[date, str, int] | None:
        """(day, kind, number) of a summary's tag; None for a document's."""
        found = re.fullmatch(r"(\d{4})(\d\d)(\d\d)([sr])(\d+)", self.identity)
        if not found:
            return None
        year, month, day, kind, number = found.groups()
        try:
            return date(int(year), int(month), int(day)), ("credit" if kind == "r" else "sale"), int(number)
        except ValueError:
            return None


def read_tag(description: str | None) -> Tagged | None:
    """The identity a Description ends with, or None (a document of an older version, or not ours)."""
    found = TAG.search(description or "")
    return Tagged(found["shop"], found["what"]) if found else None


NOTES = 250  # characters of a line's Notes the runner fills [U: Exact documents no length; 255 is its usual short text]


def member_notes(shop: str, members: tuple[tuple[int, int | None], ...], lines: int) -> list[str]:
    """A daily summary's members (order and refund ids), written into its lines' Notes so that
    after a lost ledger the books tell which orders a summary holds (one call per summary,
    read only then): `wc:3f9a1c 3: 1201 1202 1305/77`, continued on the next lines. What does
    not fit is left out; the count says the list is short, and the sums decide instead."""
    if not lines:
        return []
    ids = [document_identity(order, refund) for order, refund in members]
    notes, current = [], f"wc:{shop} {len(ids)}:"
    for ident in ids:
        if len(current) + 1 + len(ident) > NOTES:
            notes.append(current)
            if len(notes) == lines:
                return notes
            current = ident
        else:
            current = f"{current} {ident}" if current else ident
    notes.append(current)
    return notes + [""] * (lines - len(notes))


def read_members(notes: list[str], shop: str) -> tuple[set[tuple[int, int | None]], bool] | None:
    """The members a summary's lines' Notes name, and whether that is all of them; None when
    the Notes are not this shop's (a summary of an older version)."""
    text = " ".join(n.strip() for n in notes if n and n.strip())
    head = re.match(rf"wc:{shop} (\d+):", text)
    if not head:
        return None
    found: set[tuple[int, int | None]] = set()
    for ident in text[head.end() :].split():
        order, _, refund = ident.partition("/")
        if order.isdigit() and (not refund or refund.isdigit()):
            found.add((int(order), int(refund) if refund else None))
    return found, len(found) == int(head[1])
