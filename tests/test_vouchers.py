"""Gift cards and deposits (issue 22 #7), through the CLI against the sandbox.

The law: Directive 2006/112/EC art. 30a-30b and 73a (as amended by Directive (EU) 2016/1065; NL:
art. 2a Wet OB, Besluit BLKB 2018-217731). A multi-purpose voucher (MPV) is not a supply when
sold: the money is a liability, outside the VAT return (nl-default: GL 1610 "Uitstaande
cadeaubonnen" on code 5 "Geen BTW"); VAT falls due on the goods handed over against it, so a
redemption leaves the goods' VAT as it is and takes its amount off the liability. A
single-purpose voucher (SPV) is taxed when sold: revenue at its rate. How the plugins show them:
reference vat-edge-cases.md 4.2 (WooCommerce Gift Cards: line meta `wc_gc_giftcard_*`, the REST
order's `gift_cards[]`, `total` lowered, line taxes untouched; YITH: order meta
`_ywgc_applied_gift_cards`). A deposit (statiegeld) fee of woocommerce-statiegeld
(`add_fee('Totaal statiegeld', $total, false)`) stays outside the VAT base (art. 92; NL practice
[U]): code 5 on 1620 "Ontvangen statiegeld"."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

from runner.sandbox.woo.carts import Address, Cart, Fee, ProductLine, RefundItem
from runner.sandbox.woo.orders import build_order
from tests.test_b2b import booked, lines_of

BUYER = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")
BAG = ProductLine(301, "Tas", D("60.50"), 1, sku="TAS")  # 60.50 incl. 21 %: 50.00 + 10.50 (60.50 x 21/121)
CARD = ProductLine(900, "Cadeaubon 50 euro", D("50.00"), 1, sku="GC-50", taxable=False)  # tax status none: an MPV
WORKSHOP = ProductLine(901, "Cadeaubon koffieworkshop", D("24.20"), 1, sku="GC-WS")  # taxed 21 %: an SPV, 20.00 + 4.20
CARD_META = [("wc_gc_giftcard_to", "noor@example.nl"), ("wc_gc_giftcard_from", "Iris"), ("wc_gc_giftcard_amount", "50")]


def order_of(number: int, *lines: ProductLine, fees=(), cards: tuple[int, ...] = ()) -> dict:
    when = datetime.now().replace(microsecond=0) - timedelta(days=3)
    cart = Cart(id=number, lines=lines, billing=BUYER, created=when, paid=when, completed=when, status="completed", fees=tuple(fees))
    order = build_order(cart)
    for line in order["line_items"]:
        if line["product_id"] in cards:  # the official plugin's line meta (WC_GC_Gift_Card_Product)
            line["meta_data"] += [{"id": line["id"] * 10 + n, "key": k, "value": v} for n, (k, v) in enumerate(CARD_META)]
    return order


def test_a_gift_card_sold_is_a_liability_outside_the_vat_return_and_a_taxed_one_revenue(sync_box):
    box = sync_box(orders=0)
    order = order_of(7701, CARD, WORKSHOP, BAG, cards=(900, 901))
    assert order["total"] == "134.70"  # 50.00 + 24.20 + 60.50
    box.woo.add_order(order)
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    assert lines_of(box, booked(box, "7701")) == {
        ("1610", "5"): (D("50.00"), D("0.00")),  # the MPV: no VAT, no box (was 8020 code 0: box 1e)
        ("8000", "2"): (D("70.00"), D("14.70")),  # the SPV 20.00 + 4.20 and the bag 50.00 + 10.50, at 21 %
    }


def test_a_gift_card_redeemed_leaves_the_goods_vat_and_settles_the_liability(sync_box):
    box = sync_box(orders=0)
    order = order_of(7702, BAG)
    # the official plugin: 25.00 of card ABCD-... paid; order.total lowered by it, taxes untouched
    order.update(total="35.50", gift_cards=[{"id": 12, "code": "ABCD-EFGH-IJKL-MNOP", "amount": "25.00"}])
    box.woo.add_order(order)
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    doc = booked(box, "7702")
    assert lines_of(box, doc) == {("8000", "2"): (D("50.00"), D("10.50")), ("1610", "5"): (D("-25.00"), D("0.00"))}
    assert D(str(doc["AmountFC"])) == D("35.50")  # the receivable: what the customer paid besides the card


def test_a_yith_gift_card_redeemed_is_read_from_its_order_meta(sync_box):
    box = sync_box(orders=0)
    order = order_of(7703, BAG)
    order["meta_data"].append({"id": 1, "key": "_ywgc_applied_gift_cards", "value": {"YITH-0001": "10.00"}})
    order["total"] = "50.50"  # 60.50 - 10.00
    box.woo.add_order(order)
    assert box.run("run").exit_code == 0
    assert lines_of(box, booked(box, "7703")) == {("8000", "2"): (D("50.00"), D("10.50")), ("1610", "5"): (D("-10.00"), D("0.00"))}


def test_a_gift_card_refunded_comes_off_the_liability(sync_box):
    box = sync_box(orders=0)
    box.woo.add_order(order_of(7704, CARD, cards=(900,)))
    assert box.run("run").exit_code == 0
    card_line = box.woo.orders[7704]["line_items"][0]["id"]
    refund = box.woo.add_refund(7704, [RefundItem(card_line, 1)])
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    assert lines_of(box, booked(box, f"7704/{refund['id']}")) == {("1610", "5"): (D("-50.00"), D("0.00"))}


def test_a_deposit_fee_is_outside_the_vat_base(sync_box):
    box = sync_box(orders=0)
    # woocommerce-statiegeld: one untaxed cart fee "Totaal statiegeld" (6 bottles of 0.10)
    box.woo.add_order(order_of(7705, BAG, fees=(Fee("Totaal statiegeld", D("0.60"), taxable=False),)))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    assert lines_of(box, booked(box, "7705")) == {("8000", "2"): (D("50.00"), D("10.50")), ("1620", "5"): (D("0.60"), D("0.00"))}


# ---- PW WooCommerce Gift Cards redemptions (issue 22, the review's point b) ----------------------
# PW Gift Cards keeps a redemption as an order item of its own type (`pw_gift_card`, props
# `card_number`, `amount`) and lowers `order.total` by it (pw-gift-cards-redeeming.php,
# woocommerce_order_after_calculate_totals); core REST serialises no such item, so the REST
# order shows only a total below its lines (reference vat-edge-cases.md 4.2: "Detect as
# sum(lines + shipping + fees + taxes) - total > 0"). Its cards are multi-purpose (sold without
# VAT, PWGC_PURCHASE_TAX_STATUS 'none': "Taxed when used"): a redemption is a payment, not a
# discount; the goods keep their VAT.


def pw_redeemed(number: int) -> dict:
    order = order_of(number, BAG, ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1, tax_class="reduced-rate"))
    assert (order["total"], order["total_tax"]) == ("84.70", "12.50")  # 50.00 + 10.50 and 22.20 + 2.00 (24.20 x 9/109)
    order["total"] = "59.70"  # 25.00 paid with a PW card: the total lowered, the lines and taxes untouched
    return order


def test_a_pw_gift_card_redemption_is_a_payment_off_the_liability_not_a_discount(sync_box):
    box = sync_box(orders=0, extra="booking:\n  pw_gift_cards: true\n")
    box.woo.add_order(pw_redeemed(7711))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    assert lines_of(box, booked(box, "7711")) == {
        ("8000", "2"): (D("50.00"), D("10.50")),  # the VAT of the goods stays: 10.50 and 2.00, no reduction
        ("8010", "1"): (D("22.20"), D("2.00")),
        ("1610", "5"): (D("-25.00"), D("0.00")),  # the card's 25.00 off the liability, no VAT, no box
    }  # the receivable: 84.70 - 25.00 = 59.70, what the customer paid besides the card


def test_an_order_below_its_lines_without_pw_gift_cards_fails_and_names_the_setting(sync_box):
    box = sync_box(orders=0)
    box.woo.add_order(pw_redeemed(7712))
    result = box.run("run")
    assert result.exit_code == 1 and "WooCommerce says 59.70" in result.output, result.output
    assert "booking.pw_gift_cards" in result.output  # a shop on PW Gift Cards: what to set
    assert not [d for d in box.documents() if d["YourRef"] == "7712"]
