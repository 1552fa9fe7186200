"""WooCommerce's order maths beyond the samples: rounding modes, coupons, negative fees,
OSS / export / VAT-exempt customers, zero totals, dates and status changes; and a
hypothesis property that every cart the builder accepts yields a sound order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.sandbox.woo.invariants import check_order
from runner.sandbox.woo.order_dates import with_status
from runner.sandbox.woo.orders import (
    Address,
    Cart,
    Coupon,
    Fee,
    ProductLine,
    Shipping,
    Store,
    build_order,
)

WINTER = datetime(2024, 1, 15, 10, 0)


def order(lines, store: Store = Store(), **fields) -> dict:
    fields.setdefault("billing", Address(country="NL", email="klant@example.nl"))
    fields.setdefault("created", WINTER)
    result = build_order(Cart(id=100, lines=tuple(lines), **fields), store)
    assert check_order(result, round_at_subtotal=store.round_at_subtotal) == []
    return result


def line(price: str, quantity: int = 1, tax_class: str = "", product_id: int = 1) -> ProductLine:
    return ProductLine(product_id, f"Product {product_id}", D(price), quantity, tax_class)


def test_tax_rounds_half_down_when_prices_include_tax_and_half_up_otherwise():
    # A 0.50 fee at 21 % carries exactly 0.105 tax: the shop's price setting decides the cent.
    inclusive = order([line("10")], fees=(Fee("Toeslag", D("0.50")),), prices_include_tax=True)
    exclusive = order([line("10")], fees=(Fee("Toeslag", D("0.50")),), prices_include_tax=False)
    assert inclusive["fee_lines"][0]["taxes"] == exclusive["fee_lines"][0]["taxes"] == [{"id": 1, "total": "0.105", "subtotal": ""}]
    assert inclusive["fee_lines"][0]["total_tax"] == "0.10"
    assert exclusive["fee_lines"][0]["total_tax"] == "0.11"


def test_round_at_subtotal_rounds_the_sum_instead_of_each_line():
    lines = [line("1.02", product_id=n) for n in range(3)]  # 0.2142 tax each
    per_line = order(lines, prices_include_tax=False)
    at_subtotal = order(lines, Store(round_at_subtotal=True), prices_include_tax=False)
    assert per_line["cart_tax"] == per_line["tax_lines"][0]["tax_total"] == "0.63"
    assert at_subtotal["cart_tax"] == at_subtotal["tax_lines"][0]["tax_total"] == "0.64"
    assert (per_line["total"], at_subtotal["total"]) == ("3.69", "3.70")


def test_percent_coupon_hands_out_the_remainder_cent_by_cent():
    result = order([line("0.05", product_id=n) for n in range(3)], prices_include_tax=False, coupons=(Coupon("tien", "percent", D("10")),))
    assert [(i["subtotal"], i["total"]) for i in result["line_items"]] == [("0.05", "0.04"), ("0.05", "0.05"), ("0.05", "0.05")]
    assert result["discount_total"] == result["coupon_lines"][0]["discount"] == "0.01"


def test_fixed_cart_coupon_is_split_per_unit_with_the_remainder_on_the_first_lines():
    result = order([line("10", product_id=n) for n in range(3)], prices_include_tax=False, coupons=(Coupon("vijf", "fixed_cart", D("5")),))
    assert [i["total"] for i in result["line_items"]] == ["8.33", "8.33", "8.34"]
    assert result["discount_total"] == "5.00" and result["discount_tax"] == "1.05"


def test_fixed_product_coupon_only_touches_its_products_and_is_gross_in_an_inclusive_shop():
    result = order(
        [line("24.20", 2, product_id=210), line("21.80", 1, "reduced-rate", 245)],
        coupons=(Coupon("mok2", "fixed_product", D("2"), 425, product_ids=(210,)),),
    )
    mok, boek = result["line_items"]
    assert (mok["subtotal"], mok["total"], mok["total_tax"]) == ("40.00", "36.69", "7.71")
    assert boek["subtotal"] == boek["total"] == "20.00"
    coupon = result["coupon_lines"][0]
    assert (coupon["discount"], coupon["discount_tax"], coupon["nominal_amount"]) == ("3.31", "0.69", 2)


def test_negative_fee_is_capped_so_the_order_cannot_go_below_zero():
    result = order([line("100")], prices_include_tax=False, fees=(Fee("Korting", D("-1000")),))
    fee = result["fee_lines"][0]
    assert (fee["amount"], fee["total"], fee["total_tax"], result["total"]) == ("-1000", "-100.00", "-21.00", "0.00")


def test_negative_fee_tax_is_split_over_classes_including_shipping_and_untaxed_lines():
    untaxed = ProductLine(3, "Cadeaubon", D("20"), 1, taxable=False)
    result = order(
        [line("60"), line("20", tax_class="reduced-rate", product_id=2), untaxed],
        prices_include_tax=False,
        fees=(Fee("Korting", D("-10")),),
        shipping=(Shipping("PostNL", "flat_rate", "3", D("20")),),
    )
    # Costs: standard 60 + shipping 20 (inherits the first line's class), reduced 20, untaxed 20.
    assert result["fee_lines"][0]["taxes"] == [{"id": 1, "total": "-1.4", "subtotal": ""}, {"id": 2, "total": "-0.15", "subtotal": ""}]


def test_oss_consumer_in_germany_pays_german_vat_on_the_net_price():
    result = order([line("24.20")], billing=Address(country="DE"))
    assert (result["line_items"][0]["total"], result["total_tax"], result["total"]) == ("20.00", "3.80", "23.80")
    assert {k: result["tax_lines"][0][k] for k in ("rate_id", "rate_code", "label", "rate_percent")} == {
        "rate_id": 4,
        "rate_code": "DE-MWST. 19%-1",
        "label": "MwSt. 19%",
        "rate_percent": 19,
    }


def test_vat_exempt_business_pays_the_price_less_dutch_vat_and_has_no_tax_lines():
    result = order(
        [line("24.20")],
        billing=Address(country="BE", company="Brouwerij BV"),
        vat_exempt=True,
        meta=(("_billing_vat_number", "BE0123456749"),),
        shipping=(Shipping(cost=D("12.50")),),
    )
    assert result["tax_lines"] == [] and result["line_items"][0]["taxes"] == []
    assert (result["total_tax"], result["total"]) == ("0.00", "32.50")
    assert result["meta_data"][0]["value"] == "yes" and result["meta_data"][1]["key"] == "_billing_vat_number"


def test_export_outside_the_eu_has_no_tax_and_a_sub_cent_net_price():
    result = order([line("19.95")], billing=Address(country="US", state="OR"))
    assert result["tax_lines"] == [] and result["total"] == "16.49"
    assert result["line_items"][0]["price"] == 16.487603


def test_local_pickup_is_taxed_at_the_shop_even_for_a_foreign_address():
    result = order([line("24.20")], billing=Address(country="DE"), shipping=(Shipping("Afhalen", "local_pickup", "6", D("1.00")),))
    assert [t["rate_id"] for t in result["tax_lines"]] == [1]
    assert result["shipping_tax"] == "0.21"


def test_free_shipping_has_no_taxes_and_a_full_coupon_makes_a_zero_total():
    result = order(
        [line("24.20", 2)],
        coupons=(Coupon("gratis", "percent", D("100"), 430, free_shipping=True),),
        shipping=(Shipping("Gratis verzending", "free_shipping", "5"),),
        status="pending",
    )
    assert result["total"] == "0.00" and result["needs_payment"] is False
    assert result["shipping_lines"][0]["taxes"] == []
    assert result["line_items"][0]["taxes"] == [{"id": 1, "total": "0", "subtotal": "8.4"}]
    assert result["coupon_lines"][0]["meta_data"][0]["value"] == '[430,"gratis","percent",100,true]'


def test_zero_rate_class_makes_a_zero_tax_line():
    result = order([line("25", tax_class="zero-rate")])
    assert [(t["rate_id"], t["tax_total"], t["rate_percent"]) for t in result["tax_lines"]] == [(3, "0.00", 0)]


@pytest.mark.parametrize("local, gmt", [(datetime(2024, 1, 15, 10, 0), "2024-01-15T09:00:00"), (datetime(2024, 7, 1, 12, 0), "2024-07-01T10:00:00")])
def test_gmt_dates_follow_amsterdam_winter_and_summer_time(local, gmt):
    assert order([line("10")], created=local)["date_created_gmt"] == gmt


def test_guests_have_no_customer_link_and_registered_customers_do():
    assert "customer" not in order([line("10")])["_links"]
    assert order([line("10")], customer_id=63)["_links"]["customer"][0]["href"].endswith("/customers/63")


def test_status_change_sets_paid_and_completed_dates_once_and_moves_modified():
    pending = order([line("10")], status="pending")
    assert pending["needs_payment"] and pending["is_editable"] and pending["date_paid"] is None
    done = with_status(pending, "completed", datetime(2024, 1, 16, 9, 30))
    assert (done["date_paid"], done["date_completed"], done["date_modified"]) == ("2024-01-16T09:30:00",) * 3
    assert done["date_completed_gmt"] == "2024-01-16T08:30:00"
    assert not done["needs_payment"] and not done["is_editable"]
    again = with_status(done, "completed", datetime(2024, 1, 17, 9, 30))
    assert again["date_completed"] == "2024-01-16T09:30:00" and again["date_modified"] == "2024-01-17T09:30:00"
    assert check_order(again) == []


def test_the_builder_refuses_carts_woocommerce_would_not_make():
    with pytest.raises(ValueError):
        order([])
    with pytest.raises(ValueError):
        order([line("10", 0)])
    with pytest.raises(ValueError):
        order([line("10")], coupons=(Coupon("a"), Coupon("A")))


money = st.integers(0, 20000).map(lambda c: D(c) / 100)
lines = st.lists(
    st.builds(
        ProductLine,
        st.integers(1, 9),
        st.just("P"),
        money,
        st.integers(1, 4),
        st.sampled_from(["", "", "reduced-rate", "zero-rate"]),
        taxable=st.sampled_from([True, True, True, False]),
    ),
    min_size=1,
    max_size=4,
)
coupons = st.lists(
    st.one_of(
        st.builds(Coupon, st.just("pct"), st.just("percent"), st.sampled_from([D(5), D(10), D(33), D(100)])),
        st.builds(Coupon, st.just("cart"), st.just("fixed_cart"), money),
        st.builds(Coupon, st.just("prod"), st.just("fixed_product"), money),
    ),
    max_size=2,
    unique_by=lambda c: c.code,
)
fees = st.lists(st.builds(Fee, st.just("Fee"), st.integers(-5000, 500).map(lambda c: D(c) / 100)), max_size=2)


@settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=lines,
    coupons=coupons,
    fees=fees,
    inclusive=st.booleans(),
    at_subtotal=st.booleans(),
    country=st.sampled_from(["NL", "NL", "DE", "BE", "US"]),
    exempt=st.booleans(),
    shipping=st.sampled_from([(), (Shipping(cost=D("4.95")),), (Shipping("Gratis", "free_shipping", "5"),)]),
)
def test_every_cart_yields_an_order_that_passes_the_checks(lines, coupons, fees, inclusive, at_subtotal, country, exempt, shipping):
    store = Store(round_at_subtotal=at_subtotal)
    built = build_order(
        Cart(
            id=500,
            lines=tuple(lines),
            billing=Address(country=country),
            created=WINTER,
            coupons=tuple(coupons),
            fees=tuple(fees),
            shipping=shipping,
            prices_include_tax=inclusive,
            vat_exempt=exempt,
        ),
        store,
    )
    assert check_order(built, round_at_subtotal=at_subtotal) == []


def three_classes(store: Store) -> dict:
    """9 % first, then 21 % and 0 %, a positive fee, two cart discounts and shipping, ex VAT."""
    lines = (line("20", tax_class="reduced-rate"), line("30", product_id=2), line("10", tax_class="zero-rate", product_id=3))
    fees = (Fee("Toeslag", D("2.00")), Fee("Korting", D("-6.70")), Fee("Extra korting", D("-1.00")))
    return build_order(
        Cart(
            id=100,
            lines=lines,
            billing=Address(country="NL", email="klant@example.nl"),
            created=WINTER,
            prices_include_tax=False,
            fees=fees,
            shipping=(Shipping("PostNL", "flat_rate", "3", D("5")),),
        ),
        store,
    )


@pytest.mark.parametrize(
    "shipping_class,first,second",
    [
        # inherit: reset( $item_tax_classes ) puts the shipping's 5.00 under reduced-rate (the first
        # item's class), though the shipping itself is taxed at 21 % (get_shipping_tax_rates). Costs:
        # reduced 20 + 5 = 25, standard 30 + 2 (the fee before) = 32, zero-rate 10; 67 in all.
        # Korting -6.70: 9 % of -6.70 x 25/67 = -0.225, 21 % of -6.70 x 32/67 = -0.672, 0 %: 0.
        # Extra korting -1.00 (Korting is below zero: left out): 9 % of -25/67 = -0.033582,
        # 21 % of -32/67 = -0.100299.
        ("inherit", ["-0.225", "-0.672", "0"], ["-0.033582", "-0.100299", "0"]),
        # a fixed standard class: reduced 20, standard 30 + 2 + 5 = 37, zero-rate 10.
        # Korting: 9 % of -6.70 x 20/67 = -0.18, 21 % of -6.70 x 37/67 = -0.777;
        # Extra korting: 9 % of -20/67 = -0.026866, 21 % of -37/67 = -0.11597.
        ("", ["-0.18", "-0.777", "0"], ["-0.026866", "-0.11597", "0"]),
    ],
)
def test_cart_discounts_are_taxed_per_class_as_get_tax_class_costs_weighs_the_cart(shipping_class, first, second):
    """woocommerce includes/class-wc-cart-totals.php: get_fees_from_cart taxes a negative fee per
    class on fee x class cost / total cost; get_tax_class_costs() counts the items after coupons,
    the shipping (class `inherit` under the first item's class) and the fees calculated before
    it, skipping totals below zero; calc_tax per class merges into the fee's taxes by rate id."""
    result = three_classes(Store(shipping_tax_class=shipping_class))
    korting, extra = result["fee_lines"][1:]
    assert [(t["id"], t["total"]) for t in korting["taxes"]] == list(zip([2, 1, 3], first, strict=True))
    assert [(t["id"], t["total"]) for t in extra["taxes"]] == list(zip([2, 1, 3], second, strict=True))
    assert result["shipping_lines"][0]["taxes"] == [{"id": 1, "total": "1.05", "subtotal": ""}]


def test_fee_taxes_are_stored_in_cents_by_woocommerce_after_pr_58497():
    """woocommerce PR #58497 (merged 2025-06) rounds a fee line's taxes (wc_round_tax_total,
    half-up when prices exclude VAT): -0.225 -> -0.23, -0.672 -> -0.67."""
    korting = three_classes(Store(fee_taxes_rounded=True))["fee_lines"][1]
    assert [(t["id"], D(t["total"])) for t in korting["taxes"]] == [(2, D("-0.23")), (1, D("-0.67")), (3, D("0"))]
    assert korting["total_tax"] == "-0.90"
