"""Cart descriptions: what a customer put in a WooCommerce cart, and the shop settings that
turn it into an order. Plain frozen dataclasses with Decimal money, so a hypothesis strategy
can build them field by field and `shop.build_order` stays a pure function.

Dates are naive `datetime`s in shop-local time (the store's time zone, Europe/Amsterdam by
default); the builder derives the `_gmt` twins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

D = Decimal


@dataclass(frozen=True)
class TaxRate:
    """One row of WooCommerce > Settings > Tax, as GET /wc/v3/taxes reports it."""

    id: int
    country: str  # ISO code, "" = every country
    rate: Decimal  # percent, e.g. Decimal("21")
    name: str
    tax_class: str = "standard"  # slug as /taxes reports it; order lines say "" for standard
    priority: int = 1
    compound: bool = False
    shipping: bool = True
    state: str = ""
    order: int = 0

    @property
    def item_class(self) -> str:
        """The class slug as an order line carries it ("" for the standard class)."""
        return "" if self.tax_class == "standard" else self.tax_class

    @property
    def code(self) -> str:
        """WC_Tax::get_rate_code: COUNTRY-STATE-NAME-PRIORITY, empty parts (and 0) dropped."""
        parts = [self.country, self.state, self.name or "TAX", str(self.priority) if self.priority else ""]
        return "-".join(p for p in parts if p).upper()


NL_RATES: tuple[TaxRate, ...] = (
    TaxRate(1, "NL", D("21"), "BTW 21%"),
    TaxRate(2, "NL", D("9"), "BTW 9%", "reduced-rate"),
    TaxRate(3, "NL", D("0"), "BTW 0%", "zero-rate"),
    # One-stop-shop (OSS) rates for consumers elsewhere in the EU.
    TaxRate(4, "DE", D("19"), "MwSt. 19%"),
    TaxRate(5, "DE", D("7"), "MwSt. 7%", "reduced-rate"),
    TaxRate(6, "BE", D("21"), "BTW 21%"),
    TaxRate(7, "BE", D("6"), "BTW 6%", "reduced-rate"),
    TaxRate(8, "FR", D("20"), "TVA 20%"),
    TaxRate(9, "FR", D("5.5"), "TVA 5,5%", "reduced-rate"),
)

TAX_CLASSES: tuple[tuple[str, str], ...] = (
    ("standard", "Standard rate"),
    ("reduced-rate", "Reduced rate"),
    ("zero-rate", "Zero rate"),
)


@dataclass(frozen=True)
class Store:
    """The shop's own settings: where it is, its rate table and its rounding options."""

    url: str = "https://winkel.example.nl"
    name: str = "Webwinkel Demo"  # the site title (WordPress Settings > General), in the /wp-json/ index
    base_country: str = "NL"
    currency: str = "EUR"
    currency_symbol: str = "€"
    timezone: str = "Europe/Amsterdam"
    rates: tuple[TaxRate, ...] = NL_RATES
    tax_classes: tuple[tuple[str, str], ...] = TAX_CLASSES
    round_at_subtotal: bool = False  # woocommerce_tax_round_at_subtotal
    prices_include_tax: bool = True  # woocommerce_prices_include_tax: how product prices are entered
    shipping_tax_class: str = "inherit"  # woocommerce_shipping_tax_class: inherit or a class slug
    # a fee's stored taxes rounded to cents (wc_round_tax_total), as WooCommerce does since PR
    # woocommerce#58497 (merged 2025-06) and some plugins did before; else the raw 6-decimal values
    fee_taxes_rounded: bool = False
    pay_path: str = "afrekenen/order-pay"  # checkout page slug + order-pay endpoint


DEFAULT_STORE = Store()


@dataclass(frozen=True)
class Address:
    """A billing or shipping address; `email` only matters on the billing one."""

    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    email: str | None = ""
    phone: str = ""


@dataclass(frozen=True)
class Attribute:
    """A variation attribute as order-line meta, e.g. Attribute("pa_maat", "m", "Maat", "M")."""

    key: str
    value: str
    display_key: str
    display_value: str


