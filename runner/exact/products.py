"""Pushing WooCommerce products (simple products and variations) to Exact items, matched on
the item code the spec's template gives. New codes become items with a general sales price;
an existing item gets its description and price updated when they changed, nothing else.

The administration's items are read once through `sync/Logistics/Items` (1000 a page), and
its prices, once one changed, through `sync/Logistics/SalesItemPrices`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from runner.core.money import text
from runner.errors import BookingError
from runner.exact.payloads import fit

ITEMS, PRICES, SYNC_PRICES = "logistics/Items", "logistics/SalesItemPrices", "sync/Logistics/SalesItemPrices"


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "product id: why"
    failed: dict[str, str] = field(default_factory=dict)


def push(spec, woo, api, post=None) -> PushReport:
    """`post(method, path, payload)` does the writing; a dry run passes one that only records."""
    post = post or (lambda method, path, payload: api.post(path, payload) if method == "POST" else api.put(path, payload))
    templates, report = spec.templates, PushReport()
    items = {
        row["Code"].strip(): row for row in api.get("sync/Logistics/Items", "ID,Code,Description,StandardSalesPrice,Timestamp", "Timestamp gt 1")
    }
    prices = ItemPrices(api)
    for product in woo.products():
        if product.get("type") == "variable":
            continue  # its variations are pushed, the parent has no price of its own
        try:
            code = templates.render("products.item_code", product=product)
            description = fit(templates.render("products.description", product=product))
        except BookingError as exc:
            report.failed[str(product.get("id"))] = exc.message
            continue
        if not code:
            report.skipped.append(f"{product.get('id')} {product.get('name')}: no item code (SKU)")
            continue
        price = _price(product)
        try:
            _push_one(post, items, prices, code, description, price, report)
        except BookingError as exc:
            report.failed[code] = exc.message
    return report


def _push_one(post, items: dict, prices, code: str, description: str, price: Decimal | None, report: PushReport) -> None:
    known = items.get(code)
    if known is None:
        row = post("POST", ITEMS, {"Code": code, "Description": description or code, "IsSalesItem": True})
        if price is not None:
            post("POST", PRICES, {"Item": row["ID"], "Price": text(price), "Currency": "EUR"})
        report.created.append(code)
        return
    changed = False
    if (known.get("Description") or "") != description:
        post("PUT", f"{ITEMS}(guid'{known['ID']}')", {"Description": description})
        changed = True
    current = Decimal(str(known.get("StandardSalesPrice") or 0))
    if price is not None and text(current) != text(price):
        general = next((p for p in prices(known["ID"]) if not p.get("Account") and not p.get("StartDate")), None)
        if general:
            post("PUT", f"{PRICES}(guid'{general['ID']}')", {"Price": text(price)})
        else:
            post("POST", PRICES, {"Item": known["ID"], "Price": text(price), "Currency": "EUR"})
        changed = True
    if changed:
        report.updated.append(code)
    else:
        report.unchanged += 1


class ItemPrices:
    """The administration's sales prices by item, read through the sync endpoint once, when
    a first price changed: its `Timestamp gt 1` is documented, where which fields
    SalesItemPrices's mandatory filter takes (`Item` among them?) is not."""

    def __init__(self, api) -> None:
        self.api, self.by_item = api, None

    def __call__(self, item_id: str) -> list[dict]:
        if self.by_item is None:
            self.by_item = {}
            for row in self.api.get(SYNC_PRICES, "ID,Item,Price,Account,StartDate,Timestamp", "Timestamp gt 1"):
                self.by_item.setdefault(row.get("Item"), []).append(row)
        return self.by_item.get(item_id, [])


def _price(product: dict) -> Decimal | None:
    """The regular price as the shop stores it (a raw string, '' when unset)."""
    raw = product.get("regular_price") or product.get("price") or ""
    try:
        return Decimal(str(raw)) if str(raw).strip() else None
    except InvalidOperation:
        return None
