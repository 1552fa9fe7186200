"""The mapping `runner init` proposes: the nl-default preset's journals, VAT codes and GL
accounts checked against one administration's master data, each gap named, with the nearest
fit where one exists. Pure functions, so every proposal is tested without a network.

Why not a hidden default: codes differ per administration (DESIGN.md section 3). A preset
code is kept only when the administration has it and it is of the right kind (a sales
journal, an exclusive VAT code of that rate, a revenue account of that rate); else a code
named for the purpose stands in, else the one that stands in for a more general code (ICP
and export revenue: the 0 % account), else the nearest code of the right kind, or nothing.

A revenue account carries a VAT rate (its VAT code, or its name: "hoog", "laag", "9%"), and
one that says another rate is never proposed: a missing 8010 (9 %) is a gap, not 8000 (21 %).
Shipping, fees and discounts carry every rate, so without an account of their own they are
booked on the revenue account of each line's VAT rate, never on the 21 % one for all. How the
choices are written into the preset: preset_overrides.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from runner.errors import UsageError

TABLE_NAMES = {"journal": "journal", "vat": "VAT code", "gl": "GL account"}


@dataclass(frozen=True)
class Row:
    """One journal, VAT code or GL account of the administration."""

    code: str
    description: str
    type: str  # journals and GL accounts: Exact's type number; VAT codes: E, I, B or N
    percent: Decimal | None = None  # VAT codes: whole percent
    listing: str = "N"  # VAT codes: EUSalesListing (L = intra-EU goods)
    oss: str = ""  # VAT codes: OssCountry (One-Stop-Shop)
    vat: str = ""  # GL accounts: their VAT code (Exact's GLAccount.VATCode), if any


@dataclass(frozen=True)
class Catalog:
    """The administration's master data, as far as the preset uses it."""

    name: str
    vat: Mapping[str, Row]
    gl: Mapping[str, Row]
    journal: Mapping[str, Row]


@dataclass(frozen=True)
class Need:
    """A code the preset uses, and what another code must be to stand in for it."""

    table: str  # journal | vat | gl
    code: str
    purpose: str
    types: tuple[str, ...]
    percent: Decimal | None = None  # VAT codes: the rate; GL accounts: the rate of the revenue, None: any
    listing: str = "N"
    oss: str = ""
    words: tuple[str, ...] = ()  # in a description: named for this purpose
    strict: bool = False  # only a code named for the purpose may stand in
    fallback: str = ""  # else: whatever stands in for this preset code; BY_RATE: each line's revenue account
    paid_only: bool = False  # used by booking.status paid only
    kind: str = ""  # GL accounts of a line kind (shipping, fee, discount): its key in mapping.gl_account

    @property
    def title(self) -> str:
        """What the code is for, as a question names it: 'Sales journal', 'VAT code for OSS DE 19 %'."""
        if self.table == "journal":
            return self.purpose[0].upper() + self.purpose[1:]
        return f"{TABLE_NAMES[self.table]} for {self.purpose.removeprefix('VAT ')}"


BY_RATE = "by rate"


def _oss(code: str, percent: str, country: str, words: tuple[str, ...]) -> Need:
    return Need("vat", code, f"OSS {country} {percent} %", ("E",), Decimal(percent), oss=country, words=words, strict=True)