@dataclass(frozen=True)
class ProductLine:
    """One cart line. `price` is the unit price as the shop shows it: including VAT when the
    cart's `prices_include_tax` is true, excluding it otherwise."""

    product_id: int
    name: str  # variations carry their attributes in the name: "Leren handschoenen - M"
    price: Decimal
    quantity: int = 1
    tax_class: str = ""  # "" = standard, else a class slug such as "reduced-rate"
    sku: str = ""
    variation_id: int = 0
    parent_name: str | None = None  # the parent product's name for a variation
    attributes: tuple[Attribute, ...] = ()
    categories: tuple[str, ...] = ()  # category names; orders do not show them, products do
    taxable: bool = True  # product tax_status "taxable" (False = "none")
    image_id: int = 0
    image_src: str = ""


@dataclass(frozen=True)
class Coupon:
    """A coupon code applied to the cart. `amount` is a percentage for `percent` and money
    (in the same VAT basis as the prices) for `fixed_cart` and `fixed_product`."""

    code: str
    discount_type: str = "percent"  # percent | fixed_cart | fixed_product
    amount: Decimal = D("0")
    id: int = 0
    free_shipping: bool = False
    product_ids: tuple[int, ...] = ()  # restricts percent/fixed_product coupons to these products


@dataclass(frozen=True)
class Fee:
    """A cart fee, always entered excluding VAT. A negative amount is a cart discount, whose
    tax WooCommerce spreads over the classes in the cart; payment fees are positive fees."""

    name: str
    amount: Decimal
    tax_class: str = ""
    taxable: bool = True


@dataclass(frozen=True)
class Shipping:
    """A chosen shipping rate; `cost` excludes VAT. `free_shipping` rates carry no taxes and
    `local_pickup` is taxed at the shop's own address."""

    method_title: str = "PostNL"
    method_id: str = "flat_rate"
    instance_id: str = "1"
    cost: Decimal = D("0")


@dataclass(frozen=True)
class Cart:
    """Everything `build_order` needs for one order. Ids of order items are `id + 1, + 2, …`
    in the order lines, fees, shipping, coupons, tax lines (as WooCommerce numbers them when
    nothing else is saved in between). `meta` holds extra order meta after `is_vat_exempt`."""

    id: int
    lines: tuple[ProductLine, ...]
    billing: Address
    created: datetime
    shipping_address: Address | None = None  # None = ship to the billing address
    coupons: tuple[Coupon, ...] = ()
    fees: tuple[Fee, ...] = ()
    shipping: tuple[Shipping, ...] = ()
    prices_include_tax: bool = True
    vat_exempt: bool = False
    customer_id: int = 0  # 0 = guest checkout
    status: str = "processing"
    paid: datetime | None = None
    completed: datetime | None = None
    modified: datetime | None = None  # None = the latest of created/paid/completed
    payment_method: str = "bacs"
    payment_method_title: str = "Directe bankoverschrijving"
    transaction_id: str = ""
    customer_ip_address: str = ""
    customer_user_agent: str = ""
    created_via: str = "checkout"
    customer_note: str = ""
    order_key: str = ""  # "" = derived from the id
    cart_hash: str = ""
    number: str = ""  # "" = str(id)
    version: str = "9.3.3"
    parent_id: int = 0
    meta: tuple[tuple[str, Any], ...] = ()
    meta_id_start: int = 0  # first order meta id; 0 = id * 100 + 1
    item_meta_id_start: int = 0  # first line/shipping/coupon meta id; 0 = id * 100 + 51


@dataclass(frozen=True)
class RefundItem:
    """Part of an order item (line, fee or shipping) to refund. Amounts are positive and
    exclude VAT; None means pro rata of the item for `quantity` (all of it for fees/shipping)."""

    item_id: int
    quantity: int = 0
    total: Decimal | None = None
    taxes: tuple[tuple[int, Decimal], ...] | None = None  # (rate id, positive tax)


@dataclass(frozen=True)
class RefundRequest:
    """A refund as the admin screen or POST /orders/{id}/refunds makes it. Without items it
    is amount-only; without `amount` the amount is the items' total including VAT."""

    id: int
    created: datetime
    items: tuple[RefundItem, ...] = ()
    amount: Decimal | None = None
    reason: str = ""
    refunded_by: int = 1
    refunded_payment: bool = True
    meta_id_start: int = 0  # first refund-item meta id; 0 = id * 100 + 51
