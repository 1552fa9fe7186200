"""WooCommerce's REST shape (wc/v3), read: an order or a refund as the API returns it becomes
a `Listed` / `ListedRefund` (runner/domain/listed.py) and, when read, the domain `Order` /
`Refund`. The only code that knows the keys of WooCommerce's JSON for booking (the templates
see it whole through `Order.raw`); the source (source.py) and the orders file (orders_file.py)
hand out what this module makes, so the pipeline never indexes a shop's mapping."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from runner.domain.listed import Categories, Listed, ListedRefund
from runner.domain.model import KNOWN_RATES, Charge, Item, Order, OrderDataError, Rate, Refund, TaxShare, percent
from runner.domain.money import ZERO, AmountError, amount
from runner.errors import BookingError, RunnerError


class WooListed(Listed):
    """An order as WooCommerce listed it (anything the listing held: a row that is no order
    has no id)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        row = raw if isinstance(raw, Mapping) else {}
        value = row.get("id")
        self.id = value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
        self.status = row.get("status")  # as said ('None' in a message when it says none)
        self.paid, self.completed = bool(row.get("date_paid")), bool(row.get("date_completed"))
        self.changed = str(row.get("date_modified_gmt") or "")
        self.dated = str(row.get("date_completed") or row.get("date_paid") or row.get("date_created") or "")
        self.shown = sample(raw)

    @property
    def rank(self) -> int:
        return int(self.raw.get("id") or 0)  # a file's "7" too, as it always was

    def read(self, categories: Categories | None = None) -> Order:
        """The order, with each product's categories when asked. Data that cannot be read (a
        line that is no object, an amount that is none) fails this order only."""
        raw = self.raw
        try:
            items = [i for i in raw.get("line_items") or [] if isinstance(i, Mapping)]
            named = {i.get("product_id"): categories(i.get("product_id")) for i in items} if categories else None
            return parse_order(raw, named)
        except RunnerError:
            raise
        except Exception as exc:  # whatever the data makes of the code: this order's failure, never the run's
            raise BookingError(
                f"order {raw.get('number') or raw.get('id')}: the shop's data cannot be read ({type(exc).__name__}: {sample(exc)})",
                "look at the order in WooCommerce (a plugin may have saved it half); it is retried by itself",
            ) from None

    def refunds(self) -> list[ListedRefund]:
        """Full refund objects the order carries itself (an export with refunds embedded)."""
        return [WooRefund(r) for r in self.raw.get("refunds") or [] if isinstance(r, dict) and "amount" in r]


