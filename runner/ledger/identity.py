"""Whose ledger this is: one shop, one set of books. Another pair would read its cursors and
ids as its own (and skip, or book twice)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from runner.errors import SpecError
from runner.ledger.cursors import Cursors


def claim(cursors: Cursors, path: Path | None, shop: str, books: str, record: bool = True, about: Callable[[], dict] | None = None) -> str | None:
    """A ledger belongs to the shop and the books it was first used with. It is bound only
    once the shop has answered (`about`, what the shop says of itself: a run against a
    mistyped or unreachable address fails before it binds anything). A shop at a new address
    is the same shop when it says so (the same home address but for http/https and `www.`,
    and the same site name) or, for a ledger bound before shops were asked, when only the
    scheme or `www.` changed: the ledger is re-bound, and the note saying so returned."""
    mine = cursors.get("identity")
    if mine and (mine.get("shop"), mine.get("books")) == (shop, books):
        return None
    if mine and mine.get("books") != books:
        raise not_mine(path, mine, shop, books)
    if not mine:
        if record:
            site = about() if about else {}
            cursors.set("identity", {"shop": shop, "books": books, **({"site": site} if site else {})})
        return None
    if about is None:
        raise not_mine(path, mine, shop, books)
    site, known = about(), mine.get("site") or {}
    if known.get("name") and site.get("name"):
        same = same_site(site.get("home", ""), known.get("home", "")) and site["name"] == known["name"]
        why = f"the shop there says it is {site['name']} at {site['home']}, as before"
    else:
        same, why = same_site(shop, mine["shop"]), "only the scheme or www. differs"
    if not same:
        said = f" (the shop there says it is {site['name']} at {site.get('home')}" if site.get("name") else ""
        said += f"; the ledger's is {known['name']} at {known.get('home')})" if said and known.get("name") else ")" if said else ""
        raise not_mine(path, mine, shop, books, said)
    if record:
        cursors.set("identity", {"shop": shop, "books": books, **({"site": site} if site.get("name") else {"site": known} if known else {})})
    return f"the ledger was bound to the shop at {mine['shop']}; it is the same shop at {shop} ({why}), so the ledger follows it"


def not_mine(path: Path | None, mine: dict, shop: str, books: str, said: str = "") -> SpecError:
    return SpecError(
        f"the ledger {path} belongs to {mine.get('shop')} and {mine.get('books')}, not to {shop} and {books}{said}",
        "give this spec a ledger of its own (the `state:` key, or leave it out: the default is named after the spec file); "
        "if it is the same shop or administration at a new address, move the ledger aside: Exact's books decide what is "
        "booked, so nothing is booked twice",
    )


def same_site(one: str, other: str) -> bool:
    """Two addresses of one site: equal but for http/https, `www.` and a trailing slash."""

    def bare(url: str) -> str:
        parts = urlsplit(url.strip().lower())
        return parts.netloc.removeprefix("www.") + parts.path.rstrip("/")

    return bool(one and other) and bare(one) == bare(other)
