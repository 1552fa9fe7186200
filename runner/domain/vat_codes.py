"""A VAT code as the books define it, in the runner's words: its percentage, its type and the
properties that decide the box of the Dutch VAT return it lands in. A sink that can read its
administration's codes gives these (`Sink.vat_codes`, the "books" capability); the report's
check (runner/services/vat_audit.py) reads the boxes from them.

The box follows from the code's properties (`box_of`), unless the spec names it (`named`:
vat_report.boxes, for an administration whose own codes say otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

RateKey = tuple[str, Decimal]  # (country, percent)


HIGH, LOW = {Decimal(21), Decimal(19)}, {Decimal(9), Decimal(6)}  # the Dutch rates: 19 % until 1 Oct 2012, 6 % until 1 Jan 2019


def box_of(kind: str, percent: Decimal, listing: str, oss: str, charged: bool) -> str:
    """The box of the Dutch VAT return a code's turnover and VAT go in, from its properties in
    Exact (reference vat-edge-cases 6.3, exact-online-api 5.6), the first rule that applies:
    an OSS country: the OSS return, not the Dutch one; type N (no VAT: the preset's 5 for
    rounding, gift cards sold, deposits): outside any return; an EU sales listing (L goods, S
    services, T triangulation): 3b, intra-EU supplies; `Charged` at 0 % without a listing (btw
    verlegd, a domestic reverse charge): 1e; type B (0 %, base only) without a listing: 3a,
    exports; otherwise (E excluding, I including) by percentage: the high rate 1a (21 %, 19 %
    before 1 Oct 2012), the low rate 1b (9 %, 6 % before 2019), 0 % 1e, any other rate 1c."""
    if oss:
        return "OSS"
    if kind == "N":
        return "outside"
    if listing in ("L", "S", "T"):
        return "3b"
    if charged and not percent:
        return "1e"
    if kind == "B":
        return "3a"
    pct = percent.normalize()
    return "1a" if pct in HIGH else "1b" if pct in LOW else "1e" if not pct else "1c"


@dataclass(frozen=True)
class VatCode:
    code: str
    percent: Decimal  # whole percents, as the shop writes them (21, 5.5)
    type: str = "E"  # E excl., I incl., B 0 % base only, N no VAT ("?": a code the books do not hold)
    eu_listing: str = "N"  # L goods, S services, T triangulation, N none
    oss_country: str = ""  # the destination country of an OSS code
    charged: bool = False  # reverse-charged (domestic, or an intra-EU registration)
    named: str = ""  # the box the spec names for it (vat_report.boxes), over its properties
    description: str = ""

    @property
    def box(self) -> str:
        return self.named or box_of(self.type, self.percent, self.eu_listing, self.oss_country, self.charged)

    def rate(self, home: str) -> RateKey:
        return (self.oss_country or home, self.percent.normalize())
