"""B2B sales to another member state (issue 22 #5), through the CLI against the sandbox: the VAT
number found where the shop's plugin keeps it (reference vat-edge-cases.md 1.2), checked in
VIES (the sandbox's, runner/sandbox/vies.py), the answer kept with the booking, an invalid
number never at 0 %, VIES unavailable: the order waits.

The rule behind every expected number: a supply of goods to a business in another member
state with a valid VAT number of that state is exempt (intra-Community supply, Directive
2006/112/EC art. 138; since the 2020 quick fixes the customer's valid number is a condition):
0 %, Exact code 7 "Intracommunautaire levering" (EUSalesListing L, box 3b and the ICP
listing) on 8030 "Omzet ICP" in the nl-default preset. Without a valid number the supply is
taxed where it starts (the Netherlands): the amount paid is the consideration including the
VAT (art. 73, 78), so 100.00 paid holds 100 x 21/121 = 17.36 VAT on 82.64."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.sandbox.exact.master import create_account
from runner.sandbox.woo.carts import Address, Cart, ProductLine
from runner.sandbox.woo.orders import build_order

WEBER = Address("Jonas", "Weber", "Kaffeehaus Weber GmbH", "Hauptstr. 12", "", "Köln", "", "50667", "DE", "einkauf@weber.example.de")
MACHINE = ProductLine(420, "Espressomachine", D("100.00"), 1, sku="ESP-MACH")  # net price: a wholesale shop, prices excl. VAT
VALID = "DE811569869"  # registered in the sandbox's VIES (runner/sandbox/vies.py REGISTER)


def b2b_order(number: int, meta: tuple = (("_billing_vat_id", VALID),), billing: Address = WEBER, days: int = 3) -> dict:
    """A VAT-exempt sale (WooCommerce's is_vat_exempt: no tax lines) of 100.00 net to a German company."""
    when = datetime.now().replace(microsecond=0) - timedelta(days=days)
    cart = Cart(
        id=number,
        lines=(MACHINE,),
        billing=billing,
        created=when,
        paid=when,
        completed=when,
        status="completed",
        prices_include_tax=False,
        vat_exempt=True,
        meta=meta,
    )
    return build_order(cart)


def booked(box, your_ref: str) -> dict:
    [doc] = [d for d in box.documents() if d["YourRef"] == your_ref]
    return doc


def lines_of(box, doc: dict) -> dict[tuple[str, str], tuple[D, D]]:
    code = {g["ID"]: g["Code"].strip() for g in box.exact.gl_accounts.values()}
    out: dict[tuple[str, str], tuple[D, D]] = {}
    for line in doc.get("SalesEntryLines") or doc.get("SalesInvoiceLines") or []:
        key = (code[line["GLAccount"]], line["VATCode"].strip())
        net, vat = out.get(key, (D(0), D(0)))
        out[key] = (net + D(str(line["AmountFC"])), vat + D(str(line.get("VATAmountFC") or 0)))
    return out


# Each plugin's key (reference 1.2): Germanized Pro, German Market, Aelia, EU/UK VAT Compliance,
# the block checkout's additional field, Germanized Pro's REST address field, the EU VAT Number extension.
PLUGINS = {
    "germanized": {"meta": (("_billing_vat_id", VALID),)},
    "german-market": {"meta": (("billing_vat", VALID),)},
    "aelia": {"meta": (("vat_number", VALID), ("_vat_number_validated", "valid"))},
    "eu-vat-compliance": {"meta": (("VAT Number", VALID), ("Valid VAT Number", "true"))},
    "block-checkout": {"meta": (("_wc_billing/my-shop/vat_number", VALID),)},
    "eu-vat-number": {"meta": (("_billing_vat_number", "de 811 569 869"), ("_vat_number_is_valid", "true"))},
}


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_a_german_companys_vat_number_where_its_plugin_keeps_it_books_an_icp_supply_checked_in_vies(sync_box, plugin):
    box = sync_box(orders=0)
    box.woo.add_order(b2b_order(7501, **PLUGINS[plugin]))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    doc = booked(box, "7501")
    # art. 138: 0 % ICP, code 7 on 8030; 100.00 net, no VAT; never code 0 (box 1e) nor a consumer warning
    assert lines_of(box, doc) == {("8030", "7"): (D("100.00"), D("0.00"))}
    assert "consumer sale" not in result.output
    # VIES's answer kept with the booking, in the lines' Notes
    notes = {line.get("Notes") for line in doc["SalesEntryLines"]}
    assert len(notes) == 1 and f"DE{VALID[2:]} valid" in notes.pop()
    assert box.vies.calls[VALID] == 1
    [account] = [a for a in box.exact.accounts.values() if a.get("ID") == doc["Customer"]]
    assert "811569869" in (account.get("VATNumber") or "")


def test_germanized_pros_vat_id_in_the_rest_address_is_found_too(sync_box):
    box = sync_box(orders=0)
    order = b2b_order(7502, meta=())
    order["billing"]["vat_id"] = VALID  # WC_GZDP_REST_Orders_Controller adds it to the address object
    box.woo.add_order(order)
    assert box.run("run").exit_code == 0
    assert lines_of(box, booked(box, "7502")) == {("8030", "7"): (D("100.00"), D("0.00"))}


def test_an_invalid_number_fails_the_order_with_vies_answer_and_nothing_is_booked(sync_box):
    box = sync_box(orders=0)
    box.woo.add_order(b2b_order(7503, meta=(("_billing_vat_id", "DE999999999"),)))
    result = box.run("run")
    assert result.exit_code == 1 and "failed 1" in result.output, result.output
    assert "VAT number DE999999999 is not valid according to VIES" in result.output and "DE999999999 not valid" in result.output
    assert not [d for d in box.documents() if d["YourRef"] == "7503"]  # never at 0 %


def test_warn_books_an_invalid_number_with_dutch_vat_out_of_what_was_paid(sync_box):
    box = sync_box(orders=0, extra="customers:\n  vies: warn\n")
    box.woo.add_order(b2b_order(7504, meta=(("_billing_vat_id", "DE999999999"),)))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    # 100.00 paid includes 21 % (the standard class): 100 / 1.21 = 82.6446 -> 82.64 net, 17.36 VAT, on 8000 code 2
    assert lines_of(box, booked(box, "7504")) == {("8000", "2"): (D("82.64"), D("17.36"))}
    assert "not valid according to VIES: booked with the shop's own VAT" in result.output


def test_vies_unavailable_the_order_waits_and_is_booked_once_vies_answers(sync_box):
    box = sync_box(orders=0)
    box.woo.add_order(b2b_order(7505))
    box.vies.down = {"DE"}  # the German system does not answer: MS_UNAVAILABLE
    result = box.run("run")
    assert result.exit_code == 1 and "failed 1" in result.output, result.output
    assert "VIES cannot check VAT number" in result.output and "MS_UNAVAILABLE" in result.output
    assert not box.documents()  # never booked at 0 % unchecked
    box.vies.down = set()
    result = box.run("retry")
    assert result.exit_code == 0, result.output
    assert lines_of(box, booked(box, "7505")) == {("8030", "7"): (D("100.00"), D("0.00"))}


def test_a_number_is_asked_of_vies_once_per_run_whatever_the_orders(sync_box):
    box = sync_box(orders=0)
    for n in range(4):
        box.woo.add_order(b2b_order(7510 + n * 10, days=4 - n))
    result = box.run("run")
    assert result.exit_code == 0 and "booked 4 order(s)" in result.output, result.output
    assert box.vies.calls[VALID] == 1


def test_accounts_are_matched_on_the_vat_number_before_the_email(sync_box):
    box = sync_box(orders=0)
    fields = {"Name": "Kaffeehaus Weber GmbH", "Email": "buchhaltung@weber.example.de", "VATNumber": VALID, "Status": "C"}
    known = create_account(box.exact.admin, fields)
    box.woo.add_order(b2b_order(7520))  # ordered by einkauf@..., not the account's e-mail
    accounts = len(box.exact.accounts)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert booked(box, "7520")["Customer"] == known["ID"] and len(box.exact.accounts) == accounts


def test_the_match_may_still_be_the_email_alone(tmp_path):
    from runner.spec import check as spec_module
    from tests.conftest import write_spec

    spec = spec_module.load(write_spec(tmp_path, "customers:\n  match: email\n"), environ={})
    assert spec.customers.match == ("email",)
    spec = spec_module.load(write_spec(tmp_path, "customers:\n  match: [vat_number, email]\n  vies: warn\n"), environ={})
    assert spec.customers.match == ("vat_number", "email") and spec.customers.vies == "warn"


# ---- VIES's answers kept in the ledger (issue 22, the review's point c) ---------------------------


def run_at(box, at: datetime):
    """One engine run of the box's spec with VIES asked, the run's clock at `at`."""
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.adapters.vies import vies_from_spec
    from runner.adapters.woo.source import source_from_spec
    from runner.ledger import Ledger
    from runner.pipeline import engine
    from runner.spec import check as spec_module

    spec = spec_module.load(box.spec)
    clock = at.timestamp
    with Ledger(box.dir / ".runner" / "state.json") as ledger:
        sink = sink_from_spec(spec, ledger, store_from_spec(spec, clock=clock))
        return engine.Run(spec, source_from_spec(spec), sink, ledger, clock=clock, vies=vies_from_spec(spec))()


def test_a_valid_answer_is_kept_in_the_ledger_and_reused_for_seven_days(sync_box):
    box = sync_box(orders=0)
    now = datetime.now().replace(microsecond=0)
    box.woo.add_order(b2b_order(7601, days=2))
    assert run_at(box, now).booked and box.vies.calls[VALID] == 1
    box.woo.add_order(b2b_order(7602, days=1))  # the same company, a later run six days on
    assert run_at(box, now + timedelta(days=6, hours=23)).booked and box.vies.calls[VALID] == 1
    assert "VIES" in booked(box, "7602")["SalesEntryLines"][0]["Notes"]  # the kept answer is its evidence
    box.woo.add_order(b2b_order(7603, days=1))  # eight days on: asked again
    assert run_at(box, now + timedelta(days=8)).booked and box.vies.calls[VALID] == 2


def test_an_invalid_answer_is_kept_a_day_and_unavailable_never(sync_box):
    box = sync_box(orders=0, extra="customers:\n  vies: warn\n")
    now = datetime.now().replace(microsecond=0)
    wrong = "DE999999999"
    box.woo.add_order(b2b_order(7611, (("_billing_vat_id", wrong),), days=2))
    assert run_at(box, now).booked and box.vies.calls[wrong] == 1
    box.woo.add_order(b2b_order(7612, (("_billing_vat_id", wrong),), days=1))
    assert run_at(box, now + timedelta(hours=20)).booked and box.vies.calls[wrong] == 1
    box.woo.add_order(b2b_order(7613, (("_billing_vat_id", wrong),), days=1))
    assert run_at(box, now + timedelta(days=1, hours=1)).booked and box.vies.calls[wrong] == 2
    box.vies.down = {"DE"}
    box.woo.add_order(b2b_order(7614, days=1))
    assert not run_at(box, now + timedelta(days=2)).booked  # waits: VIES cannot answer
    box.vies.down = set()
    assert run_at(box, now + timedelta(days=2, hours=1)).booked  # the outage was not kept: asked again, booked


def test_sixty_orders_of_twenty_companies_ask_vies_twenty_times_and_the_next_days_run_none(tmp_path):
    """bench/calls.py --vies, small and on pinned dates: run 1 asks each company's number once,
    a run a day later (as many orders again) reuses the ledger's answers, a run eight days on asks again."""
    import bench.calls as calls

    assert calls.vies_checks(60, 20, tmp_path, datetime(2026, 3, 20, 12, 0)) == [20, 0, 20]
