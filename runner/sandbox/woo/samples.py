"""The cart descriptions behind the reference samples (shared/reference/woo-sample-*.json):
orders 4101, 4120, 4140 and refund 4150. `build_order` must turn them into the sample
JSON exactly; the fidelity tests and the demo data both start from here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

from runner.sandbox.woo.carts import (
    Address,
    Attribute,
    Cart,
    Coupon,
    Fee,
    ProductLine,
    RefundItem,
    RefundRequest,
    Shipping,
)

IMG = "https://winkel.example.nl/wp-content/uploads"
POSTNL = Shipping("PostNL", "flat_rate", "3", D("5.00"))
FREE = Shipping("Gratis verzending", "free_shipping", "5", D("0"))

JAN = Address("Jan", "de Vries", "", "Prinsengracht 263", "", "Amsterdam", "", "1016 GV", "NL", "Jan.deVries@Example.NL", "+31 6 12345678")
SANNE = Address(
    "Sanne", "Bakker", "Koffiebar De Boon B.V.", "Oudegracht 112", "", "Utrecht", "", "3511 AX", "NL", "inkoop@deboon.example.nl", "030 123 4567"
)
PIETER = Address("Pieter", "Jansen", "", "Vismarkt 7", "", "Groningen", "", "9712 CB", "NL", "p.jansen@example.org", "06 98765432")

ORDER_4101 = Cart(
    id=4101,
    status="processing",
    version="8.6.1",
    prices_include_tax=True,
    created=datetime(2024, 3, 12, 14, 5, 31),
    paid=datetime(2024, 3, 12, 14, 6, 2),
    modified=datetime(2024, 3, 12, 14, 6, 5),
    billing=JAN,
    lines=(
        ProductLine(
            210,
            "Koffiemok Delfts blauw",
            D("24.20"),
            2,
            "",
            "MOK-DB-01",
            categories=("Servies",),
            image_id=311,
            image_src=f"{IMG}/2024/01/mok-delfts.jpg",
        ),
        ProductLine(
            245,
            "Kookboek Hollandse pot",
            D("21.80"),
            1,
            "reduced-rate",
            "BOEK-HP-NL",
            categories=("Boeken",),
            image_id=318,
            image_src=f"{IMG}/2024/01/kookboek.jpg",
        ),
    ),
    coupons=(Coupon("welkom10", "percent", D("10"), id=412),),
    shipping=(POSTNL,),
    payment_method="mollie_wc_gateway_ideal",
    payment_method_title="iDEAL",
    transaction_id="tr_WDqYK6vllg",
    customer_ip_address="203.0.113.24",
    customer_user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    customer_note="Graag bij de buren afgeven als ik niet thuis ben.",
    order_key="wc_order_Xk3pL9qRt2mZa",
    cart_hash="3f5e8c1d9a7b4e2f6c0d1a2b3c4d5e6f",
    meta=(("_mollie_payment_id", "tr_WDqYK6vllg"),),
    meta_id_start=51001,
    item_meta_id_start=9001,
)

ORDER_4120 = Cart(
    id=4120,
    status="completed",
    version="8.6.1",
    prices_include_tax=False,
    customer_id=57,
    created=datetime(2024, 6, 3, 9, 12, 44),
    paid=datetime(2024, 6, 4, 10, 30),
    completed=datetime(2024, 6, 4, 15, 45, 10),
    modified=datetime(2024, 6, 4, 15, 45, 10),
    billing=SANNE,
    shipping_address=Address(
        SANNE.first_name, SANNE.last_name, SANNE.company, SANNE.address_1, "", SANNE.city, "", SANNE.postcode, "NL", None, SANNE.phone
    ),
    lines=(
        ProductLine(
            188, "Espressobonen 1 kg", D("20"), 3, "", "ESP-1KG", categories=("Koffie",), image_id=402, image_src=f"{IMG}/2024/02/espresso-1kg.jpg"
        ),
        ProductLine(
            190, "Thee assortiment", D("10"), 2, "reduced-rate", "THEE-ASS", categories=("Thee",), image_id=405, image_src=f"{IMG}/2024/02/thee.jpg"
        ),
    ),
    fees=(Fee("Staffelkorting 10%", D("-8")),),
    shipping=(FREE,),
    payment_method="bacs",
    payment_method_title="Directe bankoverschrijving",
    customer_ip_address="198.51.100.7",
    customer_user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    order_key="wc_order_pQ7wE2rT9yU1i",
    cart_hash="9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
    meta=(("btw_nummer", "NL123456789B01"),),
    meta_id_start=51101,
    item_meta_id_start=9011,
)

ORDER_4140 = Cart(
    id=4140,
    status="completed",
    version="9.3.3",
    prices_include_tax=True,
    customer_id=63,
    created=datetime(2024, 9, 14, 20, 41, 9),
    paid=datetime(2024, 9, 14, 20, 41, 40),
    completed=datetime(2024, 9, 16, 8, 15),
    modified=datetime(2024, 9, 20, 11, 2, 17),
    billing=PIETER,
    lines=(
        ProductLine(
            301, "Wollen sjaal", D("48.40"), 1, "", "SJAAL-WOL-GR", categories=("Kleding",), image_id=520, image_src=f"{IMG}/2024/08/sjaal.jpg"
        ),
        ProductLine(
            310,
            "Leren handschoenen - M",
            D("18.15"),
            2,
            "",
            "HS-LEER-M",
            variation_id=312,
            parent_name="Leren handschoenen",
            attributes=(Attribute("pa_maat", "m", "Maat", "M"),),
            categories=("Kleding", "Accessoires"),
            image_id=531,
            image_src=f"{IMG}/2024/08/handschoen.jpg",
        ),
    ),
    shipping=(POSTNL,),
    payment_method="stripe",
    payment_method_title="Creditcard (Stripe)",
    transaction_id="pi_3PzXaB2eZvKYlo2C1gHhK9Qd",
    customer_ip_address="192.0.2.55",
    customer_user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    order_key="wc_order_Lm4Nb8Vc1Xz6a",
    cart_hash="0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    meta=(("_stripe_charge_captured", "yes"),),
    meta_id_start=51201,
    item_meta_id_start=9101,
)

REFUND_4150 = RefundRequest(
    id=4150,
    created=datetime(2024, 9, 20, 11, 2, 15),
    items=(RefundItem(4142, quantity=1),),
    reason="Retour: verkeerde maat",
    meta_id_start=9151,
)
REFUND_4150_SAVED = datetime(2024, 9, 20, 11, 2, 17)  # the order's date_modified after the refund

SAMPLE_CARTS = (ORDER_4101, ORDER_4120, ORDER_4140)