NEEDS = (
    Need("journal", "70", "sales journal", ("20",), words=("verkoop", "sales", "web")),
    Need("journal", "20", "bank journal of the payments", ("12",), words=("bank",), paid_only=True),
    Need("journal", "21", "PayPal journal of the payments", ("16",), words=("paypal",), strict=True, fallback="20", paid_only=True),
    Need("journal", "22", "Stripe journal of the payments", ("16",), words=("stripe",), strict=True, fallback="20", paid_only=True),
    Need("vat", "2", "VAT 21 %, exclusive", ("E",), Decimal(21)),
    Need("vat", "1", "VAT 9 %, exclusive", ("E",), Decimal(9)),
    Need("vat", "0", "VAT 0 %, exclusive", ("E",), Decimal(0)),
    Need("vat", "7", "intra-EU supply (ICP) 0 %", ("B", "E"), Decimal(0), listing="L", words=("intracom", "icp")),
    Need("vat", "6", "export outside the EU 0 %", ("B",), Decimal(0), words=("export", "buiten")),
    Need("vat", "5", "no VAT, outside the VAT return (rounding, gift cards, deposits)", ("N",), Decimal(0), words=("geen", "niet")),
    _oss("B21", "21", "BE", ("belg",)),
    _oss("B6", "6", "BE", ("belg",)),
    _oss("D19", "19", "DE", ("duits", "deutsch", "german")),
    _oss("D7", "7", "DE", ("duits", "deutsch", "german")),
    _oss("F20", "20", "FR", ("frankr", "france", "french")),
    _oss("F5", "5.5", "FR", ("frankr", "france", "french")),
    Need("gl", "8000", "revenue at 21 %", ("110",), Decimal(21), words=("hoog",)),
    Need("gl", "8010", "revenue at 9 %", ("110",), Decimal(9), words=("laag",)),
    Need("gl", "8020", "revenue at 0 %", ("110",), Decimal(0), words=("nultarief", "nul tarief")),
    Need("gl", "8030", "revenue intra-EU (ICP)", ("110",), Decimal(0), words=("icp", "intracom"), strict=True, fallback="8020"),
    Need("gl", "8040", "revenue export", ("110",), Decimal(0), words=("export",), strict=True, fallback="8020"),
    Need("gl", "8045", "revenue OSS", ("110",), words=("oss",), strict=True),
    Need("gl", "8050", "shipping", ("110",), words=("verzend", "shipping"), strict=True, fallback=BY_RATE, kind="shipping"),
    Need("gl", "8060", "fees and surcharges", ("110",), words=("toeslag", "betaalkosten", "fee"), strict=True, fallback=BY_RATE, kind="fee"),
    Need("gl", "8070", "discounts", ("110",), words=("korting", "discount"), strict=True, fallback=BY_RATE, kind="discount"),
    Need("gl", "8990", "rounding differences", ("110",), words=("afronding", "rounding"), fallback="8000"),
    Need("gl", "1300", "receivables the payments settle", ("20",), words=("debiteur", "receivable"), paid_only=True),
    Need("gl", "1610", "gift cards sold, not yet redeemed", ("90",), words=("cadeau", "gift", "voucher", "tegoed"), strict=True),
    Need("gl", "1620", "deposits (statiegeld) to return", ("90",), words=("statiegeld", "deposit", "emballage"), strict=True),
)


@dataclass(frozen=True)
class Choice:
    """What the spec uses for one preset code; `problem` is empty when the preset's code fits."""

    need: Need
    code: str | None  # None: nothing fits; the preset's code stays and orders that need it fail
    row: Row | None
    problem: str = ""
    by_rate: str = ""  # shipping, fees, discounts without an account: the revenue accounts they go to, e.g. '8000 at 21 %, ...'

    @property
    def open(self) -> bool:
        """A gap left open: the preset's code stays, and the orders that need it fail by name."""
        return bool(self.problem) and not self.code and not self.by_rate

    def lines(self) -> list[str]:
        if not self.problem:
            return []
        if self.by_rate:
            where = f"the revenue account of each line's VAT rate ({self.by_rate})"
            return [f"GAP  {self.problem}", f"     proposed: book {self.need.purpose} on {where}"]
        if self.code:
            return [f"GAP  {self.problem}", f"     proposed: {self.code} {self.row.description if self.row else ''}".rstrip()]
        if self.need.oss:
            only = f"only orders charged {self.need.oss} VAT need it; "
        elif self.need.table == "gl" and self.need.percent is not None:
            only = f"only lines of {self.need.purpose} need it; no account here is for that rate; "
        else:
            only = ""
        what = f"{TABLE_NAMES[self.need.table]} for {self.need.purpose}"
        return [f"GAP  {self.problem}", f"     nothing here fits; {only}create a {what} in Exact, or edit the mapping in the spec"]


_RATE_WORDS = (("hoog", Decimal(21)), ("laag", Decimal(9)), ("nultarief", Decimal(0)), ("nul tarief", Decimal(0)), ("icp", Decimal(0)))
_RATE_WORDS += (("intracom", Decimal(0)), ("export", Decimal(0)), ("vrijgesteld", Decimal(0)))


def rate_of(row: Row, catalog: Catalog) -> Decimal | None:
    """The VAT rate a GL account carries: that of its VAT code, else the one its name says
    ('Omzet hoog tarief', 'Omzet 9%'); None: it says none."""
    vat = catalog.vat.get(row.vat) if row.vat else None
    if vat is not None and vat.percent is not None and vat.type != "N":
        return vat.percent
    text = row.description.lower()
    if found := re.search(r"(\d+(?:[.,]\d+)?)\s*%", text):
        return Decimal(found.group(1).replace(",", "."))
    return next((rate for word, rate in _RATE_WORDS if word in text), None)


def fits(need: Need, row: Row, catalog: Catalog | None = None) -> bool:
    if row.type not in need.types:
        return False
    if need.table != "vat":
        return True
    same_country = row.oss == need.oss or (need.oss and not row.oss and row.code == need.code)
    return row.percent == need.percent and row.listing == need.listing and bool(same_country)


def doubt(need: Need, row: Row, catalog: Catalog) -> str:
    """Why a GL account of the right kind may still be wrong for this need: it says another rate."""
    if need.table != "gl" or need.percent is None:
        return ""
    rate = rate_of(row, catalog)
    if rate is None or rate == need.percent:
        return ""
    source = f"its VAT code {row.vat}" if catalog.vat.get(row.vat) is not None and catalog.vat[row.vat].type != "N" else "its name"
    return f"{row.code} {row.description} is for {rate.normalize():f} % revenue ({source} says so), not {need.purpose}"


