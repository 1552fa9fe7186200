"""E-mail addresses: the normal form customers are matched on, the lower-cased form the
templates see as `order.email`, and the form a new Exact account is given (docs/booking-rules.md,
"Customers").

The matching key of an address (`key`), after trimming blanks:
1. NFKC (Unicode compatibility composition): full-width `ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｎｌ` is
   `info@example.nl`, a ligature or a circled letter its plain letters;
2. split at the last `@`;
3. the local part lower-cased (Unicode's default case mapping, not Turkish or any other
   locale's), with the dotted capital `İ` taken as `I` (a Turkish keyboard's capital i: `İNFO`
   is `info`, never `i̇nfo` with a combining dot), also where it was written as `i` plus a
   combining dot above;
4. the domain in IDNA's ASCII form (UTS 46 mapping, non-transitional, as browsers do):
   `Bücher.DE` is `xn--bcher-kva.de`; a domain IDNA refuses (`exa_mple.nl`) is only
   lower-cased as the local part is.
Nothing else is folded: `ß` stays `ß`, dots and `+tags` in the local part count."""

from __future__ import annotations

import unicodedata

import idna

DOTTED_CAPITAL_I = "\u0130"
COMBINING_DOT_ABOVE = "\u0307"


def key(address: str) -> str:
    """The normal form e-mails are matched on (see the module's text)."""
    text = (address or "").strip()
    if text.isascii():  # the common case, and the same result: IDNA's form of an ASCII domain is its lower case
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    local, at, domain = text.rpartition("@")
    if not at:
        return _lower(text)
    return f"{_lower(local)}@{_domain(domain)}"


def lowered(address: str) -> str:
    """`order.email`: trimmed and lower-cased, the dotted capital `İ` as `i` (no combining dot)."""
    return _lower((address or "").strip(), compose=False)


def as_typed(address: str) -> str:
    """`customer.email`, what a new Exact account is given: the address as the customer typed
    it, trimmed, compatibility forms made plain (NFKC: full-width letters are letters, `＠` is
    `@`); letter case and the domain's own script kept."""
    return unicodedata.normalize("NFKC", (address or "").strip())


def _lower(text: str, compose: bool = True) -> str:
    lowered = text.replace(DOTTED_CAPITAL_I, "I").lower().replace("i" + COMBINING_DOT_ABOVE, "i")
    return unicodedata.normalize("NFKC", lowered) if compose else lowered


def _domain(domain: str) -> str:
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return _lower(domain)
