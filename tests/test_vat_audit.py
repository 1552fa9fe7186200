"""Issue 22 point 9: `runner report` checks the runner against the shop's own figures, not
against itself: WooCommerce's tax per rate and country (the orders' `tax_lines`) against
Exact's VAT per code, sanity rules per document (a 0 % code on a sale to another EU country,
an OSS code on a domestic address, VAT on an export, ...) each with its documents, and the
totals per box of the Dutch VAT return, in the table, CSV and JSON. Through the CLI, against
the sandbox; every expected number worked out by hand below."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D

from runner.sandbox.woo.carts import DEFAULT_STORE, NL_RATES, Address, Cart, ProductLine
from runner.sandbox.woo.orders import build_order

BAG = ProductLine(301, "Tas", D("60.50"), 1)  # 60.50 including 21 %: 50.00 + 10.50 VAT (NL)
BEANS = ProductLine(188, "Espressobonen 1 kg", D("21.80"), 1, tax_class="reduced-rate")  # 21.80 incl. 9 %: 20.00 + 1.80
NO_DE = replace(DEFAULT_STORE, rates=tuple(r for r in NL_RATES if r.country != "DE"))  # a shop that charged Germany nothing
WHEN = datetime.now().replace(microsecond=0) - timedelta(days=3)


def sale(number: int, line: ProductLine, country: str, store=DEFAULT_STORE) -> dict:
    buyer = Address("Iris", "Bos", city="Plaats", country=country, email=f"klant{number}@example.eu")
    return build_order(Cart(id=number, lines=(line,), billing=buyer, created=WHEN, paid=WHEN, completed=WHEN, status="completed"), store)


def moved(order: dict, country: str) -> dict:
    """The addresses edited after the sale (the tax lines stay as charged)."""
    return {**order, "billing": {**order["billing"], "country": country}, "shipping": {**order["shipping"], "country": country}}


def test_the_report_holds_the_runner_to_woocommerces_own_figures_per_box_rate_and_document(sync_box):
    box = sync_box(orders=0)
    box.woo.add_order(sale(7701, BAG, "NL"))  # 1a: 50.00 + 10.50
    box.woo.add_order(sale(7702, BEANS, "NL"))  # 1b: 20.00 + 1.80
    # Germany, OSS: WooCommerce takes the Dutch VAT out of 60.50 (50.00) and charges 19 %: 9.50; code D19
    box.woo.add_order(sale(7703, BAG, "DE"))
    box.woo.add_order(sale(7704, BAG, "US"))  # export: 50.00 without VAT, code 6, box 3a
    box.woo.add_order(sale(7705, BAG, "DE", NO_DE))  # a German consumer charged no VAT: 50.00 on code 0 (1e)
    box.woo.add_order(moved(sale(7706, BAG, "DE"), "NL"))  # German VAT (D19, 9.50) on what now is a Dutch address
    box.woo.add_order(moved(sale(7707, BAG, "NL"), "US"))  # Dutch VAT (10.50 on code 2) on what now is an export
    assert box.run("run").exit_code == 0
    day = WHEN.date().isoformat()
    result = box.run("report", "--from", day, "--to", day)
    out = result.output
    assert result.exit_code == 1, out  # Exact agrees with the runner, but not everything with WooCommerce's own facts
    boxes = {
        line.split()[0]: line.split()[1:] for line in out.splitlines() if line[:2] == "  " and line[2:5] in ("1a ", "1b ", "1e ", "2a ", "3a ", "3b ")
    }
    # 1a: 7701 and 7707, 2 x (50.00, 10.50); 1b: 7702; 1e: 7705; 3a: 7704; 2a and 3b: nothing; shop = Exact
    assert boxes["1a"] == ["100.00", "21.00", "100.00", "21.00"]
    assert boxes["1b"] == ["20.00", "1.80", "20.00", "1.80"]
    assert boxes["1e"] == ["50.00", "0.00", "50.00", "0.00"] and boxes["3a"] == ["50.00", "0.00", "50.00", "0.00"]
    assert boxes["2a"] == boxes["3b"] == ["0.00"] * 4
    assert "  OSS    100.00     19.00     100.00      19.00" in out  # 7703 and 7706: outside the Dutch return
    # WooCommerce's tax lines per rate: NL 21 % 10.50 + 10.50, NL 9 % 1.80, DE 19 % 9.50 + 9.50: as booked
    assert "  DE       19 %            19.00      19.00" in out and "  NL       21 %            21.00      21.00" in out
    assert "  NL       9 %              1.80       1.80" in out
    checks = [line for line in out.splitlines() if line.startswith("! ")]
    assert "! a 0 % code (0, box 1e) on a sale to another EU country (DE): 7705" in checks
    assert "! an OSS code (D19, DE) on a domestic (NL) address: 7706" in checks
    assert "! VAT (10.50 on code 2) on an export to US: 7707" in checks
    assert len(checks) == 3  # 7701 to 7704 are right
    assert "Exact agrees with the runner, not with WooCommerce's own figures (3 difference(s))" in out

    data = json.loads(box.run("report", "--from", day, "--to", day, "--format", "json").stdout)
    assert {b["box"]: b["exact_vat"] for b in data["boxes"]}["1a"] == "21.00"
    assert {(r["country"], r["rate"]): r["woo_tax"] for r in data["rates"]}[("DE", "19")] == "19.00"
    assert ["7706"] in [c["documents"] for c in data["checks"]]
    rows = list(csv.DictReader(io.StringIO(box.run("report", "--from", day, "--to", day, "--format", "csv").stdout)))
    assert {r["box"]: r["shop_net"] for r in rows if r["kind"] == "box"}["3a"] == "50.00"
    assert any(r["kind"] == "check" and r["documents"] == "7707" for r in rows)


# ---- the box of a VAT code (issue 22, the review's point f) ------------------------------------

from runner.domain.vat_codes import VatCode  # noqa: E402
from runner.services.vat_audit import with_boxes  # noqa: E402


def test_each_codes_box_follows_from_its_type_percentage_listing_and_oss_country():
    # reference vat-edge-cases 6.3 and the return's boxes: 1a high rate (21 %; 19 % until
    # 1 Oct 2012), 1b low rate (9 %; 6 % until 1 Jan 2019), 1c other rates except 0 %, 1e 0 % or
    # not taxed here (a domestic reverse charge too), 3a exports (0 %, base only), 3b EU supplies
    # (an ICP listing), OSS apart, "geen BTW" (type N) outside the return
    cases = {
        VatCode("2", D("21")): "1a",
        VatCode("3", D("21"), "I"): "1a",
        VatCode("H19", D("19")): "1a",
        VatCode("1", D("9")): "1b",
        VatCode("L6", D("6")): "1b",
        VatCode("4", D("9"), "I"): "1b",
        VatCode("X13", D("13")): "1c",
        VatCode("0", D("0")): "1e",
        VatCode("V", D("0"), "B", charged=True): "1e",  # verlegd: a domestic reverse charge
        VatCode("6", D("0"), "B"): "3a",
        VatCode("7", D("0"), "B", "L", charged=True): "3b",
        VatCode("7S", D("0"), "B", "S"): "3b",
        VatCode("D19", D("19"), "E", "N", "DE"): "OSS",
        VatCode("5", D("0"), "N"): "outside",
    }
    assert {code.code: code.box for code in cases} == {code.code: box for code, box in cases.items()}


def test_a_spec_names_the_box_of_an_administrations_own_code():
    codes = {"7": VatCode("7", D("0"), "B"), "2": VatCode("2", D("21"))}  # an ICP code without its listing set
    assert codes["7"].box == "3a"
    fixed = with_boxes(codes, {"7": "3b"})
    assert fixed["7"].box == "3b" and fixed["2"].box == "1a"


def test_the_report_puts_a_code_in_the_box_the_spec_names_through_the_cli(sync_box):
    from tests.test_b2b import b2b_order

    for boxes, expected in (("", "3a"), ('vat_report:\n  boxes: {"7": "3b"}\n', "3b")):
        box = sync_box(orders=0, extra=boxes)
        seven = next(v for v in box.exact.admin.tables["vat/VATCodes"].values() if v["Code"].strip() == "7")
        seven["EUSalesListing"], seven["Charged"] = "N", False  # an administration whose ICP code lacks its listing
        order = b2b_order(7801, days=3)
        box.woo.add_order(order)
        assert box.run("run").exit_code == 0
        when = str(order["date_completed"])[:10]
        data = json.loads(box.run("report", "--from", when, "--to", when, "--format", "json").stdout)
        totals = {b["box"]: b["exact_net"] for b in data["boxes"]}
        assert totals[expected] == "100.00", (boxes, totals)


# ---- the VIES verdict the booking used (issue 22, the review's point d) --------------------------


def report_of(box, order: dict) -> dict:
    when = str(order["date_completed"])[:10]
    return json.loads(box.run("report", "--from", when, "--to", when, "--format", "json").stdout)


def test_the_report_books_the_shop_side_with_the_vies_answer_the_run_used(sync_box):
    from tests.test_b2b import b2b_order

    box = sync_box(orders=0, extra="customers:\n  vies: warn\n")
    order = b2b_order(7811, (("_billing_vat_id", "DE999999999"),), days=3)  # VIES: not valid
    box.woo.add_order(order)
    assert box.run("run").exit_code == 0
    data = report_of(box, order)
    # booked with Dutch VAT (warn): 100.00 paid = 82.64 + 17.36 at 21 %, box 1a, not 3b (the rule
    # alone, without VIES's answer, made the shop side a 0 % ICP supply: "amounts differ")
    boxes = {b["box"]: (b["shop_net"], b["shop_vat"], b["exact_net"], b["exact_vat"]) for b in data["boxes"]}
    assert boxes["1a"] == ("82.64", "17.36", "82.64", "17.36") and boxes["3b"] == ("0.00",) * 4, boxes
    assert data["documents"] == [] and box.vies.calls["DE999999999"] == 1  # the report asked VIES nothing


def test_the_report_flags_reverse_charge_on_a_number_vies_did_not_confirm(sync_box):
    from tests.test_b2b import VALID, b2b_order

    box = sync_box(orders=0, extra="customers:\n  vies: 'off'\n")
    order = b2b_order(7812, days=3)
    box.woo.add_order(order)
    assert box.run("run").exit_code == 0 and box.vies.calls[VALID] == 0  # off: booked at 0 % (code 7) unchecked
    data = report_of(box, order)
    [check] = [c for c in data["checks"] if "VIES" in c["problem"]]
    assert check["problem"] == f"reverse charge (7, box 3b) on VAT number {VALID}, which VIES did not confirm (no answer in the ledger)"
    assert check["documents"] == ["7812"]

    box = sync_box(orders=0)  # required: checked, valid: nothing to flag
    box.woo.add_order(order)
    assert box.run("run").exit_code == 0 and box.vies.calls[VALID] == 1
    assert not [c for c in report_of(box, order)["checks"] if "VIES" in c["problem"]]
