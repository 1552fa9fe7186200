"""The daily summary and the ICP listing (issue 22 #11), through the CLI against the sandbox.

The rules behind every expectation:
- an intra-Community supply (Directive 2006/112/EC art. 138: goods to a business in another
  member state with a valid VAT number, 0 %) is reported in the Dutch ICP declaration (opgaaf
  ICP, Wet OB art. 37a) per customer VAT number; Exact fills it from the account of each entry
  on a code with EU listing L (code 7 "Intracommunautaire levering" in the nl-default preset).
  On the collective account there is no VAT number to list, so such an order is its own
  entry on the company's account (matched on its VAT number, as per-order mode does);
- an OSS sale (art. 369a ff.: distance sales to consumers elsewhere in the EU) is declared in
  the OSS return per member state of consumption, and exports (art. 146) apart in box 3a: the
  summary's lines are split per destination country so both can be read off the entry;
- everything else of the day stays in its one summary on the collective account (DESIGN.md 5)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal as D

from runner.sandbox.woo.carts import Address
from tests.test_b2b import VALID, WEBER, b2b_order
from tests.test_daily_summary import BEANS, DAILY, IRIS, TEA

LUC = Address("Luc", "Peeters", city="Gent", postcode="9000", country="BE", email="luc@example.be")
AMY = Address("Amy", "Smith", city="Boston", state="MA", postcode="02108", country="US", email="amy@example.com")
ANNA = Address("Anna", "Muster", city="Zürich", postcode="8001", country="CH", email="anna@example.ch")


def a_day(box) -> tuple[datetime, dict]:
    """Three days ago: two consumer orders in the Netherlands, one OSS sale to Belgium, two
    exports (US, Switzerland) and one ICP supply of 100.00 to a German company (test_b2b.py)."""
    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=3)
    orders = {}
    for n, (lines, who) in enumerate((((BEANS, TEA), IRIS), ((BEANS,), IRIS), ((BEANS,), LUC), ((TEA,), AMY), ((BEANS,), ANNA)), 1):
        when = day + timedelta(minutes=n)
        orders[who.country + str(n)] = box.woo.place_order(lines=lines, billing=who, status="completed", created=when, completed=when)
    icp = b2b_order(7601, days=3)
    for key in ("date_created", "date_completed", "date_paid"):
        icp[key] = (day + timedelta(hours=1)).isoformat()
    orders["ICP"] = box.woo.add_order(icp)
    return day, orders


def entries(box) -> dict[str, dict]:
    return {row["YourRef"]: row for row in box.exact.entries.values()}


def lines(box, entry: dict) -> list[tuple[str, str, str, D, D]]:
    """(GL account, VAT code, description, net, VAT) per line."""
    code = {g["ID"]: g["Code"].strip() for g in box.exact.gl_accounts.values()}
    return [
        (code[ln["GLAccount"]], ln["VATCode"].strip(), ln["Description"], D(str(ln["AmountFC"])), D(str(ln.get("VATAmountFC") or 0)))
        for ln in entry["SalesEntryLines"]
    ]


def test_an_icp_order_is_its_own_entry_on_the_companys_account_and_the_rest_of_the_day_one_summary(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day, orders = a_day(box)
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    books = entries(box)
    summary = books[f"WC {day.date().isoformat()}"]
    icp = books["7601"]
    assert set(books) == {summary["YourRef"], "7601"}
    # the summary: every order of the day but the ICP supply, to the cent
    assert D(str(summary["AmountFC"])) == sum(D(o["total"]) for k, o in orders.items() if k != "ICP")
    collective = [a for a in box.exact.accounts.values() if a["ID"] == summary["Customer"]]
    assert collective[0]["Code"].strip() == "2"
    # the ICP supply: its own entry, code 7 on 8030, on the German company's account with its VAT number
    assert [(gl, vat, net, tax) for gl, vat, _, net, tax in lines(box, icp)] == [("8030", "7", D("100.00"), D("0.00"))]
    [company] = [a for a in box.exact.accounts.values() if a["ID"] == icp["Customer"]]
    assert "811569869" in (company.get("VATNumber") or "") and company["ID"] != summary["Customer"]
    assert not [r for r in lines(box, summary) if r[1] == "7"]  # nothing of it in the summary
    # a second run books nothing
    again = box.run("run")
    assert again.exit_code == 0 and "booked 0" in again.output, again.output
    assert len(box.exact.entries) == 2


def test_the_summarys_oss_and_export_lines_are_per_country(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day, orders = a_day(box)
    assert box.run("run").exit_code == 0
    summary = entries(box)[f"WC {day.date().isoformat()}"]
    # OSS to Belgium: its own line (BE 21 %, code B21 on 8045), named by its country
    rows = lines(box, summary)
    be = [r for r in rows if r[1] == "B21"]
    assert len(be) == 1 and be[0][0] == "8045" and "BE" in be[0][2]
    assert be[0][3] + be[0][4] == D(orders["BE3"]["total"])
    # exports: one line per country on the same GL account and VAT code (6, 8040)
    exports = {r[2].rsplit(", ", 1)[-1].rstrip(")"): r for r in rows if r[1] == "6"}
    assert set(exports) == {"US", "CH"} and {r[0] for r in exports.values()} == {"8040"}
    assert exports["US"][3] == D(orders["US4"]["total"]) and exports["CH"][3] == D(orders["CH5"]["total"])
    # domestic lines: per GL account and VAT code, no country
    assert len({(r[0], r[1]) for r in rows if r[1] in ("1", "2")}) == len([r for r in rows if r[1] in ("1", "2")])


def test_a_lost_ledger_books_neither_the_summary_nor_the_icp_entry_twice(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    a_day(box)
    assert box.run("run").exit_code == 0
    before = dict(box.exact.entries)
    assert "7601" in {row["YourRef"] for row in before.values()}  # the ICP supply, on its own
    (box.dir / ".runner" / "state.json").unlink()  # the ledger is lost
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    assert box.exact.entries.keys() == before.keys()
    result = box.run("run")
    assert result.exit_code == 0 and box.exact.entries.keys() == before.keys()


def test_validate_says_what_goes_where_in_daily_mode(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    result = box.run("validate")
    assert result.exit_code == 0, result.output
    assert "booked per order on the customer's own account" in result.output
    assert "summed apart per destination country" in result.output
    assert VALID and WEBER  # the ICP customer of these tests (tests/test_b2b.py)


def test_a_refund_of_an_icp_supply_is_its_own_credit_on_the_companys_account(sync_box):
    """A credit corrects the supply in the ICP declaration of its period (negative, the same VAT
    number): on the company's account too, booked at once, never in the day's credit summary."""
    box = sync_box(orders=0, extra=DAILY)
    _, orders = a_day(box)
    assert box.run("run").exit_code == 0
    refund = box.woo.add_refund(orders["ICP"]["id"], amount="40.00", reason="Retour")
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    books = entries(box)
    credit = [row for ref, row in books.items() if ref not in ("7601",) and not ref.startswith("WC ")]
    assert len(credit) == 1 and credit[0]["Customer"] == books["7601"]["Customer"], books.keys()
    assert [(gl, vat, net, tax) for gl, vat, _, net, tax in lines(box, credit[0])] == [("8030", "7", D("-40.00"), D("0.00"))]
    assert not [ref for ref in books if ref.endswith(" R")]  # no credit summary
    assert refund["id"]


def test_preview_shows_the_icp_supply_on_its_own_and_the_summary_per_country(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    a_day(box)
    shown = box.run("preview", "--format", "json")
    assert shown.exit_code == 0, shown.output
    items = json.loads(shown.stdout)
    [icp] = [item for item in items if item.get("order") == 7601]
    assert "summary" not in icp and icp["customer"].get("match"), icp
    [summary] = [item for item in items if "orders" in item]
    assert "7601" not in summary["orders"]
    described = [line["Description"] for line in summary["payload"]["SalesEntryLines"]]
    assert any(d.endswith(", US)") for d in described) and any(d.endswith(", CH)") for d in described)


def test_an_icp_order_a_version_before_kept_for_its_day_is_booked_once_on_its_own(sync_box):
    """A ledger of before keeps a reverse-charge order as a member of its (still open) day: seen
    again, it is booked on its own and taken out of the day, never in both."""
    from runner import spec as spec_module
    from runner.adapters.woo.rest import parse_order
    from runner.domain.booking import Booker
    from runner.domain.summary import record

    box = sync_box(orders=0, extra=DAILY)
    day, orders = a_day(box)
    document = Booker(spec_module.load(box.spec, environ={"WOO_CONSUMER_KEY": "k", "WOO_CONSUMER_SECRET": "s"})).book_order(
        parse_order(orders["ICP"])
    )
    with box.ledger() as ledger:
        ledger.keep_member(record(document, "2"))
    result = box.run("run")
    assert result.exit_code == 0 and "failed 0" in result.output, result.output
    books = entries(box)
    assert "7601" in books
    assert D(str(books[f"WC {day.date().isoformat()}"]["AmountFC"])) == sum(D(o["total"]) for k, o in orders.items() if k != "ICP")
