"""What an accountant reads when a line's rate has no VAT code in the spec: the line, its
rate and, for a rate of another EU country (OSS), the country and rate in words and the
entry to add to the preset's OSS table (`oss` in mappings/nl-default.yaml mapping.vat_code),
instead of Jinja's "'dict object' has no attribute 'AT'". Pure."""

from __future__ import annotations

import re

from runner.domain.lines import Fact
from runner.errors import TemplateFailure

COUNTRIES = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GR": "Greece",
    "HR": "Croatia",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "MT": "Malta",
    "NL": "the Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
}
MISSING_KEY = re.compile(r"has no (?:attribute|entry) '([^']*)'|no element '?([^')]*)'?")  # Jinja's words, or runner.spec.templates.no_entry's


def unmapped(fact: Fact, failure: TemplateFailure, home: str = "NL") -> TemplateFailure:
    """The failure of a line's template, the line and its rate named; a missing entry for
    an OSS rate (a rate of another EU country the spec's table does not hold) in words."""
    percent = f"{fact.percent.normalize():f}"
    where = f"{fact.kind} line '{fact.name}' at {percent}%" + (f" ({fact.rate.code})" if fact.rate and fact.rate.code else "")
    country = fact.rate.country if fact.rate else ""
    found = MISSING_KEY.search(failure.message)
    missing = next((g for g in found.groups() if g is not None), None) if found else None
    if failure.message.startswith("mapping.vat_code") and country in COUNTRIES and country != home and missing in (country, percent):
        name = COUNTRIES[country]
        entry = f"'{percent}': '<code>'" if missing == percent else f"'{country}': {{'{percent}': '<code>'}}"
        within = f" under '{country}'" if missing == percent else ""
        return TemplateFailure(
            f"{where}: WooCommerce charged the VAT of {name} ({country}) at {percent} % on this sale (OSS), "
            f"but the spec has no Exact VAT code for {name} at {percent} %",
            f"add {entry}{within} to the OSS table (`oss`) in mapping.vat_code, with <code> the Exact VAT code of "
            f"{percent} % whose OSS country is {country} (make it in Exact if there is none); nothing was posted",
        )
    return TemplateFailure(f"{where}: {failure.message}", failure.hint)
