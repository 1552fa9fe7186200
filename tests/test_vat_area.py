"""Places outside the EU VAT area (issue 22 #6): exports, though in a member state. The law:
Directive 2006/112/EC art. 6(1) (Mount Athos, the Canary Islands, the French territories of art.
349 TFEU, Aaland) and 6(2) (Heligoland, Buesingen, Ceuta, Melilla, Livigno, Campione d'Italia)
are outside the VAT area; art. 7: Monaco is France. Northern Ireland is in the EU's VAT area for
goods (Windsor Framework). How an address shows them: reference vat-edge-cases.md 3.2 (the
postcode lists of vendidero's EU tax helper and German Market). A supply of goods there is an
export: 0 %, Exact code 6 "Export buiten EU" (box 3a) on 8040 "Omzet export" in the preset."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.domain.vat_area import vat_area
from runner.sandbox.woo.carts import Address, Cart, ProductLine
from runner.sandbox.woo.orders import build_order
from tests.test_b2b import booked, lines_of


def address(country: str, state: str = "", postcode: str = "", city: str = "") -> dict:
    return {"billing": {"country": country, "state": state, "postcode": postcode, "city": city}, "shipping": {}}


@pytest.mark.parametrize(
    ("country", "state", "postcode", "city", "area"),
    [
        ("ES", "GC", "35001", "Las Palmas de Gran Canaria", "export"),  # Canary Islands, Las Palmas (WC states.php GC)
        ("ES", "TF", "38001", "Santa Cruz de Tenerife", "export"),  # Canary Islands, Tenerife
        ("ES", "", "38 400", "Puerto de la Cruz", "export"),  # by postcode alone, blank inside
        ("ES", "CE", "51001", "Ceuta", "export"),
        ("ES", "ML", "52001", "Melilla", "export"),
        ("ES", "PM", "07001", "Palma", "eu"),  # the Balearics are inside
        ("FI", "", "22100", "Mariehamn", "export"),  # Aaland as FI + 22xxx
        ("AX", "", "22100", "Mariehamn", "export"),  # Aaland as its own country
        ("FR", "", "97200", "Fort-de-France", "export"),  # Martinique as FR + 972
        ("FR", "", "97400", "Saint-Denis", "export"),  # Réunion
        ("GP", "", "97100", "Basse-Terre", "export"),  # Guadeloupe as its own country
        ("FR", "", "75001", "Paris", "eu"),
        ("MC", "", "98000", "Monaco", "eu"),  # art. 7: as France
        ("DE", "", "78266", "Büsingen am Hochrhein", "export"),
        ("DE", "", "27498", "Helgoland", "export"),
        ("DE", "", "10115", "Berlin", "eu"),
        ("GR", "", "63086", "Karyes", "export"),  # Mount Athos
        ("IT", "SO", "23041", "Livigno", "export"),
        ("IT", "SO", "23030", "Livigno", "export"),  # the old shared CAP, with the town's name
        ("IT", "SO", "23030", "Valdisotto", "eu"),  # the old shared CAP of another Valtellina town: inside
        ("IT", "CO", "22061", "Campione d'Italia", "export"),
        ("PT", "", "9000-001", "Funchal", "eu"),  # Madeira is inside
        ("GB", "", "BT1 5GS", "Belfast", "eu"),  # Northern Ireland: EU rules for goods
        ("GB", "", "SW1A 1AA", "London", "export"),
        ("IM", "", "IM1 1AA", "Douglas", "export"),
        ("NL", "", "2611 AA", "Delft", "domestic"),
        ("", "", "", "", "domestic"),
    ],
)
def test_the_vat_area_of_an_address(country, state, postcode, city, area):
    assert vat_area(address(country, state, postcode, city), "NL") == area


def test_the_shipping_address_decides_for_goods():
    order = {"billing": {"country": "ES", "postcode": "28001"}, "shipping": {"country": "ES", "state": "TF", "postcode": "38001"}}
    assert vat_area(order) == "export"


GRAN_CANARIA = Address("Lucía", "Santana", "", "Calle Mayor 1", "", "Las Palmas de Gran Canaria", "GC", "35001", "ES", "lucia@example.es")
CUP = ProductLine(210, "Koffiemok Delfts blauw", D("18.00"), 2, sku="MOK-DB-01")


def canary_order(number: int) -> dict:
    """A consumer on Gran Canaria: the shop's rates (NL, and OSS rates for DE, BE, FR) have none
    for ES, so WooCommerce charged no tax, and took the base (NL) 21 % out of the prices that
    include it (woocommerce_adjust_non_base_location_prices, on by default): 2 x 18.00 / 1.21 =
    29.752 -> 29.75."""
    when = datetime.now().replace(microsecond=0) - timedelta(days=3)
    cart = Cart(id=number, lines=(CUP,), billing=GRAN_CANARIA, created=when, paid=when, completed=when, status="completed")
    return build_order(cart)


def test_a_consumer_on_gran_canaria_is_an_export_not_domestic_zero_rate_nor_spanish_vat(sync_box):
    box = sync_box(orders=0)
    order = canary_order(7601)
    assert order["total"] == "29.75" and order["total_tax"] == "0.00"
    box.woo.add_order(order)
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    # art. 6(1)(b): export, code 6 on 8040, 29.75 without VAT; not code 0 on 8020 (box 1e)
    assert lines_of(box, booked(box, "7601")) == {("8040", "6"): (D("29.75"), D("0.00"))}
    assert "OSS" not in result.output and "owes ES VAT" not in result.output


def test_templates_see_the_vat_area(sync_box):
    box = sync_box(orders=0, extra='booking:\n  description: "WooCommerce order {{ order.number }} ({{ order.vat_area }})"\n')
    assert box.run("validate").exit_code == 0
    box.woo.add_order(canary_order(7602))
    assert box.run("run").exit_code == 0
    assert booked(box, "7602")["Description"].startswith("WooCommerce order 7602 (export)")
