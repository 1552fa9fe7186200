"""The mapping `runner init` proposes: the nl-default preset's journals, VAT codes and GL
accounts checked against one administration's master data, each gap named, with the nearest
fit where one exists. Pure functions, so every proposal is tested without a network.

Why not a hidden default: codes differ per administration (DESIGN.md section 3). A preset
code is kept only when the administration has it and it is of the right kind (a sales
journal, an exclusive VAT code of that rate, a revenue account); else a code named for the
purpose stands in, else the one that stands in for a more general code (shipping falls back
to the 21 % revenue account), else the nearest code of the right kind, or nothing (OSS)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from runner.errors import UsageError

TABLE_NAMES = {"journal": "journal", "vat": "VAT code", "gl": "GL account"}
# Where the preset names codes: key path -> (the table of the codes it yields, the table of
# the codes its dict keys are). Only those positions are swapped: the rate keys of
# {'21': '2', '0': '0'} look like codes but are rates.
CODE_PATHS = {
    ("booking", "journal"): ("journal", ""),
    ("booking", "rounding", "account"): ("gl", ""),
    ("booking", "rounding", "vat_code"): ("vat", ""),
    ("payments", "journal"): ("journal", ""),
    ("payments", "gl_account"): ("gl", ""),
    ("mapping", "vat_code"): ("vat", ""),
    ("mapping", "gl_account"): ("gl", "vat"),
}


@dataclass(frozen=True)
class Row:
    """One journal, VAT code or GL account of the administration."""

    code: str
    description: str
    type: str  # journals and GL accounts: Exact's type number; VAT codes: E, I, B or N
    percent: Decimal | None = None  # VAT codes: whole percent
    listing: str = "N"  # VAT codes: EUSalesListing (L = intra-EU goods)
    oss: str = ""  # VAT codes: OssCountry (One-Stop-Shop)


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
    percent: Decimal | None = None
    listing: str = "N"
    oss: str = ""
    words: tuple[str, ...] = ()  # in a description: named for this purpose
    strict: bool = False  # only a code named for the purpose may stand in
    fallback: str = ""  # else: whatever stands in for this preset code
    paid_only: bool = False  # used by booking.status paid only


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
    Need("vat", "5", "no VAT, outside the VAT return (rounding lines)", ("N",), Decimal(0), words=("geen", "niet")),
    _oss("B21", "21", "BE", ("belg",)),
    _oss("B6", "6", "BE", ("belg",)),
    _oss("D19", "19", "DE", ("duits", "deutsch", "german")),
    _oss("D7", "7", "DE", ("duits", "deutsch", "german")),
    _oss("F20", "20", "FR", ("frankr", "france", "french")),
    _oss("F5", "5.5", "FR", ("frankr", "france", "french")),
    Need("gl", "8000", "revenue at 21 %", ("110",), words=("hoog",)),
    Need("gl", "8010", "revenue at 9 %", ("110",), words=("laag",), fallback="8000"),
    Need("gl", "8020", "revenue at 0 %", ("110",), words=("nultarief", "0%", "0 %"), fallback="8000"),
    Need("gl", "8030", "revenue intra-EU (ICP)", ("110",), words=("icp", "intracom"), fallback="8000"),
    Need("gl", "8040", "revenue export", ("110",), words=("export",), fallback="8000"),
    Need("gl", "8045", "revenue OSS", ("110",), words=("oss",), fallback="8000"),
    Need("gl", "8050", "shipping", ("110",), words=("verzend", "shipping"), fallback="8000"),
    Need("gl", "8060", "fees and surcharges", ("110",), words=("toeslag", "betaalkosten", "fee"), fallback="8000"),
    Need("gl", "8070", "discounts", ("110",), words=("korting", "discount"), fallback="8000"),
    Need("gl", "8990", "rounding differences", ("110",), words=("afronding", "rounding"), fallback="8000"),
    Need("gl", "1300", "receivables the payments settle", ("20",), words=("debiteur", "receivable"), paid_only=True),
)


@dataclass(frozen=True)
class Choice:
    """What the spec uses for one preset code; `problem` is empty when the preset's code fits."""

    need: Need
    code: str | None  # None: nothing fits; the preset's code stays and orders that need it fail
    row: Row | None
    problem: str = ""

    def lines(self) -> list[str]:
        if not self.problem:
            return []
        if self.code:
            return [f"GAP  {self.problem}", f"     proposed: {self.code} {self.row.description if self.row else ''}".rstrip()]
        what = f"{TABLE_NAMES[self.need.table]} for {self.need.purpose}"
        only = f"only orders charged {self.need.oss} VAT need it; " if self.need.oss else ""
        return [f"GAP  {self.problem}", f"     nothing here fits; {only}create a {what} in Exact, or edit the mapping in the spec"]