class WooRefund(ListedRefund):
    """A refund as WooCommerce returns it (GET /wc/v3/orders/{id}/refunds)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @property
    def id(self) -> int:
        return int(self.raw["id"])

    @property
    def rank(self) -> int:
        return int(self.raw.get("id") or 0)

    @property
    def label(self) -> str:
        return str(self.raw.get("id", "?")) if isinstance(self.raw, Mapping) else "?"

    def read(self, order: Order) -> Refund:
        return parse_refund(self.raw, order)


def reached_trigger(raw: Mapping[str, Any], statuses: set[str] | frozenset[str]) -> bool:
    """Whether an order as the API returns it is due for booking (`Listed.reached`)."""
    return WooListed(raw).reached(statuses)


def sample(value: Any) -> str:
    """A short rendering of something the shop sent, for a message."""
    shown = str(value)
    return shown if len(shown) <= 120 else shown[:117] + "..."


def _taxes(raw: list | None, where: str) -> tuple[TaxShare, ...]:
    return tuple(
        TaxShare(int(t["id"]), amount(t.get("total"), f"{where}.taxes[{n}].total"), amount(t.get("subtotal"), f"{where}.taxes[{n}].subtotal"))
        for n, t in enumerate(raw or [])
    )


def _rates(tax_lines: list | None) -> dict[int, Rate]:
    return {
        int(t["rate_id"]): Rate(
            int(t["rate_id"]), percent(t.get("rate_percent"), f"tax_lines[{n}].rate_percent"), t.get("rate_code") or "", t.get("label") or ""
        )
        for n, t in enumerate(tax_lines or [])
    }


def _inferred(rates: dict[int, Rate], tax_lines: list | None, items: tuple[Item, ...], charges: tuple[Charge, ...]) -> dict[int, Rate]:
    """Orders saved before WooCommerce 3.7 (and some importers) keep no `rate_percent` on
    their tax lines: the percentage is inferred from the tax and the amount of the lines
    taxed at that rate alone, matched to the known VAT rates; a rate that matches none
    fails the order rather than land on 0 %."""
    missing = {int(t["rate_id"]) for t in tax_lines or [] if t.get("rate_percent") in (None, "")}
    for rate_id in missing:
        net = tax = ZERO
        for total, shares in [(i.total, i.taxes) for i in items] + [(c.total, c.taxes) for c in charges]:
            if len(shares) == 1 and shares[0].rate_id == rate_id:
                net, tax = net + total, tax + shares[0].total
        if not net:
            continue  # nothing taxed at it alone: nothing to infer (and nothing booked at it)
        seen = tax / net * 100
        nearest = min(KNOWN_RATES, key=lambda p: abs(p - seen))
        if abs(nearest - seen) > Decimal("0.5"):
            raise OrderDataError(
                f"tax line {rate_id} has no rate_percent, and its lines are taxed at {seen:.2f}%, which is no known VAT rate",
                "open the order in WooCommerce and save it, so that it stores its rates",
            )
        rates[rate_id] = Rate(rate_id, percent(nearest), rates[rate_id].code, rates[rate_id].label)
    return rates


def _tax_totals(tax_lines: list | None) -> dict[int, Decimal]:
    return {
        int(t["rate_id"]): amount(t.get("tax_total"), f"tax_lines[{n}].tax_total")
        + amount(t.get("shipping_tax_total"), f"tax_lines[{n}].shipping_tax_total")
        for n, t in enumerate(tax_lines or [])
    }


GIFT_CARD_META = ("wc_gc_giftcard_", "_wc_gc_giftcard_", "pw_gift_card_", "_pw_gift_card_", "ywgc_", "_ywgc_")  # runner/domain/vouchers.py


def _gift_card(line: Mapping[str, Any]) -> bool:
    """A line selling a gift card: its meta is the official WooCommerce Gift Cards', PW's or YITH's."""
    keys = (str(m.get("key") or "") for m in line.get("meta_data") or [] if isinstance(m, Mapping))
    return any(key.startswith(GIFT_CARD_META) for key in keys)


def _redemptions(raw: Mapping[str, Any]) -> tuple[tuple[str, Decimal], ...]:
    """(card code, amount) of every gift card the order was paid with: the official plugin's
    `gift_cards`, YITH's `_ywgc_applied_gift_cards` meta (code -> amount)."""
    cards = [c for c in raw.get("gift_cards") or [] if isinstance(c, Mapping)]
    found = [(str(c.get("code") or ""), amount(c.get("amount"), "gift_cards.amount")) for c in cards]
    for meta in raw.get("meta_data") or []:
        if isinstance(meta, Mapping) and meta.get("key") == "_ywgc_applied_gift_cards" and isinstance(meta.get("value"), Mapping):
            found += [(str(code), amount(value, "_ywgc_applied_gift_cards")) for code, value in meta["value"].items()]
    return tuple((code, value) for code, value in found if value)


def refunded_item(line: Mapping[str, Any]) -> int:
    """The order item a refund line refunds (WooCommerce keeps it in `_refunded_item_id`); 0 if none."""
    meta = {m.get("key"): m.get("value") for m in line.get("meta_data") or [] if isinstance(m, dict)}
    return int(meta.get("_refunded_item_id") or 0)


