"""Issue 22 point 8: a cost centre and a cost unit per line (`mapping.cost_center`,
`mapping.cost_unit`, rendered per line like `gl_account`) reach Exact's `CostCenter` and
`CostUnit` on sales entry and invoice lines; an unknown code, and a line without one on a GL
account that demands one (`UseCostcenter`/`UseCostunit` 1), are refused before anything is
posted, by a run and by `validate --online`. Through the CLI, against the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.sandbox.woo.carts import Address, Cart, ProductLine, Shipping
from runner.sandbox.woo.orders import build_order

BEANS = ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1, tax_class="reduced-rate")
BAG = ProductLine(301, "Tas", D("60.50"), 1)
COSTS = """mapping:
  cost_center: "{{ '300' if customer.company else '100' }}"
  cost_unit: "{{ {'188': 'KOF'}.get(line.product_id | string, '') }}"
"""


def days_ago(days: int) -> dict:
    when = datetime.now().replace(microsecond=0) - timedelta(days=days)
    return {"created": when, "paid": when, "completed": when, "status": "completed"}


def sale(number: int, company: str = "") -> dict:
    buyer = Address("Iris", "Bos", company=company, city="Delft", country="NL", email=f"iris{number}@example.nl")
    return build_order(Cart(id=number, lines=(BEANS, BAG), billing=buyer, shipping=(Shipping(cost=D("5.00")),), **days_ago(3)))


def gl_row(box, code: str) -> dict:
    return next(g for g in box.exact.gl_accounts.values() if g["Code"].strip() == code)


@pytest.mark.parametrize("target", ["sales_entry", "sales_invoice"])
def test_each_line_carries_its_cost_centre_and_cost_unit_into_exact(sync_box, target):
    box = sync_box(orders=0, extra=f"booking:\n  target: {target}\n" + COSTS)
    box.woo.add_order(sale(7601))
    box.woo.add_order(sale(7602, company="Koffiebar B.V."))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    for ref, centre in (("7601", "100"), ("7602", "300")):  # by the customer: a company books on 300
        [doc] = [d for d in box.documents() if d["YourRef"] == ref]
        lines = doc.get("SalesEntryLines") or doc["SalesInvoiceLines"]
        got = {(ln["Description"], ln.get("CostCenter"), ln.get("CostUnit")) for ln in lines}
        # the beans (product 188) on cost unit KOF, the bag and the shipping on none
        assert got == {("Espressobonen 1 kg", centre, "KOF"), ("Tas", centre, None), ("PostNL", centre, None)}, got


def test_an_unknown_code_and_a_gl_account_that_demands_one_are_refused_before_posting(sync_box):
    box = sync_box(orders=0, extra=COSTS.replace("'300'", "'999'"))
    gl_row(box, "8050")["UseCostunit"] = 1  # shipping revenue demands a cost unit in this administration
    box.woo.add_order(sale(7603, company="Koffiebar B.V."))
    result = box.run("run")
    assert result.exit_code == 1 and "booked 0 order(s)" in result.output, result.output
    assert "cost centre '999' (product line) does not exist in this administration" in result.output
    assert "GL account '8050' demands a cost unit in this administration, but the shipping line" in result.output
    assert "give it one in mapping.cost_unit" in result.output
    assert box.posts("salesentry/SalesEntries") == 0 and box.exact.errors == []  # refused here, not by Exact
    checked = box.run("validate", "--online")
    assert checked.exit_code == 2, checked.output
    assert "cost centre '999'" in checked.output and "GL account '8050' demands a cost unit" in checked.output
    assert box.exact.calls[("GET", "hrm/Costcenters")] >= 1 and box.exact.calls[("GET", "hrm/CostCenters")] == 0


def test_a_spec_without_cost_centres_never_asks_for_them(sync_box):
    box = sync_box(orders=0)
    box.woo.add_order(sale(7604))
    assert box.run("run").exit_code == 0
    assert box.exact.calls[("GET", "hrm/Costcenters")] == 0 and box.exact.calls[("GET", "hrm/Costunits")] == 0