def fits(need: Need, row: Row) -> bool:
    if row.type not in need.types:
        return False
    if need.table != "vat":
        return True
    same_country = row.oss == need.oss or (need.oss and not row.oss and row.code == need.code)
    return row.percent == need.percent and row.listing == need.listing and bool(same_country)


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


def resolve(need: Need, catalog: Catalog, chosen: Mapping[tuple[str, str], Choice]) -> Choice:
    """The preset's code if it fits; else one named for the purpose, else what stands in
    for the fallback code, else (unless strict) the nearest code of the right kind."""
    table = getattr(catalog, need.table)
    own = table.get(need.code)
    if own is not None and fits(need, own):
        return Choice(need, need.code, own)
    label = TABLE_NAMES[need.table]
    problem = (
        f"{label} {need.code} ({need.purpose}) does not exist in {catalog.name}"
        if own is None
        else f"{label} {need.code} is {_describe(own)} in {catalog.name}, not the {need.purpose} the preset means"
    )
    candidates = sorted((r for r in table.values() if r.code != need.code and fits(need, r)), key=lambda r: r.code)
    pick = next((r for r in candidates if _named(need, r)), None)
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
    """The person's own code for a gap; it must exist and be of the right kind."""
    row = getattr(catalog, choice.need.table).get(code)
    label = TABLE_NAMES[choice.need.table]
    if row is None:
        raise UsageError(f"{label} {code} does not exist in {catalog.name}", f"give one of: {', '.join(sorted(getattr(catalog, choice.need.table)))}")
    if not fits(choice.need, row):
        raise UsageError(f"{label} {code} is {_describe(row)}, not one for {choice.need.purpose}", "give a code of the right kind")
    return Choice(choice.need, code, row, choice.problem)


_QUOTED = re.compile(r"'([^'\n]*)'(\s*:)?")
_BETWEEN_TAGS = re.compile(r"(%\}\s*)([A-Za-z0-9_]+)(\s*\{%)")


def swap_codes(value: str, swaps: Mapping[str, str], key_swaps: Mapping[str, str] | None = None) -> str:
    """A preset value with its codes replaced: a plain value whole; in a template the quoted
    values and the bare ones between tags (`-%}7 {%-`) from `swaps`, the quoted dict keys
    from `key_swaps` (none by default). One pass, so swaps never chain."""
    if "{" not in value:
        return swaps.get(value, value)

    def quoted(m: re.Match) -> str:
        table = (key_swaps or {}) if m.group(2) else swaps
        return f"'{table.get(m.group(1), m.group(1))}'{m.group(2) or ''}"

    value = _QUOTED.sub(quoted, value)
    return _BETWEEN_TAGS.sub(lambda m: m.group(1) + swaps.get(m.group(2), m.group(2)) + m.group(3), value)


def uses(text: str, need: Need, path: tuple[str, ...]) -> bool:
    """Whether the preset's value at `path` names this need's code where codes of its table go."""
    values, keys = CODE_PATHS[path]
    mark = {need.code: "\0"}
    return swap_codes(text, mark if need.table == values else {}, mark if need.table == keys else {}) != text


def overrides(preset: Mapping[str, Any], choices: list[Choice], paid: bool) -> dict[tuple[str, ...], tuple[str, str]]:
    """Key path -> (value, comment) for every preset key whose codes the choices change."""
    swaps: dict[str, dict[str, str]] = {"journal": {}, "vat": {}, "gl": {}}
    for c in choices:
        if c.code and c.code != c.need.code:
            swaps[c.need.table][c.need.code] = c.code
    out = {}
    for path, (values, keys) in CODE_PATHS.items():
        if path[0] == "payments" and not paid:
            continue
        old: Any = preset
        for key in path:
            old = old[key]
        new = swap_codes(old, swaps[values], swaps.get(keys))
        if new != old:
            used = [
                f"{c.need.code} -> {c.code} ({c.need.purpose})" for c in choices if c.need.code in swaps[c.need.table] and uses(old, c.need, path)
            ]
            out[path] = (new, f"differs from the preset for this administration: {', '.join(used)}")
    return out
