"""The reference checks every booking shares (sales entries, invoices, payments): journals,
accounts, GL accounts, VAT codes, payment conditions, open periods and entry numbers. Each
appends Exact's Dutch text to the request's error list, so a refusal names all problems at once."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal

from runner.sandbox.exact.entities import ACCOUNTS, GL_ACCOUNTS, JOURNALS, PAYMENT_CONDITIONS, VAT_CODES
from runner.sandbox.exact.seed import Administration, ExactConfig

CENT = Decimal("0.01")
WIDE = Context(prec=60)  # quantity x price may outgrow the default 28 digits
REVENUE, RECEIVABLE, SALES_JOURNAL, GENERAL = 110, 20, 20, 90  # GENERAL: a balance-sheet account a sales line may take [U]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=WIDE)


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_descriptions(config: ExactConfig, body: dict, lines_key: str | None, errors: list[str]) -> None:
    """A document's and its lines' Description within `description_max` [U]."""
    limit = config.description_max
    texts = [body.get("Description")] + [raw.get("Description") for raw in (body.get(lines_key) or [] if lines_key else [])]
    if limit is not None and any(isinstance(t, str) and len(t) > limit for t in texts):
        errors.append("Ongeldig: Omschrijving")


# ---- references --------------------------------------------------------------------------


def journal_ref(
    admin: Administration, code: str | None, types: set[int], wrong_type: str, errors: list[str], unknown: str = "Ongeldige referentie: Journals"
) -> dict | None:
    if blank(code):
        errors.append("Verplicht: Dagboek")
        return None
    row = admin.by_code(JOURNALS, code)  # a journal GUID is no code: unknown, as PICQER#31 saw
    if row is None or row["Type"] not in types:
        errors.append(unknown if row is None else wrong_type)
        return None
    return row


def account_ref(admin: Administration, key: str | None, label: str, errors: list[str], customer: bool) -> dict | None:
    if key is None:
        errors.append(f"Verplicht: {label}")
        return None
    row = admin.get(ACCOUNTS, key)
    if row is None:
        errors.append(f"Ongeldige referentie: {label}")
    elif customer and row["Status"] != "C":
        errors.append(f"Ongeldig: {label} (Type)")
    return row


def revenue_gl(admin: Administration, key: str | None, errors: list[str]) -> dict | None:
    row = admin.get(GL_ACCOUNTS, key)
    if row is None:
        errors.append("Verplicht: Grootboekrekening" if key is None else "Ongeldige referentie: Grootboekrekening")
    elif row["Type"] not in (REVENUE, GENERAL):  # debtor, VAT, bank accounts refused [C3] PICQER#121
        errors.append("Ongeldig: Grootboekrekeningtype")
        return None
    return row


def vat_code_ref(admin: Administration, code: str | None, percentage: Decimal | None, errors: list[str]) -> dict | None:
    """A line's VAT code; with only a percentage, the one exclusive code of that rate (not for 0 %)."""
    if blank(code):
        found = [
            v
            for v in admin.tables[VAT_CODES.path].values()
            if percentage is not None and v["Type"] == "E" and v["Percentage"] == percentage and not v["OssCountry"]
        ]
        if len(found) != 1:
            errors.append("Ontbrekend: Btw code" if percentage is None else "Ongeldig: Btw-percentage []")
        return found[0] if len(found) == 1 else None
    row = admin.by_code(VAT_CODES, code)
    if row is None:
        errors.append("Ongeldige referentie: Btw-code")
    return row


def check_period(config: ExactConfig, day: datetime, errors: list[str], year: int | None = None, period: int | None = None) -> int:
    """The booking year; a year outside the fiscal years or a closed month is refused."""
    year, period = year or day.year, period or day.month
    first, last = config.fiscal_years or (2020, 2100)
    if not first <= year <= last:
        errors.append("Unknown: Fiscal year (Period - date table)")
    elif (year, period) in config.closed_periods:
        errors.append("Periode is afgesloten")
    return year


def condition_ref(admin: Administration, config: ExactConfig, code: str | None, account: dict | None, errors: list[str]) -> dict | None:
    code = code or (account or {}).get("PaymentConditionSales") or config.default_payment_condition
    row = admin.by_code(PAYMENT_CONDITIONS, code)
    if row is None:
        errors.append("Ongeldige referentie: Betalingsconditie")
    return row


def check_entry_number(admin: Administration, journal: dict | None, year: int, wanted: int | None, errors: list[str]) -> None:
    if wanted is not None and wanted <= 0:
        errors.append("Ongeldig: Boekstuknummer")
    elif journal and wanted is not None and wanted in admin.numbers.get((journal["Code"], year), ()):
        errors.append("In gebruik: Boekstuknummer")
