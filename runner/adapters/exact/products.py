"""Pushing WooCommerce products (simple products and variations) to Exact items, matched on
the item code the spec's template gives. New codes become items with a general sales price;
an existing item gets its description and price updated when they changed, nothing else.

Exact's sales price excludes VAT (invoice lines take it as `UnitPrice`, their amount is net and
the VAT code adds the tax): a shop whose prices include VAT has its price divided by 1 + the
rate of the product's tax class in the shop's own country, to the cent.

The administration's items are read once through `sync/Logistics/Items` (1000 a page), and
its prices, once one changed, through `sync/Logistics/SalesItemPrices`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from runner.adapters.exact.payloads import DESCRIPTION, fit
from runner.domain.money import text
from runner.errors import BookingError, RunnerError
from runner.spec.model import Spec

ITEMS, PRICES, SYNC_PRICES = "logistics/Items", "logistics/SalesItemPrices", "sync/Logistics/SalesItemPrices"


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "product id: why"
    failed: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[str, str, Decimal | None, str, str]] = field(default_factory=list)  # code, description, price, tax class, what happened
    latest: str = ""  # the latest date_modified_gmt among the products looked at

    def line(self) -> str:
        return (
            f"{len(self.created)} item(s) created, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed"
        )


CURSOR = "products_pushed"  # the ledger's cursor: the latest date_modified_gmt of the products a run pushed


def push(
    spec: Spec, woo, api, post=None, progress: Callable | None = None, report: PushReport | None = None, modified_after: str | None = None
) -> PushReport:
    """`post(method, path, payload)` does the writing; a dry run passes one that only records.
    `progress(done, total)` is told after each product; `report` fills as it goes (what a
    Ctrl-C leaves is in it). `modified_after`: only the products saved since (GMT); the
    administration's items are read only when there is one."""
    post = post or (lambda method, path, payload: api.post(path, payload) if method == "POST" else api.put(path, payload))
    templates, report = spec.templates, report if report is not None else PushReport()
    listed = list(woo.products(modified_after))
    report.latest = max((str(p.get("date_modified_gmt") or "") for p in listed if "parent_name" not in p), default="")  # the products' own dates
    wanted = [p for p in listed if p.get("type") != "variable"]  # a variable product's variations are pushed, it has no price of its own
    if not wanted:
        return report
    items = {
        row["Code"].strip(): row for row in api.get("sync/Logistics/Items", "ID,Code,Description,StandardSalesPrice,Timestamp", "Timestamp gt 1")
    }
    prices, basis = ItemPrices(api), PriceBasis.of(woo)
    for done, product in enumerate(wanted, 1):
        _one(templates, post, items, prices, basis, product, report)
        if progress:
            progress(done, len(wanted))
    return report


def _one(templates, post, items, prices, basis, product: dict, report: PushReport) -> None:
    try:
        code = templates.render("products.item_code", product=product)
        description = describe(templates.render("products.description", product=product), product)
    except BookingError as exc:
        report.failed[str(product.get("id"))] = exc.message
        return
    if not code:
        report.skipped.append(f"{product.get('id')} {product.get('name')}: no item code (SKU)")
        return
    before = (len(report.created), len(report.updated))
    try:
        price = basis.net(product)
        _push_one(post, items, prices, code, description, price, report)
    except RunnerError as exc:
        report.failed[code] = exc.message + (f"; what to do: {exc.hint}" if exc.hint else "")
        return
    done = "create" if len(report.created) > before[0] else "update" if len(report.updated) > before[1] else "unchanged"
    report.rows.append((code, description, price, product.get("tax_class") or "standard", done))


def describe(text: str, product: dict) -> str:
    """The description within Exact's 60 characters; a variation's attributes (" - M") stay,
    its parent's name is what is shortened."""
    parent = product.get("parent_name") or ""
    name = product.get("name") or ""
    suffix = name[len(parent) :] if parent and name.startswith(parent) else ""
    if len(text) <= DESCRIPTION or not suffix or not text.endswith(suffix) or len(suffix) > DESCRIPTION // 2:
        return fit(text)
    return fit(text[: -len(suffix)], DESCRIPTION - len(suffix)) + suffix


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


CENT = Decimal("0.01")


@dataclass(frozen=True)
class PriceBasis:
    """Whether the shop's product prices include VAT (WooCommerce > Settings > Tax), and the
    rate of each tax class in the shop's own country, to take it out again."""

    include_tax: bool
    rates: dict[str, list[Decimal]] = field(default_factory=dict)  # class slug ("" = standard) -> its rates there

    @classmethod
    def of(cls, woo) -> PriceBasis:
        said = woo.setting("tax", "woocommerce_prices_include_tax")
        if said is None:  # the settings are not readable with this key: the newest order says how the shop showed prices
            said = "yes" if woo.newest_order().get("prices_include_tax", True) else "no"
        if said != "yes":
            return cls(False)
        country = (woo.setting("general", "woocommerce_default_country") or "").split(":")[0].upper()
        rates: dict[str, list[Decimal]] = {}
        for row in woo.taxes():
            if row.get("country", "") in ({country, ""} if country else {row.get("country", "")}):
                slug = "" if row.get("class") in ("standard", "", None) else str(row["class"])
                rates.setdefault(slug, []).append(Decimal(str(row.get("rate") or 0)))
        return cls(True, rates)

    def net(self, product: dict) -> Decimal | None:
        price = _price(product)
        if price is None or not self.include_tax or product.get("tax_status") == "none":
            return price
        slug = product.get("tax_class") or ""
        found = sorted(set(self.rates.get(slug, [])))
        if len(found) != 1:
            what = "no rate" if not found else f"several rates ({', '.join(f'{r.normalize()}%' for r in found)})"
            raise BookingError(
                f"its price includes VAT, but the shop's tax class {slug or 'standard'} has {what} for the shop's country",
                "set the shop's country (WooCommerce > Settings > General) and one rate of that class for it (Settings > Tax)",
            )
        return (price / (1 + found[0] / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def _price(product: dict) -> Decimal | None:
    """The regular price as the shop stores it (a raw string, '' when unset)."""
    raw = product.get("regular_price") or product.get("price") or ""
    try:
        return Decimal(str(raw)) if str(raw).strip() else None
    except InvalidOperation:
        return None


def push_changed(spec: Spec, woo, api, ledger) -> PushReport:
    """What `runner run` does when products.push is true: push the products saved since the
    last push (all of them the first time), and move the ledger's cursor on when none failed
    (a failed one is looked at again next time)."""
    since = ledger.cursor(CURSOR)
    report = push(spec, woo, api, modified_after=since)
    if not report.failed and report.latest and report.latest > (since or ""):
        ledger.set_cursor(CURSOR, report.latest)
    return report
