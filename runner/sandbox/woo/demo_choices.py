"""What the demo history draws from: shipping methods, coupons, payment gateways, Dutch
consumers (guests, registered, repeat buyers who type their e-mail freely), foreign and
business customers, and cart lines from the catalogue at consumer or wholesale prices."""

from __future__ import annotations

import random
from decimal import Decimal

from runner.sandbox.woo.carts import Address, Attribute, Coupon, ProductLine, Shipping
from runner.sandbox.woo.catalog import CATEGORIES, IMG, PRODUCTS, Product
from runner.sandbox.woo.maths import CENT, round_half_up

D = Decimal


POSTNL = Shipping("PostNL", "flat_rate", "3", D("5.00"))
DHL = Shipping("DHL Parcel", "flat_rate", "4", D("4.95"))
FREE = Shipping("Gratis verzending", "free_shipping", "5", D("0"))
PICKUP = Shipping("Afhalen in de winkel", "local_pickup", "6", D("0"))
ABROAD = Shipping("PostNL internationaal", "flat_rate", "7", D("12.50"))
EXPRESS = Shipping("DHL Express wereldwijd", "flat_rate", "8", D("24.95"))
COUPONS = (
    Coupon("welkom10", "percent", D("10"), 412),
    Coupon("zomer15", "percent", D("15"), 415),
    Coupon("vijfeuro", "fixed_cart", D("5"), 420),
    Coupon("mok2", "fixed_product", D("2"), 425, product_ids=(210, 165, 160)),
)
FREE_COUPON = Coupon("gratis100", "percent", D("100"), 430, free_shipping=True)
PAY = {
    "ideal": ("mollie_wc_gateway_ideal", "iDEAL"),
    "card": ("stripe", "Creditcard (Stripe)"),
    "paypal": ("ppcp-gateway", "PayPal"),
    "bacs": ("bacs", "Directe bankoverschrijving"),
    "klarna": ("klarna_payments", "Achteraf betalen (Klarna)"),
}
FIRST = "Anna Bram Daan Emma Fleur Joris Lotte Milan Noor Ruben Sara Thijs Vera Wouter Yara Luuk".split()
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
CITIES = [
    ("Amsterdam", "1012 AB"),
    ("Rotterdam", "3011 CD"),
    ("Utrecht", "3512 EF"),
    ("Den Haag", "2511 GH"),
    ("Eindhoven", "5611 JK"),
    ("Groningen", "9711 LM"),
    ("Haarlem", "2011 NP"),
    ("Zwolle", "8011 RS"),
]
STREETS = ["Dorpsstraat", "Kerkstraat", "Molenweg", "Stationsplein", "Julianalaan", "Beukenlaan"]
FOREIGN = {
    "eu_business": [
        Address(
            "Pieter", "Claes", "Brouwerij De Klok BV", "Grote Markt 3", "", "Gent", "", "9000", "BE", "inkoop@declok.example.be", "+32 9 123 45 67"
        ),
        Address(
            "Jonas",
            "Weber",
            "Kaffeehaus Weber GmbH",
            "Hauptstr. 12",
            "",
            "Köln",
            "",
            "50667",
            "DE",
            "Einkauf@Kaffeehaus-Weber.example.de",
            "+49 221 123456",
        ),
    ],
    "export": [
        Address("Emily", "Johnson", "", "221 Oak Street", "", "Portland", "OR", "97201", "US", "emily.johnson@example.com", "+1 503 555 0100"),
        Address("Ola", "Nordmann", "", "Karl Johans gate 5", "", "Oslo", "", "0154", "NO", "ola@example.no", ""),
    ],
    "oss": [Address("Lena", "Schmidt", "", "Torstraße 101", "", "Berlin", "", "10119", "DE", "Lena.Schmidt@example.de", "")],
}
VAT_NUMBERS = {"BE": "BE0123456749", "DE": "DE123456789"}
BUSINESS_IDS = {"BE": 41, "DE": 42}


class Customers:
    """Registered customers (ids from 2) and guests; repeat buyers type their e-mail freely."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.known: list[tuple[int, Address]] = []

    def consumer(self, force_repeat: bool = False) -> tuple[int, Address]:
        rng = self.rng
        if self.known and (force_repeat or rng.random() < 0.35):
            customer_id, address = rng.choice(self.known)
            return customer_id, _replace_email(address, _vary_case(address.email or "", rng, force_repeat))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, postcode = rng.choice(CITIES)
        email = f"{first}.{last.replace(' ', '')}{rng.randint(1, 99)}@example.nl"
        address = Address(
            first,
            last,
            "",
            f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            "",
            city,
            "",
            postcode,
            "NL",
            email if rng.random() < 0.5 else email.lower(),
            f"06 {rng.randint(10000000, 99999999)}",
        )
        customer_id = len(self.known) + 2 if rng.random() < 0.6 else 0
        self.known.append((customer_id, address))
        return customer_id, address


def _vary_case(email: str, rng: random.Random, force: bool) -> str:
    variants = [email.lower(), email.title(), email.upper(), email[0].upper() + email[1:]]
    different = [v for v in variants if v != email]
    return rng.choice(different) if force or rng.random() < 0.5 else email


def _replace_email(a: Address, email: str) -> Address:
    return Address(a.first_name, a.last_name, a.company, a.address_1, a.address_2, a.city, a.state, a.postcode, a.country, email, a.phone)


def cart_lines(rng: random.Random, count: int, net: bool, exclude_zero_rate: bool = False) -> tuple[ProductLine, ...]:
    pool = [p for p in PRODUCTS if not (exclude_zero_rate and p.tax_class == "zero-rate")]
    chosen = rng.sample(pool, count)
    return tuple(_line(p, rng, net) for p in chosen)


def _line(p: Product, rng: random.Random, net: bool) -> ProductLine:
    """A cart line for a catalogue product; wholesale (net) prices are the gross ones less VAT."""
    quantity = rng.choice((1, 1, 1, 2, 2, 3))
    name, sku, price, variation, attributes, parent = p.name, p.sku, p.price, 0, (), None
    if p.variants:
        v = rng.choice(p.variants)
        name, sku, price, variation, parent = f"{p.name} - {v.option}", v.sku, v.price, v.id, p.name
        attributes = (Attribute(p.attribute[0], v.option.lower(), p.attribute[1], v.option),)
    gross = D(price)
    if net:
        rate = {"": D("1.21"), "reduced-rate": D("1.09")}.get(p.tax_class, D(1))
        gross = round_half_up(gross / rate, CENT)
    return ProductLine(
        p.id,
        name,
        gross,
        quantity,
        p.tax_class,
        sku,
        variation,
        parent,
        attributes,
        tuple(CATEGORIES[c] for c in p.categories),
        True,
        p.image_id,
        f"{IMG}/{p.image}",
    )
