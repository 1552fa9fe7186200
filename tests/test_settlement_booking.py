"""A settlement as one bank entry (issue 24 point 3): pure, the reference's worked Mollie
example (psp-settlements.md section 6) line by line, and what happens to what no order explains."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from runner.domain.settlement import ADJUSTMENT, CHARGEBACK, PAYMENT, REFUND, Movement, Settlement, tagged
from runner.domain.settling import Accounts, Link, entry
from runner.errors import BookingError

ACCOUNTS = Accounts("MOL", "1300", "2100", "4610", "2999", "", lambda kind: "2")
DAY = date(2026, 11, 12)


def mollie(fees=D("3.52"), payout=D("202.98"), extra=()) -> Settlement:
    movements = (
        Movement(PAYMENT, "tr_1042", D("121.00"), date(2026, 11, 3), "tr_1042", "1042"),
        Movement(PAYMENT, "tr_1043", D("60.50"), date(2026, 11, 3), "tr_1043", "1043"),
        Movement(PAYMENT, "tr_1044", D("100.00"), date(2026, 11, 4), "tr_1044", "1044"),
        Movement(REFUND, "re_4qq", D("-30.00"), date(2026, 11, 8), "tr_1017"),
        Movement(CHARGEBACK, "chb_n9z", D("-45.00"), date(2026, 11, 9), "tr_1012"),
        *extra,
    )
    return Settlement("mollie", "stl_k2Jx8PqR4d", "1234567.2611.02", DAY, payout, "EUR", movements, (("fees", fees),))


LINKS = {
    "tr_1042": Link(1042, "1042", "acc-a", 26700042),
    "tr_1043": Link(1043, "1043", "acc-b", 26700043),
    "tr_1044": Link(1044, "1044", "acc-c", 26700044),
    "re_4qq": Link(1017, "1017", "acc-d", 26700099, refund_id=5),
    "chb_n9z": Link(1012, "1012", "acc-e", 26700012),
}


def test_the_worked_example_sums_to_nothing_and_each_line_goes_where_the_reference_says():
    made = entry(mollie(), LINKS, ACCOUNTS)
    rows = [(line.kind, line.gl_account, line.account, line.our_ref, line.amount, line.vat_code) for line in made.lines]
    assert rows == [
        ("receipt", "1300", "acc-a", 26700042, D("121.00"), ""),
        ("receipt", "1300", "acc-b", 26700043, D("60.50"), ""),
        ("receipt", "1300", "acc-c", 26700044, D("100.00"), ""),
        ("refund", "1300", "acc-d", 26700099, D("-30.00"), ""),
        ("chargeback", "1300", "acc-e", 26700012, D("-45.00"), ""),
        ("fee", "4610", "", None, D("-3.52"), "2"),
        ("payout", "2100", "", None, D("-202.98"), ""),
    ]
    assert made.total == 0  # the journal's balance does not move: the money is on the bank
    assert made.journal == "MOL" and made.day == DAY
    assert tagged(made.lines[-1].description) == ("mollie", "stl_k2Jx8PqR4d")
    assert all(len(line.description) <= 60 for line in made.lines)
    assert {r[:2] for r in made.receipts} == {(1042, None), (1043, None), (1044, None), (1017, 5)}
    assert any("chargeback chb_n9z of order 1012" in said for said in made.named)


def test_receipts_the_run_booked_are_not_booked_again():
    links = {**LINKS, "tr_1042": Link(1042, "1042", "acc-a", 26700042, booked=True)}
    made = entry(mollie(), links, ACCOUNTS)
    assert "tr_1042" not in {line.ref for line in made.lines}
    assert made.total == D("-121.00")  # the journal held it already: it falls by what left


def test_a_payment_without_an_order_goes_to_the_differences_account_named():
    stray = Movement(PAYMENT, "tr_stray", D("9.99"), date(2026, 11, 5))
    made = entry(mollie(payout=D("212.97"), extra=(stray,)), LINKS, ACCOUNTS)
    line = next(line for line in made.lines if line.ref == "tr_stray")
    assert (line.kind, line.gl_account, line.amount) == ("difference", "2999", D("9.99"))
    assert any("tr_stray (9.99) without an order" in said for said in made.named)


def test_a_payment_of_an_order_not_booked_yet_is_a_difference_whose_receipt_never_follows():
    links = {**LINKS, "tr_1043": Link(1043, "1043")}  # the shop has it, Exact not yet
    made = entry(mollie(), links, ACCOUNTS)
    line = next(line for line in made.lines if line.ref == "tr_1043")
    assert (line.kind, line.gl_account, line.amount) == ("difference", "2999", D("60.50"))
    assert (1043, None, "tr_1043") in made.receipts  # kept as paid: the run posts no receipt of its own for it later
    assert any("order 1043, not booked in Exact yet" in said for said in made.named)


def test_an_adjustment_naming_an_order_is_a_difference_never_on_the_customer():
    hold = Movement(ADJUSTMENT, "hold_1", D("-10.00"), DAY, "tr_1042", "1042", description="T1110")
    made = entry(mollie(payout=D("192.98"), extra=(hold,)), {**LINKS, "hold_1": LINKS["tr_1042"]}, ACCOUNTS)
    line = next(line for line in made.lines if line.ref == "hold_1")
    assert (line.kind, line.gl_account, line.account) == ("difference", "2999", "")
    assert any("hold_1 (-10.00) (an adjustment)" in said for said in made.named)


def test_a_refund_without_a_credit_is_on_the_customer_and_named():
    links = {**LINKS, "re_4qq": Link(1017, "1017", "acc-d", None)}
    made = entry(mollie(), links, ACCOUNTS)
    line = next(line for line in made.lines if line.ref == "re_4qq")
    assert (line.account, line.our_ref) == ("acc-d", None)
    assert any("has no credit in Exact: on the customer" in said for said in made.named)


def test_a_settlement_that_does_not_add_up_is_refused_before_anything_is_sent():
    with pytest.raises(BookingError, match="not the payout of 200.00"):
        entry(mollie(payout=D("200.00")), LINKS, ACCOUNTS)


def test_dispute_fees_go_to_the_chargeback_account_without_the_fee_vat_code():
    dispute = Movement(CHARGEBACK, "dp_1", D("-45.00"), DAY, "ch_1", fee=D("20.00"), fee_kind="Dispute fee")
    settlement = Settlement("stripe", "po_1", "", DAY, D("-65.00"), "EUR", (dispute,))
    made = entry(settlement, {}, Accounts("STR", "1300", "2100", "4610", "2999", "4620", lambda kind: "2"))
    assert [(line.kind, line.gl_account, line.amount, line.vat_code) for line in made.lines] == [
        ("difference", "4620", D("-45.00"), ""),
        ("fee", "4620", D("-20.00"), ""),
        ("payout", "2100", D("65.00"), ""),
    ]
