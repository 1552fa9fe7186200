"""Issue 22 point 10: invoices, whose VAT? Whether Exact takes WooCommerce's `VATAmountFC` on a
sales invoice line or sums its own is unconfirmed [U]; the sandbox does either
(`invoice_vat_override`), and the runner is tested under both, on an order worked out by hand.
And Exact makes an invoice line's amount of quantity x price: a price reduction refunded with
quantity 0 is invoiced as one unit at its (negative) amount. Through the CLI, against the sandbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.sandbox.woo.carts import DEFAULT_STORE, Address, Cart, ProductLine, RefundItem
from runner.sandbox.woo.orders import build_order

AT_SUBTOTAL = replace(DEFAULT_STORE, round_at_subtotal=True)
BUYER = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")
TEA = ProductLine(188, "Thee", D("2.99"), 1, tax_class="reduced-rate")
BISCUITS = ProductLine(189, "Koekjes", D("2.99"), 1, tax_class="reduced-rate")
INVOICES = "booking:\n  target: sales_invoice\n"


def days_ago(days: int) -> dict:
    when = datetime.now().replace(microsecond=0) - timedelta(days=days)
    return {"created": when, "paid": when, "completed": when, "status": "completed"}


def invoice(box, your_ref: str) -> dict:
    [found] = [i for i in box.exact.invoices.values() if i["YourRef"] == your_ref]
    return found


def lines(found: dict) -> list[tuple[str, D, D, D]]:
    """(description, quantity, amount, VAT) of each line Exact holds."""
    return [(ln["Description"], D(str(ln["Quantity"])), D(str(ln["AmountFC"])), D(str(ln["VATAmountFC"]))) for ln in found["SalesInvoiceLines"]]


@pytest.mark.parametrize("override", [True, False], ids=["exact-takes-line-vat", "exact-sums-its-own"])
def test_whose_vat_on_an_invoice_the_runner_books_woocommerces_total_either_way(sync_box, override):
    """Two items of 2.99 including 9 % in a shop that rounds tax at subtotal level
    (`woocommerce_tax_round_at_subtotal`): each holds 2.99 x 9 / 109 = 0.246881 VAT, the tax line
    rounds their sum once: 0.493762 -> 0.49, so the net is 5.98 - 0.49 = 5.49; the runner puts
    WooCommerce's cents on the goods (docs/booking-rules.md, Amounts and VAT): 2.75 with 0.24 and
    2.74 with 0.25 (the first, the largest, takes the cent). Exact summing its own VAT per line,
    half up: 2.75 x 9 % = 0.2475 -> 0.25, 2.74 x 9 % = 0.2466 -> 0.25, 0.50 in all, a cent more
    than WooCommerce: the runner closes it with a rounding line of -0.01 (8990, code 5) before
    printing. Exact taking the sent VAT: 0.49, and no rounding line."""
    box = sync_box(orders=0, extra=INVOICES, woo_options={"store": AT_SUBTOTAL}, exact_options={"invoice_vat_override": override})
    order = box.woo.add_order(build_order(Cart(id=7501, lines=(TEA, BISCUITS), billing=BUYER, **days_ago(3)), AT_SUBTOTAL))
    assert (order["total"], order["tax_lines"][0]["tax_total"]) == ("5.98", "0.49")
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    booked = invoice(box, "7501")
    assert booked["Status"] == 50 and booked["AmountFC"] == D("5.98")  # WooCommerce's total, printed
    if override:
        assert lines(booked) == [("Thee", 1, D("2.75"), D("0.24")), ("Koekjes", 1, D("2.74"), D("0.25"))]  # as sent
        assert booked["VATAmountFC"] == D("0.49") and "rounding line" not in result.output
        assert box.posts("salesinvoice/SalesInvoiceLines") == 0
    else:
        assert lines(booked) == [
            ("Thee", 1, D("2.75"), D("0.25")),
            ("Koekjes", 1, D("2.74"), D("0.25")),
            ("Rounding difference (VAT as Exact sums it)", 1, D("-0.01"), D("0.00")),
        ]
        assert booked["VATAmountFC"] == D("0.50") and "a rounding line of -0.01" in result.output
        assert box.posts("salesinvoice/SalesInvoiceLines") == 1


@pytest.mark.parametrize("override", [True, False], ids=["exact-takes-line-vat", "exact-sums-its-own"])
def test_a_price_reduction_refunded_with_quantity_0_is_one_unit_at_its_negative_amount(sync_box, override):
    """A bag of 60.50 including 21 % (50.00 + 10.50 VAT); the shop refunds 12.10 of its price
    (10.00 + 2.10 VAT), quantity 0: nothing came back. Exact makes a line's amount of quantity x
    unit price, so quantity 0 would be 0.00 and the credit note short by 10.00: the line goes as
    1 x -10.00 (VAT -2.10, 21 % of it either way), and the credit note totals -12.10."""
    box = sync_box(orders=0, extra=INVOICES, exact_options={"invoice_vat_override": override})
    order = box.woo.add_order(build_order(Cart(id=7502, lines=(ProductLine(301, "Tas", D("60.50"), 1),), billing=BUYER, **days_ago(3))))
    back = box.woo.add_refund(7502, [RefundItem(order["line_items"][0]["id"], 0, D("10.00"), taxes=((1, D("2.10")),))])
    assert back["amount"] == "12.10"
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    credit = invoice(box, f"7502/{back['id']}")
    [line] = [ln for ln in credit["SalesInvoiceLines"] if D(str(ln["AmountFC"]))]
    assert (D(str(line["Quantity"])), D(str(line["UnitPrice"])), line["AmountFC"], line["VATAmountFC"]) == (1, D("-10.00"), D("-10.00"), D("-2.10"))
    assert credit["Type"] == 8021 and credit["AmountFC"] == D("-12.10") and credit["Status"] == 50
    assert "rounding line" not in result.output
