"""The booking rules of DESIGN.md section 5 on the sample orders and variations of them."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal as D

import pytest

from runner.adapters.exact.payloads import Ids, MasterData, VatCode, document_payload, master_data_problems, payment_payload
from runner.adapters.woo.rest import parse_order, parse_refund
from runner.domain.booking import Booker
from runner.domain.lines import local_date
from runner.errors import BookingError
from runner.spec import check as spec_module
from tests.conftest import write_spec


@pytest.fixture
def make_booker(tmp_path):
    def make(extra: str = "") -> Booker:
        return Booker(spec_module.load(write_spec(tmp_path, extra), environ={}))

    return make


@pytest.fixture
def orders(sample_orders):
    return {o["id"]: o for o in sample_orders}


def vat_per_rate(raw: dict) -> dict[D, D]:
    return {D(str(t["rate_percent"])): D(t["tax_total"]) + D(t["shipping_tax_total"]) for t in raw["tax_lines"]}


def test_prices_incl_vat_with_coupon_and_shipping(make_booker, orders):
    doc = make_booker().book_order(parse_order(orders[4101]))
    assert [(l.kind, l.net, l.vat, l.vat_code, l.gl_account) for l in doc.lines] == [
        ("product", D("36.00"), D("7.56"), "2", "8000"),
        ("product", D("18.00"), D("1.62"), "1", "8010"),
        ("shipping", D("5.00"), D("1.05"), "2", "8050"),
    ]
    assert doc.booked_total == D("69.23") == doc.total
    assert doc.vat_by_code() == {"2": D("8.61"), "1": D("1.62")}
    assert doc.your_ref == "4101" and doc.description == "WooCommerce order 4101"
    assert doc.entry_date == date(2024, 3, 12)  # no completion date: the payment date, shop-local


def test_separate_discounts_book_gross_lines_and_one_discount_line_per_rate(make_booker, orders):
    doc = make_booker("booking:\n  discounts: separate\n").book_order(parse_order(orders[4101]))
    rows = [(l.kind, l.net, l.vat, l.vat_code) for l in doc.lines]
    assert rows == [
        ("product", D("40.00"), D("8.40"), "2"),
        ("product", D("20.00"), D("1.80"), "1"),
        ("discount", D("-4.00"), D("-0.84"), "2"),
        ("discount", D("-2.00"), D("-0.18"), "1"),
        ("shipping", D("5.00"), D("1.05"), "2"),
    ]
    assert doc.lines[2].description == "Discount welkom10" and doc.lines[2].gl_account == "8070"
    assert doc.booked_total == D("69.23")


def test_negative_fee_is_split_over_the_rates_it_was_taxed_at(make_booker, orders):
    doc = make_booker().book_order(parse_order(orders[4120]))
    discounts = [(l.net, l.vat, l.vat_code, l.gl_account) for l in doc.lines if l.kind == "discount"]
    assert discounts == [(D("-6.00"), D("-1.26"), "2", "8070"), (D("-2.00"), D("-0.18"), "1", "8070")]
    assert not [l for l in doc.lines if l.kind == "shipping"]  # free shipping books nothing
    assert doc.booked_total == D("84.96")
    assert doc.vat_by_code() == {"2": D("11.34"), "1": D("1.62")}
    assert doc.vat_by_code()["2"] == vat_per_rate(orders[4120])[D(21)]


def test_per_account_groups_by_gl_and_vat_code(make_booker, orders):
    doc = make_booker("booking:\n  lines: per_account\n").book_order(parse_order(orders[4140]))
    assert [(l.gl_account, l.vat_code, l.net, l.vat) for l in doc.lines] == [
        ("8000", "2", D("70.00"), D("14.70")),
        ("8050", "2", D("5.00"), D("1.05")),
    ]
    assert doc.booked_total == D("90.75")


def test_sales_invoice_lines_carry_items_and_woocommerce_vat(make_booker, orders):
    booker = make_booker("booking:\n  target: sales_invoice\n")
    doc = booker.book_order(parse_order(orders[4101]))
    endpoint, payload = document_payload(doc, Ids(customer="cust-guid", gl={"8000": "gl-8000"}, items={"MOK-DB-01": "item-mok"}))
    assert endpoint == "salesinvoice/SalesInvoices"
    assert payload["OrderedBy"] == payload["InvoiceTo"] == "cust-guid" and payload["Type"] == 8020
    first = payload["SalesInvoiceLines"][0]
    assert first == {
        "Item": "item-mok",
        "Description": "Koffiemok Delfts blauw",
        "Quantity": 2,
        "UnitPrice": "18",
        "AmountFC": "36.00",
        "VATCode": "2",
        "GLAccount": "gl-8000",
        "VATAmountFC": "7.56",  # WooCommerce's; where Exact sums its own, the sink closes the difference
    }
    assert [l.item for l in doc.lines] == ["MOK-DB-01", "BOEK-HP-NL", "WEBSHOP"]
    assert doc.booked_total == D("69.23")


def test_sales_entry_payload_sends_vat_from_woocommerce(make_booker, orders):
    doc = make_booker().book_order(parse_order(orders[4120]))
    endpoint, payload = document_payload(doc, Ids(customer="cust-guid", gl={"8000": "gl-8000"}))
    assert endpoint == "salesentry/SalesEntries"
    assert payload["Journal"] == "70" and payload["Customer"] == "cust-guid" and payload["EntryDate"] == "2024-06-04"
    assert payload["SalesEntryLines"][0] == {
        "GLAccount": "gl-8000",
        "Description": "Espressobonen 1 kg",
        "Quantity": 3,
        "AmountFC": "60.00",
        "VATCode": "2",
        "VATAmountFC": "12.60",
    }
    assert "PaymentCondition" not in payload  # empty: the account's default


def test_paid_adds_a_receipt_on_the_payment_journal(make_booker, orders):
    booker = make_booker("booking:\n  status: paid\n")
    order = parse_order(orders[4140])
    plan = booker.payment(order, booker.book_order(order))
    assert (plan.journal, plan.gl_account, plan.amount, plan.date) == ("22", "1300", D("90.75"), date(2024, 9, 14))  # money in
    endpoint, payload = payment_payload(plan, Ids(customer="cust", gl={"1300": "gl-1300"}, entry_number=700012))
    assert endpoint == "financialtransaction/BankEntries"
    assert payload["BankEntryLines"][0] == {
        "Date": "2024-09-14",
        "GLAccount": "gl-1300",
        "Account": "cust",
        "OurRef": 700012,
        "AmountFC": "90.75",  # a receipt is money on the bank: positive
        "Description": "Payment WooCommerce order 4140",
    }
    endpoint, payload = payment_payload(plan, Ids(customer="cust", cash_journals=frozenset({"22"})))
    assert endpoint == "financialtransaction/CashEntries" and "CashEntryLines" in payload


def test_itemized_refund_becomes_a_credit_entry(make_booker, orders, sample_refunds):
    booker = make_booker()
    order = parse_order(orders[4140])
    doc = booker.book_refund(order, parse_refund(sample_refunds["4140"][0], order))
    assert [(l.kind, l.quantity, l.net, l.vat, l.vat_code) for l in doc.lines] == [("product", D(-1), D("-15.00"), D("-3.15"), "2")]
    assert doc.total == doc.booked_total == D("-18.15")
    assert doc.refund_id == 4150 and doc.entry_date == date(2024, 9, 20)
    assert doc.description == "Refund 4150 of WooCommerce order 4140" and doc.your_ref == "4140/4150"  # a credit is told apart from its sale


def test_amount_only_refund_is_spread_over_the_order_rates_in_proportion(make_booker, orders):
    order = parse_order(orders[4120])
    refund = parse_refund({"id": 4199, "amount": "10.00", "reason": "Coulance", "date_created": "2024-06-10T10:00:00", "line_items": []}, order)
    doc = make_booker().book_refund(order, refund)
    assert doc.booked_total == D("-10.00")
    by_rate = {l.percent: (l.net, l.vat) for l in doc.lines}
    assert by_rate == {D(21): (D("-6.36"), D("-1.33")), D(9): (D("-2.12"), D("-0.19"))}  # 65.34 : 19.62 of 84.96


def test_zero_total_order_is_booked_with_lines_netting_to_zero(make_booker, orders):
    raw = copy.deepcopy(orders[4101])
    for item in raw["line_items"]:
        item.update(total="0.00", total_tax="0.00", taxes=[{**t, "total": "0"} for t in item["taxes"]])
    raw["shipping_lines"], raw["shipping_total"], raw["shipping_tax"] = [], "0.00", "0.00"
    raw.update(total="0.00", total_tax="0.00", cart_tax="0.00", discount_total="60.00", discount_tax="10.20")
    for t in raw["tax_lines"]:
        t.update(tax_total="0.00", shipping_tax_total="0.00")
    doc = make_booker().book_order(parse_order(raw))
    assert len(doc.lines) == 2 and doc.booked_total == D(0) == doc.total
    separate = make_booker("booking:\n  discounts: separate\n").book_order(parse_order(raw))
    assert separate.booked_total == D(0) and {l.kind for l in separate.lines} == {"product", "discount"}


def test_small_gap_gets_a_rounding_line_and_a_large_one_fails_with_both_totals(make_booker, orders):
    booker = make_booker()
    raw = copy.deepcopy(orders[4120])
    raw["total"] = "84.97"
    doc = booker.book_order(parse_order(raw))
    rounding = doc.lines[-1]
    assert (rounding.kind, rounding.net, rounding.vat, rounding.gl_account, rounding.vat_code) == (
        "rounding",
        D("0.01"),
        D(0),
        "8990",
        "5",
    )  # outside the VAT return
    assert doc.booked_total == D("84.97") and any("rounding line" in w for w in doc.warnings)
    raw["total"] = "85.96"
    with pytest.raises(BookingError) as caught:
        booker.book_order(parse_order(raw))
    assert "84.96" in caught.value.message and "85.96" in caught.value.message


def test_entry_date_is_the_shop_local_calendar_date():
    assert local_date("2024-09-16T08:15:00", "Europe/Amsterdam") == date(2024, 9, 16)
    assert local_date("2024-03-31T22:30:00Z", "Europe/Amsterdam") == date(2024, 4, 1)  # 00:30 CEST
    assert local_date("2024-01-01T00:30:00+01:00", "Europe/Amsterdam") == date(2024, 1, 1)  # not shifted to UTC
    assert local_date("2024-05-02", "Europe/Amsterdam") == date(2024, 5, 2)
    with pytest.raises(BookingError):
        local_date("gisteren", "Europe/Amsterdam")


def _foreign(raw: dict, country: str, percent: int, rate_code: str, vat_number: str = "") -> dict:
    raw = copy.deepcopy(raw)
    raw["billing"]["country"] = raw["shipping"]["country"] = country
    if vat_number:
        raw["meta_data"].append({"id": 1, "key": "_billing_vat_number", "value": vat_number})
    for t in raw["tax_lines"]:
        t.update(rate_percent=percent, rate_code=rate_code)
    return raw


def test_oss_export_and_intra_eu_lines_get_their_codes(make_booker, orders):
    booker = make_booker()
    oss = booker.book_order(parse_order(_foreign(orders[4140], "DE", 19, "DE-MWST 19%-1")))
    assert {(l.vat_code, l.gl_account) for l in oss.lines} == {("D19", "8045"), ("D19", "8050")}
    untaxed = copy.deepcopy(orders[4120])
    for item in untaxed["line_items"] + untaxed["fee_lines"]:
        item.update(taxes=[], total_tax="0.00", subtotal_tax="0.00")
    untaxed.update(tax_lines=[], total=str(D("72.00")), total_tax="0.00", cart_tax="0.00")
    icp = booker.book_order(parse_order(_foreign(untaxed, "DE", 0, "", vat_number="DE123456789")))
    assert {(l.kind, l.vat_code, l.gl_account) for l in icp.lines} == {("product", "7", "8030"), ("discount", "7", "8070")}
    export = booker.book_order(parse_order(_foreign(untaxed, "US", 0, "")))
    assert {(l.kind, l.vat_code, l.gl_account) for l in export.lines} == {("product", "6", "8040"), ("discount", "6", "8070")}


def test_a_rate_the_mapping_does_not_know_fails_that_order_naming_the_template(make_booker, orders):
    raw = copy.deepcopy(orders[4140])
    raw["tax_lines"][0]["rate_percent"] = 13
    with pytest.raises(BookingError) as caught:
        make_booker().book_order(parse_order(raw))
    assert "mapping.vat_code" in caught.value.message and "13" in caught.value.message


def test_no_email_fails_unless_a_collective_account_takes_it(make_booker, orders):
    raw = copy.deepcopy(orders[4101])
    raw["billing"]["email"] = None
    with pytest.raises(BookingError, match="no billing e-mail"):
        make_booker().customer(parse_order(raw))
    plan = make_booker("customers:\n  collective: \"{{ '999' if customer.is_guest else '' }}\"\n").customer(parse_order(raw))
    assert plan.collective == "999"


def test_new_account_fields_come_from_the_templates(make_booker, orders):
    plan = make_booker().customer(parse_order(orders[4120]))
    assert plan.email == "inkoop@deboon.example.nl"
    assert plan.account["Name"] == "Koffiebar De Boon B.V." and plan.account["Status"] == "C" and plan.account["Country"] == "NL"
    guest = make_booker().customer(parse_order(orders[4101]))
    assert guest.email == "jan.devries@example.nl" and guest.context["is_guest"] and "VATNumber" not in guest.account


MASTER = MasterData(
    vat_codes={
        "2": VatCode("2", D(21), "E"),
        "1": VatCode("1", D(9), "E"),
        "0": VatCode("0", D(0), "E"),
        "4": VatCode("4", D(21), "I"),
        "7": VatCode("7", D(0), "B", eu_listing="L"),
    },
    gl_types={"8000": 110, "8010": 110, "8050": 110, "8070": 110, "8990": 110, "1300": 20},
    journal_types={"70": 20, "20": 12},
)


def test_master_data_checks_catch_what_exact_would_refuse(make_booker, orders):
    doc = make_booker().book_order(parse_order(orders[4101]))
    assert master_data_problems(doc, MASTER) == []
    wrong = make_booker('mapping:\n  vat_code: "4"\n  gl_account: "1300"\n').book_order(parse_order(orders[4101]))
    problems = " | ".join(master_data_problems(wrong, MASTER))
    assert "VAT code '4' is an inclusive code" in problems
    assert "GL account '1300' (product line) is not a revenue account" in problems
    ninepct = make_booker('mapping:\n  vat_code: "2"\n').book_order(parse_order(orders[4101]))
    assert any("is 21% but the product line 'Kookboek Hollandse pot' is taxed at 9%" in p for p in master_data_problems(ninepct, MASTER))
    unknown = make_booker('booking:\n  journal: "71"\n').book_order(parse_order(orders[4101]))
    assert "journal '71' is not a sales journal in this administration" in master_data_problems(unknown, MASTER)


def test_two_rates_on_one_product_line_book_at_their_combined_rate(make_booker, orders):
    raw = copy.deepcopy(orders[4140])
    raw["tax_lines"] = [
        {
            "id": 1,
            "rate_code": "NL-BTW 21%-1",
            "rate_id": 1,
            "label": "A",
            "compound": False,
            "tax_total": "0",
            "shipping_tax_total": "0",
            "rate_percent": 6,
        },
        {
            "id": 2,
            "rate_code": "NL-BTW 3%-2",
            "rate_id": 2,
            "label": "B",
            "compound": False,
            "tax_total": "0",
            "shipping_tax_total": "0",
            "rate_percent": 3,
        },
    ]
    raw["line_items"] = [
        {
            **raw["line_items"][0],
            "total": "40.00",
            "total_tax": "3.60",
            "taxes": [{"id": 1, "total": "2.4", "subtotal": "2.4"}, {"id": 2, "total": "1.2", "subtotal": "1.2"}],
        }
    ]
    raw["shipping_lines"], raw["total"] = [], "43.60"
    booker = make_booker('mapping:\n  vat_code: "{{ line.tax_rate | int }}"\n')
    doc = booker.book_order(parse_order(raw))
    assert [(l.net, l.vat, l.percent, l.vat_code) for l in doc.lines] == [(D("40.00"), D("3.60"), D(9), "9")]