def _item(raw: dict, categories: Mapping[int, tuple[str, ...]], where: str, refund: bool = False) -> Item:
    product_id = int(raw.get("product_id") or 0)
    return Item(
        id=int(raw["id"]),
        name=raw.get("name") or "",
        sku=raw.get("sku") or "",
        product_id=product_id,
        variation_id=int(raw.get("variation_id") or 0),
        quantity=amount(raw.get("quantity"), f"{where}.quantity"),
        tax_class=raw.get("tax_class") or "",
        subtotal=amount(raw.get("subtotal"), f"{where}.subtotal"),
        subtotal_tax=amount(raw.get("subtotal_tax"), f"{where}.subtotal_tax"),
        total=amount(raw.get("total"), f"{where}.total"),
        total_tax=amount(raw.get("total_tax"), f"{where}.total_tax"),
        taxes=_taxes(raw.get("taxes"), where),
        categories=tuple(categories.get(product_id, ())),
        refunded_item=refunded_item(raw) if refund else 0,
        gift_card=not refund and _gift_card(raw),
    )


def _charges(raw: Mapping[str, Any], refund: bool = False) -> tuple[Charge, ...]:
    """Shipping lines, then fee lines: one shape, each field named as the REST API names it."""
    kinds = (("shipping", "shipping_lines", "method_title", "Shipping"), ("fee", "fee_lines", "name", "Fee"))
    return tuple(
        Charge(
            kind,
            int(c["id"]),
            c.get(name_key) or default,
            amount(c.get("total"), f"{key}[{n}].total"),
            amount(c.get("total_tax"), f"{key}[{n}].total_tax"),
            _taxes(c.get("taxes"), f"{key}[{n}]"),
            (c.get("tax_class") or "") if kind == "fee" else "",  # shipping's class is the shop's setting, not the line's
            refunded_item(c) if refund else 0,
        )
        for kind, key, name_key, default in kinds
        for n, c in enumerate(raw.get(key) or [])
    )


def parse_order(raw: Mapping[str, Any], categories: Mapping[int, tuple[str, ...]] | None = None) -> Order:
    """The REST JSON of one order as an Order; a malformed order fails on its own."""
    try:
        items = tuple(_item(i, categories or {}, f"line_items[{n}]") for n, i in enumerate(raw.get("line_items") or []))
        charges = _charges(raw)
        return Order(
            id=int(raw["id"]),
            number=str(raw.get("number") or raw["id"]),
            status=raw.get("status") or "",
            currency=raw.get("currency") or "",
            prices_include_tax=bool(raw.get("prices_include_tax")),
            date_created=raw.get("date_created") or "",
            date_modified=raw.get("date_modified") or raw.get("date_created") or "",
            date_paid=raw.get("date_paid"),
            date_completed=raw.get("date_completed"),
            total=amount(raw.get("total"), "total"),
            total_tax=amount(raw.get("total_tax"), "total_tax"),
            customer_id=int(raw.get("customer_id") or 0),
            payment_method=raw.get("payment_method") or "",
            rates=_inferred(_rates(raw.get("tax_lines")), raw.get("tax_lines"), items, charges),
            tax_totals=_tax_totals(raw.get("tax_lines")),
            items=items,
            charges=charges,
            coupons=tuple(c.get("code") or "" for c in raw.get("coupon_lines") or []),
            refund_ids=tuple(int(r["id"]) for r in raw.get("refunds") or []),
            gift_cards=_redemptions(raw),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise OrderDataError(f"order {raw.get('id', '?')}: unexpected shape ({exc!s})", "is this the JSON of GET /wc/v3/orders?") from None


def parse_refund(raw: Mapping[str, Any], order: Order) -> Refund:
    try:
        return Refund(
            id=int(raw["id"]),
            amount=amount(raw.get("amount"), "amount"),
            reason=raw.get("reason") or "",
            date_created=raw.get("date_created") or "",
            items=tuple(_item(i, {}, f"line_items[{n}]", refund=True) for n, i in enumerate(raw.get("line_items") or [])),
            charges=_charges(raw, refund=True),
            tax_totals=_tax_totals(raw.get("tax_lines")),
            rates={**_rates(raw.get("tax_lines")), **order.rates},  # the order's snapshot wins: a rate row may have changed since
            raw=raw,
        )
    except AmountError as exc:
        raise AmountError(f"refund {raw.get('id', '?')}: {exc.message}", exc.hint) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise OrderDataError(
            f"refund {raw.get('id', '?')} of order {order.id}: unexpected shape ({exc!s})", "is this the JSON of GET /wc/v3/orders/{id}/refunds?"
        ) from None
