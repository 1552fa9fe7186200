"""Sales prices (`logistics/SalesItemPrices`, reference 5.5): one row per item price, for everyone
or for one customer (a price agreement, `Account`), optionally for a period, a unit and a minimum
quantity. Items have no writable price: their read-only `StandardSalesPrice` shows the item's
general price (no Account, no dates), so a client reads back through Items what it wrote here.

The reference lists the fields but no validation texts; every check below beyond "Ongeldige
referentie: Artikel" is our likeliest reading [U], in Exact's usual vocabulary."""

from __future__ import annotations

from decimal import Decimal

from runner.sandbox.exact.entities import ACCOUNTS, ITEMS, SALES_ITEM_PRICES, BusinessError
from runner.sandbox.exact.references import blank
from runner.sandbox.exact.seed import Administration

HOME_CURRENCY = "EUR"
# What makes two prices the same price: a second one is refused instead of silently competing.
IDENTITY = ("Item", "Account", "Currency", "Unit", "Quantity", "StartDate")


def _defaults(admin: Administration, values: dict) -> dict:
    """What Exact fills in when left out: euros, the item's own unit, from quantity 0, one per unit."""
    item = admin.get(ITEMS, values.get("Item"))
    out = dict(values)
    if blank(out.get("Currency")):
        out["Currency"] = HOME_CURRENCY
    if blank(out.get("Unit")):
        out["Unit"] = (item or {}).get("Unit")
    if out.get("Quantity") is None:
        out["Quantity"] = Decimal(0)
    if out.get("NumberOfItemsPerUnit") is None:
        out["NumberOfItemsPerUnit"] = Decimal(1)
    return out


def _check(admin: Administration, values: dict, own_id: str | None) -> None:
    """All problems at once, as Exact reports them."""
    errors: list[str] = []
    item = admin.get(ITEMS, values.get("Item"))
    if item is None:
        errors.append("Verplicht: Artikel" if values.get("Item") is None else "Ongeldige referentie: Artikel")
    if values.get("Price") is None:
        errors.append("Verplicht: Prijs")
    if values["Currency"] != HOME_CURRENCY:  # the sandbox books in euros only, as on entries
        errors.append("Ongeldig: Valuta")
    if item is not None and (values.get("Unit") or "").strip() != (item.get("Unit") or "").strip():
        errors.append("Ongeldige referentie: Eenheid")  # the sandbox knows no unit but the item's own
    if values["Quantity"] < 0:
        errors.append("Ongeldig: Aantal")
    if values["NumberOfItemsPerUnit"] <= 0:
        errors.append("Ongeldig: Aantal per eenheid")
    start, end = values.get("StartDate"), values.get("EndDate")
    if start is not None and end is not None and end < start:
        errors.append("Ongeldig: Einddatum")
    if values.get("Account") is not None and admin.get(ACCOUNTS, values["Account"]) is None:
        errors.append("Ongeldige referentie: Relatie")
    if values.get("Employee") is not None:  # the sandbox has no employees or projects
        errors.append("Ongeldige referentie: Medewerker")
    if values.get("Project") is not None:
        errors.append("Ongeldige referentie: Project")
    if item is not None and _twin(admin, values, own_id):
        errors.append("Gegeven bestaat reeds.")
    if errors:
        raise BusinessError(errors)


def _twin(admin: Administration, values: dict, own_id: str | None) -> bool:
    wanted = tuple(values.get(name) for name in IDENTITY)
    return any(
        tuple(other.get(name) for name in IDENTITY) == wanted and other["ID"] != own_id for other in admin.tables[SALES_ITEM_PRICES.path].values()
    )


def _derived(admin: Administration, values: dict) -> dict:
    """The read-only copies of item and customer data a price row shows."""
    item = admin.get(ITEMS, values.get("Item")) or {}
    account = admin.get(ACCOUNTS, values.get("Account")) or {}
    return {
        "ItemCode": item.get("Code"),
        "ItemDescription": item.get("Description"),
        "DefaultItemUnit": item.get("Unit"),
        "AccountName": account.get("Name"),
    }


def create_price(admin: Administration, body: dict) -> dict:
    values = _defaults(admin, body)
    _check(admin, values, None)
    row = admin.insert(SALES_ITEM_PRICES, {**values, **_derived(admin, values)})
    _refresh_standard_price(admin, row["Item"])
    return row


def update_price(admin: Administration, row: dict, body: dict) -> dict:
    values = _defaults(admin, {**row, **body})
    _check(admin, values, row["ID"])
    old_item = row["Item"]
    changes = {name: values[name] for name in (*body, "Currency", "Unit", "Quantity", "NumberOfItemsPerUnit")}
    admin.update(SALES_ITEM_PRICES, row, {**changes, **_derived(admin, values)})
    for item_id in {old_item, row["Item"]}:
        _refresh_standard_price(admin, item_id)
    return row


def _refresh_standard_price(admin: Administration, item_id: str) -> None:
    """The item's general price: no customer, no period, in euros, the lowest minimum quantity;
    0 without one. Written in place: the price is its own row, so the item's Modified and
    Timestamp stay as they were [U], and sync/Logistics/Items does not report price changes."""
    item = admin.get(ITEMS, item_id)
    if item is None:
        return
    general = [
        p
        for p in admin.tables[SALES_ITEM_PRICES.path].values()
        if p["Item"] == item_id
        and p.get("Account") is None
        and p.get("StartDate") is None
        and p.get("EndDate") is None
        and p["Currency"] == HOME_CURRENCY
    ]
    best = min(general, key=lambda p: (p["Quantity"], p["Created"], p["Timestamp"]), default=None)
    item["StandardSalesPrice"] = best["Price"] if best is not None else Decimal(0)


def follow_item(admin: Administration, item: dict) -> None:
    """An item's code, description or unit changed: its price rows show the new values."""
    for price in admin.tables[SALES_ITEM_PRICES.path].values():
        if price["Item"] == item["ID"]:
            price.update(ItemCode=item.get("Code"), ItemDescription=item.get("Description"), DefaultItemUnit=item.get("Unit"))


def follow_account(admin: Administration, account: dict) -> None:
    """A customer was renamed: its price agreements show the new name."""
    for price in admin.tables[SALES_ITEM_PRICES.path].values():
        if price.get("Account") == account["ID"]:
            price["AccountName"] = account.get("Name")
