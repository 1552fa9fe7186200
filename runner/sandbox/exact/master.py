"""Master data the runner writes: customer accounts (`crm/Accounts`) and items
(`logistics/Items`), validated with Exact's own texts (reference 5.4, 5.5). Existing rows are
changed only by an explicit PUT; price rows (exact_prices.py) follow renamed items and customers."""

from __future__ import annotations

import re
from decimal import Decimal

from runner.sandbox.exact.entities import ACCOUNTS, GL_ACCOUNTS, ITEMS, PAYMENT_CONDITIONS, VAT_CODES, BusinessError
from runner.sandbox.exact.prices import follow_account, follow_item
from runner.sandbox.exact.seed import Administration

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
STATUSES = {"A", "S", "P", "C"}  # none, suspect, prospect, customer
ITEM_DESCRIPTION_MAX = 60


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _duplicate_code(admin: Administration, es, code: str | None, own_id: str | None) -> bool:
    other = admin.by_code(es, code) if not _blank(code) else None
    return other is not None and other[es.key] != own_id


def _references(admin: Administration, values: dict, vat_field: str, errors: list[str]) -> None:
    """Codes and GUIDs an account or item may point at must exist in this administration."""
    if not _blank(values.get(vat_field)) and admin.by_code(VAT_CODES, values[vat_field]) is None:
        errors.append("Ongeldige referentie: Btw-code")
    for gl_field in ("GLAccountSales", "GLRevenue", "GLCosts"):
        if values.get(gl_field) and admin.get(GL_ACCOUNTS, values[gl_field]) is None:
            errors.append("Ongeldige referentie: Grootboekrekening")


def _check_account(admin: Administration, values: dict, own_id: str | None) -> None:
    errors: list[str] = []
    if _blank(values.get("Name")):
        errors.append("Verplicht: Naam")
    if _duplicate_code(admin, ACCOUNTS, values.get("Code"), own_id):
        errors.append("Gegeven bestaat reeds.")
    if not _blank(values.get("Email")) and not EMAIL.fullmatch(values["Email"].strip()):
        errors.append("Invalid: Email []")
    if values.get("Status") is not None and values["Status"] not in STATUSES:
        errors.append("Ongeldig: Status")
    if not _blank(values.get("Country")) and not re.fullmatch(r"[A-Za-z]{2}", values["Country"].strip()):
        errors.append("Ongeldige referentie: Land")
    condition = values.get("PaymentConditionSales")
    if not _blank(condition) and admin.by_code(PAYMENT_CONDITIONS, condition) is None:
        errors.append("Ongeldige referentie: Betalingsconditie")
    _references(admin, values, "SalesVATCode", errors)
    if errors:
        raise BusinessError(errors)


def _next_account_code(admin: Administration) -> str:
    """Exact gives an account without a code the highest numeric code + 1."""
    numbers = [int(code) for code in admin.codes[ACCOUNTS.path] if code.isdigit()]
    return str(max(numbers, default=0) + 1)


def create_account(admin: Administration, body: dict) -> dict:
    _check_account(admin, body, None)
    row = {"Status": "A", "Blocked": False, "IsSupplier": False, **body, "Type": "A"}
    if _blank(row.get("Code")):
        row["Code"] = _next_account_code(admin)
    row["IsSales"] = row["Status"] == "C"
    return admin.insert(ACCOUNTS, row)


def update_account(admin: Administration, row: dict, body: dict) -> dict:
    merged = {**row, **body}
    _check_account(admin, merged, row["ID"])
    if "Status" in body:
        body["IsSales"] = merged["Status"] == "C"
    admin.update(ACCOUNTS, row, body)
    follow_account(admin, row)
    return row


def _check_item(admin: Administration, values: dict, own_id: str | None) -> None:
    errors: list[str] = []
    if _blank(values.get("Code")):
        errors.append("Verplicht: Code")
    if _blank(values.get("Description")):
        errors.append("Verplicht: Omschrijving")
    elif len(values["Description"]) > ITEM_DESCRIPTION_MAX:
        errors.append("Ongeldig: Omschrijving")
    if _duplicate_code(admin, ITEMS, values.get("Code"), own_id):
        errors.append("Gegeven bestaat reeds.")
    _references(admin, values, "SalesVatCode", errors)
    if errors:
        raise BusinessError(errors)


def _item_derived(admin: Administration, values: dict) -> dict:
    gl = admin.get(GL_ACCOUNTS, values.get("GLRevenue"))
    return {"GLRevenueCode": gl["Code"] if gl else None}


def create_item(admin: Administration, body: dict) -> dict:
    _check_item(admin, body, None)
    row = {
        "IsSalesItem": True,
        "IsPurchaseItem": False,
        "IsStockItem": False,
        "IsWebshopItem": 0,
        "StandardSalesPrice": Decimal(0),
        "Stock": Decimal(0),
        **body,
    }
    row.update(_item_derived(admin, row))
    return admin.insert(ITEMS, row)


def update_item(admin: Administration, row: dict, body: dict) -> dict:
    merged = {**row, **body}
    _check_item(admin, merged, row["ID"])
    admin.update(ITEMS, row, {**body, **_item_derived(admin, merged)})
    follow_item(admin, row)
    return row
