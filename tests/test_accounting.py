"""Accounting to the cent on the orders shops really produce (issue 11): each case built by
the sandbox's WooCommerce maths, booked by the spec's rules, on both targets where it
applies, and checked as an accountant would."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.adapters.exact.payloads import Ids, document_payload, payment_payload
from runner.adapters.woo.rest import WooRefund, parse_order, parse_refund
from runner.domain.booking import Booker
from runner.errors import BookingError
from runner.pipeline import due
from runner.sandbox.woo.carts import DEFAULT_STORE, Address, Cart, Fee, ProductLine, RefundItem, RefundRequest, Shipping
from runner.sandbox.woo.orders import before_3_7, build_order
from runner.sandbox.woo.refunds import after_rate_recreated, refund_order
from runner.spec import check as spec_module
from tests.conftest import write_spec
from tests.robust import documents_by_ref

WHEN = datetime(2026, 3, 2, 10, 0)
BUYER = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")
BAG = ProductLine(301, "Tas", D("50.00"), 1)
BEANS = ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1, tax_class="reduced-rate")


@pytest.fixture(params=["sales_entry", "sales_invoice"])
def booker(request, tmp_path) -> Booker:
    return Booker(spec_module.load(write_spec(tmp_path, f"booking:\n  target: {request.param}\n"), environ={}))


@pytest.fixture
def entry_booker(tmp_path) -> Booker:
    return Booker(spec_module.load(write_spec(tmp_path), environ={}))


def order_of(*lines, fees=(), number=7001) -> dict:
    return build_order(Cart(id=number, lines=tuple(lines), billing=BUYER, created=WHEN, fees=tuple(fees)))


def refund(order: dict, refund_id: int, items=(), amount=None) -> tuple[dict, dict]:
    return refund_order(order, RefundRequest(refund_id, WHEN, tuple(items), D(amount) if amount is not None else None))


def test_a_refunded_fee_goes_to_the_fee_account_and_a_refunded_cart_discount_to_the_discount_account(booker):
    order = order_of(BAG, fees=(Fee("Cadeauverpakking", D("2.00")), Fee("Staffelkorting", D("-5.00"))))
    fee, discount = order["fee_lines"]
    bag = order["line_items"][0]
    _, back = refund(order, 9001, [RefundItem(bag["id"], 1), RefundItem(fee["id"]), RefundItem(discount["id"])])
    doc = booker.book_refund(parse_order(order), parse_refund(back, parse_order(order)))
    by_kind = {(line.kind, line.gl_account) for line in doc.lines if line.net}
    assert ("fee", "8060") in by_kind and ("discount", "8070") in by_kind
    assert all(line.net < 0 for line in doc.lines if line.kind == "fee") and all(line.net > 0 for line in doc.lines if line.kind == "discount")


def test_refunds_beyond_the_sale_fail_that_refund_with_a_message(booker):
    order = order_of(ProductLine(301, "Tas", D("30.25"), 1))
    _, first = refund(order, 9001, amount="20.00")
    second = {**copy.deepcopy(first), "id": 9002}  # WooCommerce's own screen refuses it; a plugin's refund did not
    parsed = parse_order(order)
    assert due.credit(booker, parsed, WooRefund(first), []).document.total == D("-20.00")
    with pytest.raises(BookingError, match=r"refund 9002 of order 7001: the refunds add up to 40.00, more than the order's total 30.25"):
        due.credit(booker, parsed, WooRefund(second), [WooRefund(first)])


def test_a_refund_of_more_of_a_line_than_was_sold_fails(booker):
    order = order_of(ProductLine(301, "Tas", D("10.00"), 2), BAG)
    line = order["line_items"][0]["id"]
    after_first, first = refund(order, 9001, [RefundItem(line, 2)])
    more = copy.deepcopy(first)
    more["id"] = 9002
    # within the order's total, but the same two bags are refunded again
    with pytest.raises(BookingError, match="4 of line .* refunded, but 2 were sold"):
        due.credit(booker, parse_order(after_first), WooRefund(more), [WooRefund(first)])


def test_a_zero_vat_amount_is_sent_on_a_line_whose_rate_is_above_zero(entry_booker):
    order = order_of(ProductLine(302, "Etiket", D("0.06"), 1, tax_class="reduced-rate"), BAG)
    doc = entry_booker.book_order(parse_order(order))
    _, payload = document_payload(doc, Ids(customer="c"))
    tiny = next(line for line in payload["SalesEntryLines"] if line["Description"] == "Etiket")
    assert tiny["VATCode"] == "1" and tiny["VATAmountFC"] == "0.00"  # Exact must not compute 0.01 of its own


def test_a_zero_rate_line_sends_no_vat_amount(entry_booker):
    gift = ProductLine(303, "Cadeaubon", D("25.00"), 1, tax_class="zero-rate")
    doc = entry_booker.book_order(parse_order(order_of(gift)))
    _, payload = document_payload(doc, Ids(customer="c"))
    assert "VATAmountFC" not in payload["SalesEntryLines"][0]  # Exact refuses a VAT amount on a 0 % code


def test_a_payment_carries_the_orders_currency(tmp_path):
    booker = Booker(spec_module.load(write_spec(tmp_path, "booking:\n  status: paid\npayments:\n  journal: '20'\n"), environ={}))
    raw = order_of(BAG)
    raw["currency"] = "USD"
    order = parse_order(raw)
    doc = booker.book_order(order)
    _, payload = payment_payload(booker.payment(order, doc), Ids(customer="c"))
    assert payload["Currency"] == "USD" and payload["BankEntryLines"][0]["AmountFC"] == "50.00"


def test_a_refund_takes_its_rate_from_the_orders_tax_lines_not_its_own_snapshot(booker):
    order = order_of(BAG)
    _, back = refund(order, 9001, [RefundItem(order["line_items"][0]["id"], 1)])
    recreated = after_rate_recreated(back, [t["rate_id"] for t in back["tax_lines"]])  # the rate row was made again after the sale
    doc = booker.book_refund(parse_order(order), parse_refund(recreated, parse_order(order)))
    [line] = [line for line in doc.lines if line.kind == "product"]
    assert (line.vat_code, line.percent, line.vat) == ("2", D(21), D("-8.68"))  # not 0 % with VAT on it


def test_a_refund_line_without_taxes_is_booked_at_the_rate_it_was_sold_at_with_a_warning(booker):
    order = order_of(ProductLine(301, "Tas", D("12.10"), 1), BEANS)
    _, back = refund(order, 9001, [RefundItem(order["line_items"][0]["id"], 1)])
    typed = copy.deepcopy(back)  # the admin typed only the line total: no taxes on the refund line
    line = typed["line_items"][0]
    line.update(total="-12.10", subtotal="-12.10", total_tax="0.00", subtotal_tax="0.00", taxes=[])
    typed["tax_lines"] = []
    doc = booker.book_refund(parse_order(order), parse_refund(typed, parse_order(order)))
    [product] = [l for l in doc.lines if l.kind == "product"]
    assert (product.vat_code, product.net, product.vat) == ("2", D("-10.00"), D("-2.10"))  # not 0 % turnover
    assert doc.booked_total == D("-12.10") and any("refunded without VAT" in w for w in doc.warnings)


def subtotal_rounding_order(prices_include_tax: bool) -> dict:
    from dataclasses import replace

    from runner.sandbox.woo.carts import DEFAULT_STORE

    prices = ("14.95", "12.99", "9.99", "17.49", "11.11", "19.95", "13.13", "15.09")
    lines = tuple(ProductLine(300 + n, f"Artikel {n}", D(p), 1) for n, p in enumerate(prices))
    cart = Cart(id=8001, lines=lines, billing=BUYER, created=WHEN, prices_include_tax=prices_include_tax)
    return build_order(cart, replace(DEFAULT_STORE, round_at_subtotal=True))


def test_a_shop_that_rounds_tax_at_subtotal_books_its_vat_and_revenue_without_a_rounding_line(entry_booker):
    order = subtotal_rounding_order(prices_include_tax=True)
    assert (order["total"], order["tax_lines"][0]["tax_total"]) == ("114.70", "19.91")
    doc = entry_booker.book_order(parse_order(order))
    assert [line.kind for line in doc.lines] == ["product"] * 8  # no rounding line
    assert sum(line.vat for line in doc.lines) == D("19.91") and sum(line.net for line in doc.lines) == D("94.79")


def test_a_shop_that_rounds_tax_at_subtotal_with_prices_excluding_vat_keeps_its_net_prices(entry_booker):
    order = subtotal_rounding_order(prices_include_tax=False)
    doc = entry_booker.book_order(parse_order(order))
    assert [line.kind for line in doc.lines] == ["product"] * 8
    assert sum(line.net for line in doc.lines) == sum(D(i["total"]) for i in order["line_items"])
    assert sum(line.vat for line in doc.lines) == D(order["tax_lines"][0]["tax_total"]) and doc.booked_total == D(order["total"])


def discount_lines(doc) -> dict[str, tuple[D, D]]:
    out: dict[str, tuple[D, D]] = {}
    for line in doc.lines:
        if line.kind == "discount":
            net, vat = out.get(line.vat_code, (D(0), D(0)))
            out[line.vat_code] = (net + line.net, vat + line.vat)
    return out


def test_a_cart_discount_is_spread_over_taxed_and_untaxed_goods_as_woocommerce_spreads_it(entry_booker):
    gift_card = ProductLine(304, "Cadeaubon", D("50.00"), 1, taxable=False)
    cart = Cart(id=7002, lines=(BAG, gift_card), billing=BUYER, created=WHEN, fees=(Fee("Staffelkorting", D("-10.00")),), prices_include_tax=False)
    order = build_order(cart)
    assert order["fee_lines"][0]["taxes"][0]["total"].startswith("-1.05")
    doc = entry_booker.book_order(parse_order(order))
    assert discount_lines(doc) == {"2": (D("-5.00"), D("-1.05")), "0": (D("-5.00"), D("0.00"))}
    assert doc.booked_total == D(order["total"]) and not [line for line in doc.lines if line.kind == "rounding"]


def test_fee_taxes_rounded_to_cents_put_no_cent_on_a_code_the_order_has_no_tax_for(entry_booker):
    cart = Cart(
        id=7003, lines=(ProductLine(305, "Mok", D("30.00"), 1), BEANS), billing=BUYER, created=WHEN, fees=(Fee("Staffelkorting", D("-7.37")),)
    )
    order = build_order(cart)
    for tax in order["fee_lines"][0]["taxes"]:  # newer WooCommerce and some plugins store them rounded to cents
        tax["total"] = str(D(tax["total"]).quantize(D("0.01")))
    doc = entry_booker.book_order(parse_order(order))
    spread = discount_lines(doc)
    assert set(spread) == {"2", "1"} and sum(net for net, _ in spread.values()) == D("-7.37")
    assert doc.booked_total == D(order["total"])


@pytest.fixture
def sample(sample_orders):
    return {o["id"]: o for o in sample_orders}


def test_an_order_saved_before_woocommerce_3_7_gets_its_rates_from_its_lines(booker, sample):
    old = before_3_7(sample[4120])  # no rate_percent: not stored before WooCommerce 3.7, nor by some importers
    doc = booker.book_order(parse_order(old))
    assert {line.vat_code for line in doc.lines} == {"2", "1"}
    assert doc.vat_by_code() == booker.book_order(parse_order(sample[4120])).vat_by_code()


def test_vat_on_a_zero_rate_stops_the_order_before_anything_is_posted(booker, sample):
    broken = copy.deepcopy(sample[4101])
    for tax in broken["tax_lines"]:
        tax["rate_percent"] = 0  # a rate row changed after the sale: the snapshot says 0 %, the lines carry VAT
    with pytest.raises(BookingError, match=r"line\(s\) carry VAT .* at a 0 % rate"):
        booker.book_order(parse_order(broken))


def test_a_consumer_sale_to_another_member_state_without_vat_is_warned_about(entry_booker):
    buyer = Address("Lena", "Weber", city="Köln", country="DE", email="lena@example.de")
    exempt = build_order(Cart(id=7004, lines=(BAG,), billing=buyer, created=WHEN, vat_exempt=True))
    doc = entry_booker.book_order(parse_order(exempt))
    assert any("a consumer sale to DE without VAT" in w for w in doc.warnings)
    at_home = entry_booker.book_order(parse_order(order_of(BAG)))
    assert not any("consumer sale" in w for w in at_home.warnings)


def test_a_line_may_go_on_a_balance_sheet_account_when_the_spec_says_so(tmp_path):
    from runner.adapters.exact.payloads import MasterData, VatCode, master_data_problems

    gift_cards = "mapping:\n  gl_account: \"{{ '1650' if 'Cadeaubon' in line.name else '8000' }}\"\n"
    master = MasterData({"2": VatCode("2", D(21), "E"), "0": VatCode("0", D(0), "E")}, {"8000": 110, "1650": 22}, {"70": 20})
    order = parse_order(order_of(ProductLine(306, "Cadeaubon 25", D("25.00"), 1, tax_class="zero-rate"), BAG))
    for extra, refused in (("", True), ("booking:\n  balance_sheet_accounts: ['1650']\n", False)):
        booker = Booker(spec_module.load(write_spec(tmp_path, gift_cards + extra), environ={}))
        problems = master_data_problems(booker.book_order(order), master, allowed=frozenset(booker.spec.booking.balance_sheet_accounts))
        assert any("GL account '1650' (product line) is not a revenue account" in p for p in problems) == refused


@pytest.mark.parametrize("quantity,net", [(1_000_000, "12396.69"), (3, "10.00"), (2, "24.20")])
def test_an_invoice_lines_quantity_times_unit_price_is_its_amount(tmp_path, quantity, net):
    from runner.domain.booking import Line

    line = Line("product", "Etiketten", D(quantity), D(net), D(0), D(21), "2", "8000", "ETIKET")
    _, payload = document_payload(
        replace_doc(tmp_path, line),
        Ids(customer="c", items={"ETIKET": "item-guid"}),
    )
    [sent] = payload["SalesInvoiceLines"]
    assert D(str(sent["Quantity"])) * D(sent["UnitPrice"]) == D(sent["AmountFC"]) == D(net)


def replace_doc(tmp_path, line):
    from dataclasses import replace

    booker = Booker(spec_module.load(write_spec(tmp_path, "booking:\n  target: sales_invoice\n"), environ={}))
    doc = booker.book_order(parse_order(order_of(BAG)))
    return replace(doc, lines=(line,))


def test_an_amount_only_refund_is_credited_as_one_unit_at_its_amount(tmp_path):
    """A refund of an amount without goods coming back (quantity 0): Exact makes an invoice
    line's amount of quantity x price, so the credit note's line is 1 x -10.00 (issue 22 point
    10; issue 11 #8 had quantity 0, which Exact would invoice as 0.00)."""
    booker = Booker(spec_module.load(write_spec(tmp_path, "booking:\n  target: sales_invoice\n"), environ={}))
    order = order_of(BAG)
    bag = order["line_items"][0]
    _, back = refund(order, 9001, [RefundItem(bag["id"], 0, D("10.00"), taxes=((1, D("2.10")),))])
    doc = booker.book_refund(parse_order(order), parse_refund(back, parse_order(order)))
    _, payload = document_payload(doc, Ids(customer="c", items={"TAS": "item-guid"}))
    [line] = [sent for sent in payload["SalesInvoiceLines"] if sent["AmountFC"] != "0.00"]
    assert (line["Quantity"], line["UnitPrice"], line["AmountFC"], line["VATAmountFC"]) == (1, "-10", "-10.00", "-2.10")


@pytest.mark.parametrize("override", [True, False], ids=["exact-takes-line-vat", "exact-sums-its-own"])
def test_sales_invoices_carry_woocommerces_vat_whether_or_not_exact_takes_it(sync_box, override):
    """Whether Exact takes an invoice line's VATAmountFC is unknown [U]: the sandbox does
    either. Taken: each invoice's VAT is WooCommerce's tax, to the cent, with no rounding
    line. Summed by Exact: a cent-off invoice is closed with a rounding line before it is
    printed, so what is booked, owed and paid is WooCommerce's total; the run says so."""
    from tests.robust import documents_by_ref, expected_by_ref

    box = sync_box(orders=300, seed=11, extra="booking:\n  target: sales_invoice\n", exact_options={"invoice_vat_override": override})
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert documents_by_ref(box) == expected_by_ref(box)  # every total is WooCommerce's
    orders = {o["number"]: o for o in box.due()}
    invoices = [i for i in box.exact.invoices.values() if i["Type"] == 8020]
    closed = [i for i in box.exact.invoices.values() if any(line["Description"].startswith("Rounding difference") for line in i["SalesInvoiceLines"])]
    posted_alone = box.exact.calls[("POST", "salesinvoice/SalesInvoiceLines")]
    if override:
        assert [i for i in invoices if i["VATAmountFC"] != D(orders[i["YourRef"]]["total_tax"])] == []
        assert closed == [] and posted_alone == 0 and "rounding line" not in result.output
    else:
        assert len(closed) == posted_alone >= 5  # the seed gives cent differences; each closed once
        assert result.output.count("a rounding line of") == posted_alone
        assert all(i["Status"] == 50 for i in closed)


@pytest.mark.parametrize("limit", [60, None], ids=["exact-refuses-long-texts", "exact-takes-any-length"])
@pytest.mark.parametrize("target", ["sales_entry", "sales_invoice"])
def test_long_names_are_cut_to_exacts_length_with_an_ellipsis(sync_box, limit, target):
    """A 103-character product name and an 81-character shipping method (issue 11 #10): cut to
    60 characters ending in "…", whether Exact would refuse a longer text or take it [U]."""
    box = sync_box(orders=6, seed=5, extra=f"booking:\n  target: {target}\n", exact_options={"description_max": limit})
    product = "Koffiemok Delfts blauw, handgeschilderd in Delft, met gouden rand en bijpassende schotel (set van 2)"
    method = "Verzending met PostNL, aangetekend en verzekerd tot € 500, bezorging 's avonds"
    for order in box.woo.orders.values():
        order["line_items"][0]["name"] = product + " XL"
        for shipping in order["shipping_lines"]:
            shipping["method_title"] = method + " NL"
    assert (len(product) + 3, len(method) + 3) == (103, 81)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    from tests.robust import documents_by_ref, expected_by_ref

    assert documents_by_ref(box) == expected_by_ref(box)
    sent = [
        line["Description"]
        for doc in [*box.exact.entries.values(), *box.exact.invoices.values()]
        for line in doc.get("SalesEntryLines", doc.get("SalesInvoiceLines", []))
    ]
    sent += [item["Description"] for item in box.exact.items.values()]
    assert max(len(text) for text in sent) == 60
    assert product[:59] + "…" in sent and any(text.startswith("Verzending met PostNL") and text.endswith("…") for text in sent)


# ---- issue 22: WooCommerce's own split, one bad refund, round-at-subtotal refunds and cents ----------
#
# Sources for every expected number below (woocommerce/woocommerce, plugins/woocommerce/):
# [FEE]   includes/class-wc-cart-totals.php, WC_Cart_Totals::get_fees_from_cart (run by
#         calculate_fee_totals): a negative fee's tax per class is calc_tax(fee total x class
#         cost / total cost, the class's rates), exclusive.
# [COSTS] the same file, get_tax_class_costs(): items (their total after coupons, ex VAT),
#         shipping and the fees calculated before, per tax class; totals below zero skipped;
#         non-taxable lines under `non-taxable` (counted, untaxed); shipping of class `inherit`
#         under `reset( $item_tax_classes )`, the cart's first item's class.
# [ROUND] WC_Cart_Totals::round_line_tax / wc_round_tax_total: per line to cents (half-up when
#         prices exclude VAT), or once per rate at subtotal level (woocommerce_tax_round_at_subtotal).
# [58497] woocommerce PR #58497 (merged 2025-06): a fee's stored taxes are rounded to cents
#         (Store.fee_taxes_rounded in the sandbox); before, they kept 6 decimals.

ROUNDED_FEES = replace(DEFAULT_STORE, fee_taxes_rounded=True)
AT_SUBTOTAL = replace(DEFAULT_STORE, round_at_subtotal=True)
B2B_BEANS = ProductLine(188, "Espressobonen 1 kg", D("19.38"), 10, tax_class="reduced-rate")  # 193.80 ex VAT at 9 %
B2B_GRINDER = ProductLine(401, "Koffiemolen", D("58.90"), 4)  # 235.60 ex VAT at 21 %


def nine_and_twenty_one(number: int = 7101, created: datetime = WHEN, **dates) -> dict:
    """10 % volume discount as a negative fee (-42.94) over 193.80 at 9 % and 235.60 at 21 %."""
    cart = Cart(
        id=number,
        lines=(B2B_BEANS, B2B_GRINDER),
        billing=BUYER,
        created=created,
        fees=(Fee("Staffelkorting 10%", D("-42.94")),),
        prices_include_tax=False,
        **dates,
    )
    return build_order(cart, ROUNDED_FEES)


def test_a_cart_discount_over_9_and_21_percent_takes_woocommerces_proportions_not_tax_over_rate(booker):
    order = nine_and_twenty_one()
    # [COSTS] reduced-rate 193.80, standard 235.60, total 429.40; [FEE] 9 %: -42.94 x 193.80 / 429.40
    # = -19.38 (tax -1.7442), 21 %: -42.94 x 235.60 / 429.40 = -23.56 (tax -4.9476); [58497] [ROUND]
    # stored as -1.74 and -4.95. Tax / rate would give -19.33 and -23.57, spread: -19.35 and -23.59.
    assert [(t["id"], t["total"]) for t in order["fee_lines"][0]["taxes"]] == [(2, "-1.74"), (1, "-4.95")]
    doc = booker.book_order(parse_order(order))
    assert discount_lines(doc) == {"1": (D("-19.38"), D("-1.74")), "2": (D("-23.56"), D("-4.95"))}
    assert doc.booked_total == D(order["total"]) == D("446.69") and not [line for line in doc.lines if line.kind == "rounding"]


def test_a_cart_discount_weighs_inherit_shipping_under_the_first_items_class(entry_booker):
    beans, mug = ProductLine(188, "Espressobonen", D("20.00"), 1, tax_class="reduced-rate"), ProductLine(305, "Mok", D("30.00"), 1)
    cart = Cart(
        id=7102,
        lines=(beans, mug),
        billing=BUYER,
        created=WHEN,
        shipping=(Shipping(cost=D("5.00")),),
        fees=(Fee("Staffelkorting", D("-5.50")),),
        prices_include_tax=False,
    )
    order = build_order(cart, ROUNDED_FEES)
    # shipping is taxed at 21 % (WC_Tax::get_shipping_tax_rates, standard class in the cart: 1.05),
    # but [COSTS] weighs it under the first item's class: reduced-rate 20.00 + 5.00 = 25.00, standard
    # 30.00, total 55.00. [FEE] 9 %: -5.50 x 25/55 = -2.50 (tax -0.225 -> -0.23 [ROUND] half-up),
    # 21 %: -5.50 x 30/55 = -3.00 (tax -0.63). Tax / rate would give -2.53 and -2.97.
    assert [(t["id"], t["total"]) for t in order["fee_lines"][0]["taxes"]] == [(2, "-0.23"), (1, "-0.63")]
    doc = entry_booker.book_order(parse_order(order))
    assert discount_lines(doc) == {"1": (D("-2.50"), D("-0.23")), "2": (D("-3.00"), D("-0.63"))}
    assert doc.vat_by_code() == {"1": D("1.57"), "2": D("6.72")}  # 1.80 - 0.23; 6.30 - 0.63 + 1.05 shipping
    assert doc.booked_total == D(order["total"])


def test_refunds_after_one_that_exceeds_what_is_left_are_credited_and_the_bad_one_says_what_was_left(booker):
    order = order_of(ProductLine(301, "Tas", D("30.25"), 1))
    _, first = refund(order, 9001, amount="20.00")
    bad = {**copy.deepcopy(first), "id": 9002}  # a plugin's refund: WooCommerce's own screen refuses it
    later = {**copy.deepcopy(first), "id": 9003, "amount": "5.00"}
    parsed = parse_order(order)
    # 30.25 - 20.00 = 10.25 left when refund 9002 of 20.00 comes
    left = r"refund 9002 of order 7001: .*10\.25 was left to refund after refund\(s\) 9001, and this refund is 20\.00"
    with pytest.raises(BookingError, match=left):
        due.credit(booker, parsed, WooRefund(bad), [WooRefund(first)])
    # 9002 is failed on its own and takes nothing: 20.00 + 5.00 = 25.00 fits in 30.25
    assert due.credit(booker, parsed, WooRefund(later), [WooRefund(first), WooRefund(bad)]).document.total == D("-5.00")


def subtotal_refund_order(number: int = 7201, created: datetime = WHEN, **dates) -> dict:
    """A round-at-subtotal shop, prices ex VAT: Tas 10.12 and PostNL 4.95, both at 21 %."""
    cart = Cart(
        id=number,
        lines=(ProductLine(301, "Tas", D("10.12"), 1),),
        billing=BUYER,
        created=created,
        shipping=(Shipping(cost=D("4.95")),),
        prices_include_tax=False,
        **dates,
    )
    return build_order(cart, AT_SUBTOTAL)


def by_code(lines) -> dict[tuple[str, str, str], tuple[D, D]]:
    out: dict[tuple[str, str, str], tuple[D, D]] = {}
    for line in lines:
        net, vat = out.get((line.kind, line.gl_account, line.vat_code), (D(0), D(0)))
        out[(line.kind, line.gl_account, line.vat_code)] = (net + line.net, vat + line.vat)
    return out


def test_a_full_refund_of_a_round_at_subtotal_order_mirrors_its_sale(booker):
    order = subtotal_refund_order()
    # [ROUND] at subtotal: Tas tax 10.12 x 21 % = 2.1252 -> tax line 2.13; shipping 4.95 x 21 % =
    # 1.0395 -> 1.04; total_tax round(3.1647) = 3.16; total round(10.12 + 4.95 + 3.1647) = 18.23. The
    # VAT is the tax line's 3.17, so the revenue takes the cent: Tas 18.23 - 3.17 - 4.95 = 10.11.
    assert (order["total"], order["total_tax"]) == ("18.23", "3.16")
    items = [RefundItem(order["line_items"][0]["id"], 1), RefundItem(order["shipping_lines"][0]["id"])]
    _, back = refund(order, 9001, items, amount=order["total"])  # "refund all": the admin screen fills in the total
    # the refund's own lines are rounded one by one: -10.12 / -2.13 and -4.95 / -1.04 = -18.24
    parsed = parse_order(order)
    sale = booker.book_order(parsed)
    credit = booker.book_refund(parsed, parse_refund(back, parsed))
    assert by_code(sale.lines) == {("product", "8000", "2"): (D("10.11"), D("2.13")), ("shipping", "8050", "2"): (D("4.95"), D("1.04"))}
    assert by_code(credit.lines) == {key: (-net, -vat) for key, (net, vat) in by_code(sale.lines).items()}  # no rounding line
    assert credit.booked_total == D("-18.23")


def test_the_rounding_cent_of_a_round_at_subtotal_shop_goes_to_the_goods_not_to_a_larger_shipping_line(booker):
    lines = (ProductLine(310, "Filterpapier", D("5.97"), 1), ProductLine(311, "Ontkalker", D("5.97"), 1))
    cart = Cart(id=7301, lines=lines, billing=BUYER, created=WHEN, shipping=(Shipping(cost=D("5.00")),))
    order = build_order(cart, AT_SUBTOTAL)
    # prices incl. VAT: 5.97 holds 5.97 x 21 / 121 = 1.036116 VAT (line total_tax 1.04 each); [ROUND] at
    # subtotal the goods' tax is 2.072231 -> 2.07, shipping 5.00 x 21 % = 1.05 on its own; total 17.99.
    # So the goods are 11.94 - 2.07 = 9.87 net, shipping 5.00 with 1.05.
    assert (order["total"], order["tax_lines"][0]["tax_total"], order["tax_lines"][0]["shipping_tax_total"]) == ("17.99", "2.07", "1.05")
    doc = booker.book_order(parse_order(order))
    assert by_code(doc.lines) == {("product", "8000", "2"): (D("9.87"), D("2.07")), ("shipping", "8050", "2"): (D("5.00"), D("1.05"))}
    assert doc.booked_total == D("17.99") and not [line for line in doc.lines if line.kind == "rounding"]


# ---- issue 22 through the CLI, against the sandbox ----------------------------------------------


def booked_lines(box, your_ref: str) -> dict[tuple[str, str], tuple[D, D]]:
    """(GL account code, VAT code) -> (net, VAT) of the document Exact holds under `your_ref`."""
    code = {g["ID"]: g["Code"].strip() for g in box.exact.gl_accounts.values()}
    [doc] = [d for d in box.documents() if d["YourRef"] == your_ref]
    out: dict[tuple[str, str], tuple[D, D]] = {}
    for line in doc.get("SalesEntryLines") or doc.get("SalesInvoiceLines") or []:
        key = (code[line["GLAccount"]], line["VATCode"].strip())
        net, vat = out.get(key, (D(0), D(0)))
        out[key] = (net + D(str(line["AmountFC"])), vat + D(str(line.get("VATAmountFC") or 0)))
    return out


def days_ago(days: int) -> dict:
    when = datetime.now().replace(microsecond=0) - timedelta(days=days)
    return {"created": when, "paid": when, "completed": when, "status": "completed"}


@pytest.mark.parametrize("target", ["sales_entry", "sales_invoice"])
def test_a_cart_discount_over_9_and_21_percent_is_booked_in_woocommerces_proportions_through_the_cli(sync_box, target):
    box = sync_box(orders=0, extra=f"booking:\n  target: {target}\n", woo_options={"store": ROUNDED_FEES})
    box.woo.add_order(nine_and_twenty_one(7101, **days_ago(3)))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    lines = booked_lines(box, "7101")
    # as in the test above: [COSTS] 193.80 at 9 % and 235.60 at 21 % of 429.40; [FEE] -19.38 and -23.56
    assert (lines[("8070", "1")], lines[("8070", "2")]) == ((D("-19.38"), D("-1.74")), (D("-23.56"), D("-4.95")))
    assert sum(net + vat for net, vat in lines.values()) == D("446.69")


def test_one_refund_beyond_what_is_left_fails_alone_through_the_cli(sync_box):
    box = sync_box(orders=0)
    box.woo.add_order(build_order(Cart(id=7001, lines=(ProductLine(301, "Tas", D("30.25"), 1),), billing=BUYER, **days_ago(3))))
    first = box.woo.add_refund(7001, amount="20.00")
    later = box.woo.add_refund(7001, amount="5.00")  # 30.25 - 20.00 - 5.00: fits
    bad = {**copy.deepcopy(first), "id": first["id"] + 1}  # between the two, 20.00 of the 10.25 left: a plugin's refund
    box.woo.refunds[7001].insert(1, bad)
    box.woo.orders[7001]["refunds"].insert(1, {"id": bad["id"], "reason": "", "total": "-20.00"})
    import json

    shown = json.loads(box.run("preview", "--format", "json").stdout)  # what a run would do: the same
    assert [(item.get("refund"), "error" in item) for item in shown] == [(None, False), (first["id"], False), (later["id"], False), (bad["id"], True)]
    assert "10.25 was left to refund" in shown[-1]["error"]
    result = box.run("run")
    assert result.exit_code == 1 and "booked 1 order(s), 2 credit document(s)" in result.output and "failed 1" in result.output, result.output
    assert f"refund {bad['id']} of order 7001" in result.output and f"10.25 was left to refund after refund(s) {first['id']}" in result.output
    credits = {(f"7001/{first['id']}", D("-20.00")): 1, (f"7001/{later['id']}", D("-5.00")): 1}
    assert documents_by_ref(box) == Counter({("7001", D("30.25")): 1, **credits})
    [failure] = box.ledger().failures()
    assert (failure["order"], failure["refund"]) == (7001, bad["id"]) and failure["next_retry"]  # retried by itself later
    status = box.run("status")
    assert f"7001/{bad['id']}" in status.output
    again = box.run("retry")  # still beyond the sale: fails again, nothing is posted twice
    assert f"refund {bad['id']} of order 7001" in again.output
    assert len(box.documents()) == 3 and box.ledger().failures()[0]["attempts"] == 2
    box.woo.refunds[7001].remove(bad)  # the shop deleted the plugin's refund
    box.woo.orders[7001]["refunds"] = [r for r in box.woo.orders[7001]["refunds"] if r["id"] != bad["id"]]
    assert box.run("retry").exit_code == 0 and box.ledger().failures() == [] and len(box.documents()) == 3


def test_a_full_refund_of_a_round_at_subtotal_order_mirrors_its_sale_through_the_cli(sync_box):
    box = sync_box(orders=0, woo_options={"store": AT_SUBTOTAL})
    order = box.woo.add_order(subtotal_refund_order(7201, **days_ago(3)))
    back = box.woo.add_refund(7201, [RefundItem(order["line_items"][0]["id"], 1), RefundItem(order["shipping_lines"][0]["id"])], amount="18.23")
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    sale, credit = booked_lines(box, "7201"), booked_lines(box, f"7201/{back['id']}")
    # as above: the sale's revenue takes the cent WooCommerce's tax lines leave (10.11, VAT 2.13)
    assert sale == {("8000", "2"): (D("10.11"), D("2.13")), ("8050", "2"): (D("4.95"), D("1.04"))}
    assert credit == {key: (-net, -vat) for key, (net, vat) in sale.items()}  # no 8990 rounding line


def test_the_rounding_cent_goes_to_the_goods_not_to_shipping_through_the_cli(sync_box):
    box = sync_box(orders=0, woo_options={"store": AT_SUBTOTAL})
    lines = (ProductLine(310, "Filterpapier", D("5.97"), 1), ProductLine(311, "Ontkalker", D("5.97"), 1))
    box.woo.add_order(build_order(Cart(id=7301, lines=lines, billing=BUYER, shipping=(Shipping(cost=D("5.00")),), **days_ago(3)), AT_SUBTOTAL))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    # as above: goods 11.94 - 2.07 = 9.87, shipping 5.00 with 1.05
    assert booked_lines(box, "7301") == {("8000", "2"): (D("9.87"), D("2.07")), ("8050", "2"): (D("5.00"), D("1.05"))}


@pytest.mark.parametrize(
    "shipping_class,spread",
    [
        # inherit: costs reduced 20 + 5 shipping = 25, standard 30 + 2 fee = 32, zero-rate 10 (of 67) [COSTS].
        # Korting -6.70: -2.50 / -3.20 / -1.00, taxes -0.225 -> -0.23, -0.672 -> -0.67 [58497];
        # Extra korting -1.00: -0.373 -> -0.37, -0.478 -> -0.48, -0.149 -> -0.15; taxes -0.03, -0.10.
        ("inherit", {"1": (D("-2.87"), D("-0.26")), "2": (D("-3.68"), D("-0.77")), "0": (D("-1.15"), D("0"))}),
        # a fixed standard class: reduced 20, standard 37, zero-rate 10. Korting: -2.00 / -3.70 / -1.00,
        # taxes -0.18, -0.777 -> -0.78; Extra korting: -0.299 -> -0.30, -0.552 -> -0.55, -0.15; taxes -0.03, -0.12.
        ("", {"1": (D("-2.30"), D("-0.21")), "2": (D("-4.25"), D("-0.90")), "0": (D("-1.15"), D("0"))}),
    ],
)
def test_two_cart_discounts_over_three_classes_follow_woocommerces_costs_whatever_the_shipping_class(entry_booker, shipping_class, spread):
    lines = (
        ProductLine(1, "Bonen", D("20"), 1, "reduced-rate"),
        ProductLine(2, "Mok", D("30"), 1),
        ProductLine(3, "Cadeaubon", D("10"), 1, "zero-rate"),
    )
    fees = (Fee("Toeslag", D("2.00")), Fee("Korting", D("-6.70")), Fee("Extra korting", D("-1.00")))
    cart = Cart(id=7103, lines=lines, billing=BUYER, created=WHEN, prices_include_tax=False, fees=fees, shipping=(Shipping(cost=D("5")),))
    order = build_order(cart, replace(ROUNDED_FEES, shipping_tax_class=shipping_class))
    doc = entry_booker.book_order(parse_order(order))
    assert discount_lines(doc) == spread
    assert doc.booked_total == D(order["total"]) and not [line for line in doc.lines if line.kind == "rounding"]


def test_in_a_daily_summary_a_refund_beyond_what_is_left_holds_back_neither_the_sale_nor_the_other_credits(sync_box):
    """The failed refund's order waits for its retry (15 minutes): its kept sale and credits are
    summed into their days all the same."""
    from tests.test_daily_summary import DAILY, after, summaries
    from tests.test_exact_truth import engine

    box = sync_box(orders=0, extra=DAILY)
    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    order = box.woo.place_order(lines=(ProductLine(301, "Tas", D("30.25"), 1),), billing=BUYER, status="completed", created=day)
    first = box.woo.add_refund(order["id"], amount="20.00")
    later = box.woo.add_refund(order["id"], amount="5.00")
    bad = {**copy.deepcopy(first), "id": first["id"] + 1}  # 20.00 of the 10.25 left: a plugin's refund
    box.woo.refunds[order["id"]].insert(1, bad)
    box.woo.orders[order["id"]]["refunds"].insert(1, {"id": bad["id"], "reason": "", "total": "-20.00"})
    today = box.woo.local_now().date()
    before_close = after(today, hours=1.9)  # today's refunds wait for their day (closed at 02:00 with the grace)
    run = engine(box, clock=lambda: before_close)
    assert list(run.failed) == [order["id"]] and "10.25 was left to refund" in run.failed[order["id"]]
    assert summaries(box)[f"WC {day.date().isoformat()}"]["AmountFC"] == D("30.25")  # the sale's day is closed: booked
    assert [(f["order"], f["refund"]) for f in box.ledger().failures()] == [(order["id"], bad["id"])]  # named, retried later
    closed = after(today, hours=2.1)  # the day closed, the failed order's retry not due yet (15 minutes)
    run = engine(box, clock=lambda: closed)
    assert order["id"] in run.waiting
    credit = summaries(box)[f"WC {today.isoformat()} R"]
    assert D(str(credit["AmountFC"])) == D("-25.00")  # 20.00 and 5.00, not the refund beyond the sale
    assert sorted(map(tuple, next(s for s in box.ledger().summaries() if s["your_ref"].endswith(" R"))["members"])) == sorted(
        [(order["id"], first["id"]), (order["id"], later["id"])]
    )
    # still failed: the summaries of its order's other documents do not clear it
    assert [(f["order"], f["refund"]) for f in box.ledger().failures()] == [(order["id"], bad["id"])]


# ---- the review's gaps (issue 22, point a): a refund of what is left, by amount only ---------------


def three_lines(number: int = 7401, **dates) -> dict:
    """Tas 50.00 at 21 %, Espressobonen 24.20 at 9 % and PostNL 4.95 (21 %), prices incl. VAT."""
    cart = Cart(id=number, lines=(BAG, BEANS), billing=BUYER, shipping=(Shipping(cost=D("4.95")),), **({"created": WHEN} | dates))
    return build_order(cart)


def test_an_amount_only_refund_of_the_whole_order_mirrors_the_sale_line_by_line(booker):
    order = three_lines()
    # prices incl. VAT: Tas 50.00 = 41.32 + 8.68, Bonen 24.20 = 22.20 + 2.00; shipping ex VAT 4.95 + 1.04
    assert (order["total"], order["total_tax"]) == ("80.19", "11.72")
    _, back = refund(order, 9001, amount=order["total"])  # "refund 80.19" typed in the amount box: no lines, no tax_lines
    assert back["line_items"] == back["tax_lines"] == []
    parsed = parse_order(order)
    sale, credit = booker.book_order(parsed), booker.book_refund(parsed, parse_refund(back, parsed))
    # before: spread by gross over the rates, all on the product accounts (8000 -46.27/-9.72, shipping on revenue)
    assert by_code(credit.lines) == {key: (-net, -vat) for key, (net, vat) in by_code(sale.lines).items()}
    assert ("shipping", "8050", "2") in by_code(credit.lines) and credit.booked_total == D("-80.19")


def test_a_round_at_subtotal_order_refunded_by_amount_only_gives_back_the_cent_where_the_sale_put_it(booker):
    order = subtotal_refund_order(7202)
    _, back = refund(order, 9001, amount=order["total"])
    parsed = parse_order(order)
    credit = booker.book_refund(parsed, parse_refund(back, parsed))
    # the sale's revenue 10.11 (see above); the credit: 8000 -10.11 / -2.13, 8050 -4.95 / -1.04, no 8990 line
    assert by_code(credit.lines) == {("product", "8000", "2"): (D("-10.11"), D("-2.13")), ("shipping", "8050", "2"): (D("-4.95"), D("-1.04"))}


def test_an_amount_only_refund_of_what_is_left_after_a_partial_one_brings_every_account_back_to_zero(booker):
    order = three_lines(7403)
    parsed = parse_order(order)
    _, first = refund(order, 9001, amount="20.00")  # partial: spread over the rates as before
    _, rest = refund(order, 9002, amount="60.19")  # 80.19 - 20.00: what is left
    first_p, rest_p = parse_refund(first, parsed), parse_refund(rest, parsed)
    docs = [booker.book_order(parsed), booker.book_refund(parsed, first_p), booker.book_refund(parsed, rest_p, [first_p])]
    assert docs[2].booked_total == D("-60.19")
    left: Counter = Counter()
    for doc in docs:
        for line in doc.lines:
            left[(line.gl_account, line.vat_code, "net")] += line.net
            left[(line.gl_account, line.vat_code, "vat")] += line.vat
    assert {key: value for key, value in left.items() if value} == {}  # sale + both credits: nothing left on any account or code


def test_a_partial_amount_only_refund_is_still_spread_over_the_rates(booker):
    order = three_lines(7404)
    parsed = parse_order(order)
    _, back = refund(order, 9001, amount="80.18")  # a cent short of the whole: not a mirror
    credit = booker.book_refund(parsed, parse_refund(back, parsed))
    assert {line.kind for line in credit.lines} == {"product"} and credit.booked_total == D("-80.18")


def test_an_amount_only_full_refund_mirrors_the_sale_through_the_cli(sync_box):
    box = sync_box(orders=0)
    order = box.woo.add_order(three_lines(7405, **days_ago(3)))
    back = box.woo.add_refund(7405, [], amount=order["total"])
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    sale, credit = booked_lines(box, "7405"), booked_lines(box, f"7405/{back['id']}")
    assert sale == {("8000", "2"): (D("41.32"), D("8.68")), ("8010", "1"): (D("22.20"), D("2.00")), ("8050", "2"): (D("4.95"), D("1.04"))}
    assert credit == {key: (-net, -vat) for key, (net, vat) in sale.items()}
