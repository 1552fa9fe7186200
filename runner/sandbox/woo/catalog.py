"""The demo shop's catalogue: a Dutch coffee-and-home shop with simple and variable
products, categories and tax classes, as GET /wc/v3/products, /products/{id}/variations
and /products/categories return them. The reference samples' products (188, 190, 210,
245, 301, 310/312) are part of it, so demo orders and samples share ids and SKUs.

Prices are raw strings as WooCommerce stores them ("24.2" stays "24.20" only if typed so);
they include VAT, as the consumer storefront shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runner.sandbox.woo.carts import DEFAULT_STORE, Store
from runner.sandbox.woo.order_dates import gmt_date, local_date

IMG = "https://winkel.example.nl/wp-content/uploads"
CATEGORIES: dict[int, str] = {
    15: "Koffie",
    16: "Thee",
    17: "Servies",
    18: "Boeken",
    19: "Kleding",
    20: "Accessoires",
    21: "Lekkernijen",
    22: "Cadeaubonnen",
}


@dataclass(frozen=True)
class Variant:
    """One variation of a variable product: its own id, SKU, option and (raw) price."""

    id: int
    sku: str
    option: str  # attribute value shown, e.g. "M"
    price: str
    regular_price: str = ""


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    sku: str
    price: str  # raw, incl. VAT; for a variable product the cheapest variation
    tax_class: str
    categories: tuple[int, ...]
    image_id: int
    image: str
    regular_price: str = ""  # set when the product is on sale
    attribute: tuple[str, str] = ("", "")  # (taxonomy, label) of a variable product
    variants: tuple[Variant, ...] = field(default=())

    @property
    def type(self) -> str:
        return "variable" if self.variants else "simple"


PRODUCTS: tuple[Product, ...] = (
    Product(150, "Filterkoffie Huismelange 500 g", "KOF-HUIS-500", "8.95", "reduced-rate", (15,), 401, "filterkoffie.jpg"),
    Product(152, "Stroopwafels in blik", "SNOEP-STROOP", "6.50", "reduced-rate", (21,), 403, "stroopwafels.jpg"),
    Product(160, "Theepot Delfts blauw", "POT-DB-01", "34.95", "", (17,), 404, "theepot.jpg"),
    Product(165, "Espressokopjes set van 4", "KOP-ESP-4", "19.95", "", (17,), 406, "kopjes.jpg"),
    Product(170, "Koffiemolen handmatig", "MOLEN-HAND", "45", "", (20,), 407, "molen.jpg"),
    Product(175, "Tijdschrift Koffie & Co", "TIJD-KC", "7.50", "reduced-rate", (18,), 408, "tijdschrift.jpg"),
    Product(180, "Cadeaubon 25 euro", "BON-25", "25", "zero-rate", (22,), 409, "bon25.jpg"),
    Product(182, "Cadeaubon 50 euro", "BON-50", "50", "zero-rate", (22,), 410, "bon50.jpg"),
    Product(188, "Espressobonen 1 kg", "ESP-1KG", "24.20", "", (15,), 402, "2024/02/espresso-1kg.jpg"),
    Product(190, "Thee assortiment", "THEE-ASS", "10.90", "reduced-rate", (16,), 405, "2024/02/thee.jpg"),
    Product(210, "Koffiemok Delfts blauw", "MOK-DB-01", "24.20", "", (17,), 311, "2024/01/mok-delfts.jpg"),
    Product(245, "Kookboek Hollandse pot", "BOEK-HP-NL", "21.80", "reduced-rate", (18,), 318, "2024/01/kookboek.jpg"),
    Product(301, "Wollen sjaal", "SJAAL-WOL-GR", "48.40", "", (19,), 520, "2024/08/sjaal.jpg"),
    Product(
        310,
        "Leren handschoenen",
        "HS-LEER",
        "18.15",
        "",
        (19, 20),
        531,
        "2024/08/handschoen.jpg",
        attribute=("pa_maat", "Maat"),
        variants=(Variant(312, "HS-LEER-M", "M", "18.15"), Variant(313, "HS-LEER-L", "L", "18.15"), Variant(314, "HS-LEER-S", "S", "18.15")),
    ),
    Product(
        320,
        "Wollen muts",
        "MUTS-WOL",
        "17.95",
        "",
        (19,),
        532,
        "muts.jpg",
        regular_price="19.95",
        attribute=("pa_kleur", "Kleur"),
        variants=(Variant(321, "MUTS-WOL-GRIJS", "Grijs", "19.95"), Variant(322, "MUTS-WOL-BLAUW", "Blauw", "17.95", regular_price="19.95")),
    ),
    Product(
        330,
        "T-shirt Koffieliefhebber",
        "TS-KOF",
        "24.95",
        "",
        (19,),
        533,
        "tshirt.jpg",
        attribute=("pa_maat", "Maat"),
        variants=tuple(Variant(331 + n, f"TS-KOF-{size}", size, "24.95") for n, size in enumerate("S M L XL".split())),
    ),
    Product(340, "Kookboek Indische keuken", "BOEK-INDO", "29.95", "reduced-rate", (18,), 534, "indisch.jpg"),
    Product(342, "Thee proefpakket", "THEE-PROEF", "12.5", "reduced-rate", (16,), 535, "proefpakket.jpg"),
    Product(344, "Waterkoker retro", "KOKER-RETRO", "59", "", (20,), 536, "waterkoker.jpg"),
)
BY_ID = {p.id: p for p in PRODUCTS}
CREATED = datetime(2023, 11, 6, 10, 0)


@dataclass(frozen=True)
class Catalog:
    """What the products endpoints serve: products, variations per product, categories."""

    products: list[dict[str, Any]]
    variations: dict[int, list[dict[str, Any]]]
    categories: list[dict[str, Any]]


def demo_catalog(store: Store = DEFAULT_STORE) -> Catalog:
    products = [product_json(p, n, store) for n, p in enumerate(PRODUCTS)]
    variations = {p.id: [variation_json(p, v, store) for v in p.variants] for p in PRODUCTS if p.variants}
    counts = {c: sum(c in p.categories for p in PRODUCTS) for c in CATEGORIES}
    categories = [category_json(c, name, counts[c], store) for c, name in CATEGORIES.items()]
    return Catalog(products, variations, categories)


def _dates(order: int, store: Store) -> dict[str, str | None]:
    created = CREATED.replace(day=6 + order % 20)
    return {
        "date_created": local_date(created),
        "date_created_gmt": gmt_date(created, store),
        "date_modified": local_date(created),
        "date_modified_gmt": gmt_date(created, store),
    }


def product_json(p: Product, order: int, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    """A product as GET /wc/v3/products/{id} returns it (the fields a sync reads, and more)."""
    base = f"{store.url}/wp-json/wc/v3"
    slug = p.name.lower().replace(" ", "-").replace("&", "en")
    on_sale = bool(p.regular_price and p.regular_price != p.price)
    return {
        "id": p.id,
        "name": p.name,
        "slug": slug,
        "permalink": f"{store.url}/product/{slug}/",
        **{k: v for k, v in _dates(order, store).items() if not k.endswith("_gmt")},
        "type": p.type,
        "status": "publish",
        "featured": False,
        "catalog_visibility": "visible",
        "description": f"<p>{p.name}</p>",
        "short_description": "",
        "sku": p.sku,
        "price": p.price,
        "regular_price": "" if p.variants else (p.regular_price or p.price),
        "sale_price": p.price if on_sale and not p.variants else "",
        "on_sale": on_sale,
        "purchasable": True,
        "total_sales": 0,
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": p.tax_class,
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock",
        "backorders": "no",
        "sold_individually": False,
        "weight": "",
        "shipping_required": True,
        "shipping_taxable": True,
        "parent_id": 0,
        "categories": [{"id": c, "name": CATEGORIES[c], "slug": CATEGORIES[c].lower()} for c in p.categories],
        "tags": [],
        "images": [{"id": p.image_id, "src": f"{IMG}/{p.image}", "name": p.name, "alt": ""}],
        "attributes": [
            {
                "id": 0,
                "name": p.attribute[1],
                "slug": p.attribute[0],
                "position": 0,
                "visible": True,
                "variation": True,
                "options": [v.option for v in p.variants],
            }
        ]
        if p.variants
        else [],
        "variations": [v.id for v in p.variants],
        "menu_order": 0,
        "meta_data": [],
        **{k: v for k, v in _dates(order, store).items() if k.endswith("_gmt")},
        "_links": {"self": [{"href": f"{base}/products/{p.id}"}], "collection": [{"href": f"{base}/products"}]},
    }


def variation_json(p: Product, v: Variant, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    """A variation as GET /wc/v3/products/{id}/variations/{vid} returns it."""
    base = f"{store.url}/wp-json/wc/v3/products/{p.id}"
    on_sale = bool(v.regular_price and v.regular_price != v.price)
    return {
        "id": v.id,
        **_dates(v.id % 20, store),
        "description": "",
        "permalink": f"{store.url}/product/{p.id}/?attribute_{p.attribute[0]}={v.option.lower()}",
        "sku": v.sku,
        "price": v.price,
        "regular_price": v.regular_price or v.price,
        "sale_price": v.price if on_sale else "",
        "on_sale": on_sale,
        "status": "publish",
        "purchasable": True,
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": "parent",
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock",
        "weight": "",
        "image": {"id": p.image_id, "src": f"{IMG}/{p.image}"},
        "attributes": [{"id": 0, "name": p.attribute[1], "option": v.option}],
        "menu_order": 0,
        "meta_data": [],
        "_links": {"self": [{"href": f"{base}/variations/{v.id}"}], "collection": [{"href": f"{base}/variations"}], "up": [{"href": base}]},
    }


def category_json(cat_id: int, name: str, count: int, store: Store = DEFAULT_STORE) -> dict[str, Any]:
    base = f"{store.url}/wp-json/wc/v3/products/categories"
    return {
        "id": cat_id,
        "name": name,
        "slug": name.lower(),
        "parent": 0,
        "description": "",
        "display": "default",
        "image": None,
        "menu_order": 0,
        "count": count,
        "_links": {"self": [{"href": f"{base}/{cat_id}"}], "collection": [{"href": base}]},
    }