def options(need: Need, catalog: Catalog, limit: int = 6) -> list[Row]:
    """The codes of this administration that would do, best first: for a journal only those
    of its type (a sales journal: type 20), for a revenue account of a rate those that carry it."""
    rows = [r for r in getattr(catalog, need.table).values() if fits(need, r, catalog) and not doubt(need, r, catalog)]
    if need.table == "gl" and need.percent is not None:
        rows = [r for r in rows if rate_of(r, catalog) == need.percent]
    return sorted(rows, key=lambda r: (not _named(need, r), r.code))[:limit]


def _named(need: Need, row: Row) -> bool:
    text = row.description.lower()
    return any(word in text for word in need.words) or bool(need.oss and row.oss == need.oss)


def _nearest(code: str, rows: list[Row]) -> Row | None:
    def distance(row: Row) -> tuple[float, str]:
        return (abs(int(row.code) - int(code)) if row.code.isdigit() and code.isdigit() else float("inf"), row.code)

    return min(rows, key=distance, default=None)


def _describe(row: Row) -> str:
    if row.percent is not None:
        return f"{row.description} ({row.percent.normalize():f} %, type {row.type}{', OSS ' + row.oss if row.oss else ''})"
    return f"{row.description} (type {row.type})"


def _revenue_by_rate(chosen: Mapping[tuple[str, str], Choice]) -> str:
    """Where the product lines of each domestic rate go, as the by-rate proposal names them."""
    parts = []
    for code in ("8000", "8010", "8020"):
        choice = chosen.get(("gl", code))
        if choice is not None:
            rate = f"{choice.need.percent.normalize():f} %" if choice.need.percent is not None else ""
            parts.append(f"{choice.code or code} at {rate}" + ("" if choice.code else " (missing)"))
    return ", ".join(parts)


def resolve(need: Need, catalog: Catalog, chosen: Mapping[tuple[str, str], Choice]) -> Choice:
    """The preset's code if it fits; else one named for the purpose, else what stands in
    for the fallback code, else (unless strict) the nearest code of the right kind. A
    revenue account that says another rate is never taken."""
    table = getattr(catalog, need.table)
    own = table.get(need.code)
    if own is not None and fits(need, own, catalog) and not doubt(need, own, catalog):
        return Choice(need, need.code, own)
    label = TABLE_NAMES[need.table]
    if own is None:
        problem = f"{label} {need.code} ({need.purpose}) does not exist in {catalog.name}"
    elif fits(need, own, catalog):
        problem = f"{label} {doubt(need, own, catalog)}, in {catalog.name}"
    else:
        problem = f"{label} {need.code} is {_describe(own)} in {catalog.name}, not the {need.purpose} the preset means"
    candidates = [r for r in options(need, catalog, limit=len(table)) if r.code != need.code]
    if need.table == "gl" and need.percent is None:
        candidates = [r for r in candidates if rate_of(r, catalog) is None or _named(need, r)]
    pick = next((r for r in candidates if _named(need, r)), None)
    if pick is None and need.fallback == BY_RATE:
        return Choice(need, None, None, problem, by_rate=_revenue_by_rate(chosen))
    fallback = chosen.get((need.table, need.fallback))
    if pick is None and fallback and fallback.code:
        return Choice(need, fallback.code, fallback.row, problem)
    if pick is None and not need.strict:
        pick = _nearest(need.code, candidates)
    return Choice(need, pick.code if pick else None, pick, problem)


def propose(catalog: Catalog, paid: bool) -> list[Choice]:
    """One choice per preset code the spec will use (payments codes only when paid)."""
    chosen: dict[tuple[str, str], Choice] = {}
    for need in NEEDS:
        if paid or not need.paid_only:
            chosen[need.table, need.code] = resolve(need, catalog, chosen)
    return list(chosen.values())


def redo(choice: Choice, code: str, catalog: Catalog) -> Choice:
    """The person's own code for a gap; it must exist and be of the right kind (whether it
    says another rate is for the person to confirm: `doubt`)."""
    row = getattr(catalog, choice.need.table).get(code)
    label = TABLE_NAMES[choice.need.table]
    fitting = options(choice.need, catalog)
    hint = f"give one of: {', '.join(r.code for r in fitting)}" if fitting else f"no {label} here fits; press Enter to leave the gap open"
    if row is None:
        raise UsageError(f"{label} {code} does not exist in {catalog.name}", hint)
    if not fits(choice.need, row, catalog):
        raise UsageError(f"{label} {code} is {_describe(row)}, not one for {choice.need.purpose}", hint)
    return Choice(choice.need, code, row, choice.problem)
