"""Issue 23 #7: a sales invoice whose VAT Exact sums otherwise than WooCommerce, by more than
rounding, fails before anything is left in Exact: the open invoice is deleted (an intended
step in the ledger), the failure names the line that causes the difference, and `report`
promises no run that will not happen. Through the CLI, against the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.sandbox.woo.carts import DEFAULT_STORE, Address, Cart, Fee, ProductLine
from runner.sandbox.woo.orders import build_order

BUYER = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")
BEANS = ProductLine(188, "Espressobonen", D("24.20"), 2)
INVOICES = "booking:\n  target: sales_invoice\n"


def odd_discount_order(box) -> dict:
    """48.40 of beans at 21 % and a discount 'Korting' of 1.92 whose VAT a plugin set to 0.31
    (16 %, no rate of the shop) where WooCommerce's own would be 0.40."""
    when = datetime.now().replace(microsecond=0) - timedelta(days=3)
    cart = Cart(7601, (BEANS,), BUYER, when, fees=(Fee("Korting", D("-1.92")),), paid=when, completed=when, status="completed")
    order = build_order(cart, DEFAULT_STORE)
    fee = order["fee_lines"][0]
    fee.update(total_tax="-0.31", taxes=[{**fee["taxes"][0], "total": "-0.31"}])
    order["tax_lines"][0]["tax_total"] = "8.09"
    order.update(total_tax="8.09", total="46.17")
    return box.woo.add_order(order)


def test_an_invoice_exact_sums_otherwise_is_deleted_and_the_line_named(sync_box):
    box = sync_box(orders=0, extra=INVOICES, exact_options={"invoice_vat_override": False})
    odd_discount_order(box)
    result = box.run("run")
    assert result.exit_code == 1, result.output
    assert "the discount line 'Korting' carries 0.31 VAT on 1.92: 16 %, not a rate the shop has" in result.output
    assert "check that the VAT codes' percentages" not in result.output
    assert box.exact.invoices == {}  # nothing left in Exact: the open invoice was deleted
    with box.ledger() as ledger:
        assert ledger.order_steps(7601) == [] and ledger.open_intents() == []

    again = box.run("retry")
    assert again.exit_code == 1 and "16 %" in again.output and box.exact.invoices == {}

    day = (datetime.now() - timedelta(days=3)).date().isoformat()
    report = box.run("report", "--from", day, "--to", day)
    assert "the next run processes it" not in report.output and "not processed" not in report.output
    assert "16 %" in report.output  # the order's failure, as the ledger holds it


class Crash(BaseException):
    """The process dies (power cut): nothing after it runs, whatever catches Exception."""


def test_a_crash_between_creating_and_deleting_leaves_neither_a_duplicate_nor_an_orphan(sync_box, monkeypatch):
    from runner.adapters.exact.client import ExactApi

    box = sync_box(orders=0, extra=INVOICES, exact_options={"invoice_vat_override": False})
    odd_discount_order(box)
    delete = ExactApi.delete

    def crash_before(self, path):
        raise Crash  # after the delete was intended, before it was sent

    def crash_after(self, path):
        delete(self, path)
        raise Crash  # after Exact deleted it, before the ledger heard

    for crash, command in ((crash_before, "run"), (crash_after, "retry")):  # the second: the order failed before
        monkeypatch.setattr(ExactApi, "delete", crash)
        with pytest.raises(Crash):
            box.run(command)
        with box.ledger() as ledger:
            assert [i["step"] for i in ledger.open_intents()] == ["withdraw"]
        assert len(box.exact.invoices) == (1 if crash is crash_before else 0)
        monkeypatch.setattr(ExactApi, "delete", delete)
        again = box.run(command)
        assert again.exit_code == 1 and "16 %, not a rate the shop has" in again.output, again.output
        assert box.exact.invoices == {}  # neither the first invoice (an orphan) nor a second
        with box.ledger() as ledger:
            assert ledger.order_steps(7601) == [] and ledger.open_intents() == []


def test_the_sandbox_deletes_an_open_invoice_and_refuses_a_processed_one(sync_box):
    from runner import spec as spec_module
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.errors import OutcomeUnknown

    box = sync_box(orders=0, extra=INVOICES, exact_options={"invoice_vat_override": True})
    odd_discount_order(box)
    assert box.run("run").exit_code == 0  # Exact takes the sent VAT here: printed
    [(printed, invoice)] = box.exact.invoices.items()
    spec = spec_module.load(box.spec)
    with box.ledger() as ledger:
        api = sink_from_spec(spec, ledger, store_from_spec(spec)).api
        with pytest.raises(OutcomeUnknown, match="de factuur is al verwerkt"):
            api.delete(f"salesinvoice/SalesInvoices(guid'{printed}')")
        draft = api.post(
            "salesinvoice/SalesInvoices",
            {k: invoice[k] for k in ("OrderedBy", "Journal", "YourRef")}
            | {"SalesInvoiceLines": [{"Item": line["Item"], "Quantity": 1, "NetPrice": 1} for line in invoice["SalesInvoiceLines"][:1]]},
        )
        assert box.exact.invoices[draft["InvoiceID"]]["Status"] == 20
        api.delete(f"salesinvoice/SalesInvoices(guid'{draft['InvoiceID']}')")
    assert list(box.exact.invoices) == [printed]
