"""Where a sale goes for VAT (issue 22 #6): `domestic` (the shop's own country), `eu` (another
member state's VAT area) or `export` (outside the EU VAT area), from the destination's
country, state and postcode (shipping address, else billing: goods are supplied where they
arrive). Facts and sources: reference vat-edge-cases.md section 3.

- Outside the EU VAT area although in a member state (Directive 2006/112/EC art. 6; EC
  "Territorial status"): the Canary Islands (ES, state GC/TF, postcodes 35/38), Ceuta (CE,
  51) and Melilla (ML, 52), Aaland (FI 22, or country AX), the French overseas departments
  (FR 971-974 and 976, or their own codes GP MQ GF RE YT MF), Buesingen (DE 78266), Heligoland
  (DE 27498), Mount Athos (GR 63086, 63087), Livigno (IT 23041; the old 23030 only with the
  town's name: other Valtellina towns share it) and Campione d'Italia (IT 22061; the old
  22060 only with the town's name). The postcode lists are those of vendidero's EU tax helper
  (`Helper::get_vat_postcode_exemptions`) and German Market (`WGM_Helper`).
- Inside although not a member state (art. 7): Monaco is France. Northern Ireland (GB with a
  `BT` postcode) is in the EU's VAT area for goods (Windsor Framework; EUTAX
  `Helper::is_northern_ireland`).
- Everything else outside the 27 member states is an export (GB, the Isle of Man, Norway...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EU = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
AS_COUNTRY = {"MC": "FR"}  # art. 7: transactions with Monaco are treated as with France

# (country, states that are outside, postcode prefixes that are outside, exact postcodes that need the town's name)
OUTSIDE: tuple[tuple[str, frozenset[str], tuple[str, ...], Mapping[str, str]], ...] = (
    ("ES", frozenset({"GC", "TF", "CE", "ML"}), ("35", "38", "51", "52"), {}),
    ("FI", frozenset(), ("22",), {}),
    ("FR", frozenset(), ("971", "972", "973", "974", "976"), {}),
    ("DE", frozenset(), ("78266", "27498"), {}),
    ("GR", frozenset(), ("63086", "63087"), {}),
    ("IT", frozenset(), ("23041", "22061"), {"23030": "livigno", "22060": "campione"}),
)


def destination(raw: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(country, state, postcode, city) of the address the goods go to, normalised: the
    shipping address when it has a country, else the billing address."""
    shipping, billing = raw.get("shipping") or {}, raw.get("billing") or {}
    address = shipping if isinstance(shipping, Mapping) and str(shipping.get("country") or "").strip() else billing
    if not isinstance(address, Mapping):
        return "", "", "", ""

    def part(name: str) -> str:
        return str(address.get(name) or "").strip().upper()

    postcode = "".join(ch for ch in part("postcode") if ch.isalnum())
    return part("country"), part("state"), postcode, part("city").lower()


def outside_the_vat_area(country: str, state: str, postcode: str, city: str = "") -> bool:
    """A place in a member state that is not in the EU's VAT area (the module's list)."""
    for where, states, prefixes, by_town in OUTSIDE:
        if country != where:
            continue
        if state in states or (postcode and postcode.startswith(prefixes)):
            return True
        town = by_town.get(postcode)
        return bool(town and town in city)
    return False


def vat_area(raw: Mapping[str, Any], home: str = "NL") -> str:
    """`domestic`, `eu` or `export` for an order's destination (see the module's text); an
    order without any country is the shop's own."""
    country, state, postcode, city = destination(raw)
    if not country:
        return "domestic"
    if country == "GB" and postcode.startswith("BT"):
        return "eu"  # Northern Ireland: EU rules for goods
    if outside_the_vat_area(country, state, postcode, city):
        return "export"
    country = AS_COUNTRY.get(country, country)
    if country == home:
        return "domestic"
    return "eu" if country in EU else "export"


def eu_consumer_warning(raw: Mapping[str, Any], country: str, customer: Mapping[str, Any], home: str, total, total_tax) -> tuple[str, ...]:
    """A consumer (no VAT number) in another member state's VAT area bought without any VAT:
    under the OSS rules the sale owes the VAT of the buyer's country, so an accountant must
    look. A place outside the VAT area (the Canary Islands, Aaland...) is an export: no warning."""
    if vat_area(raw, home) == "eu" and not customer.get("vat_number") and total > 0 and not total_tax:
        return (f"a consumer sale to {country} without VAT: under the OSS rules it owes {country} VAT (no VAT number on the order)",)
    return ()
