"""A VAT code as the books define it, in the runner's words: its percentage, its type and the
properties that decide the box of the Dutch VAT return it lands in. A sink that can read its
administration's codes gives these (`Sink.vat_codes`, the "books" capability); the report's
check (runner/services/vat_audit.py) reads the boxes from them.

The box follows from the code's properties (reference vat-edge-cases 6.3): an OSS country: the
OSS return, not the Dutch one; an EU sales listing (L goods, S services, T triangulation): 3b;
type N (no VAT, the preset's 5 for rounding): outside the return; type B (0 %, base only: the
preset's 6 export): 3a; otherwise by percentage: 21 % 1a, 9 % 1b, another rate 1c, 0 % 1e."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from runner.domain.money import ZERO

RateKey = tuple[str, Decimal]  # (country, percent)


@dataclass(frozen=True)
class VatCode:
    code: str
    percent: Decimal  # whole percents, as the shop writes them (21, 5.5)
    type: str = "E"  # E excl., I incl., B 0 % base only, N no VAT ("?": a code the books do not hold)
    eu_listing: str = "N"  # L goods, S services, T triangulation, N none
    oss_country: str = ""  # the destination country of an OSS code
    description: str = ""

    @property
    def box(self) -> str:
        if self.oss_country:
            return "OSS"
        if self.eu_listing in ("L", "S", "T"):
            return "3b"
        if self.type == "N":
            return "outside"
        if self.type == "B":
            return "3a"
        return {Decimal(21): "1a", Decimal(9): "1b", ZERO: "1e"}.get(self.percent.normalize(), "1c")

    def rate(self, home: str) -> RateKey:
        return (self.oss_country or home, self.percent.normalize())
