"""Identity (issue 21): a document in Exact is known by the shop, the order id and the refund id
(a daily summary by shop, day, journal and kind), held in a tag at the end of its Description,
not by YourRef alone and not by a date WooCommerce may move. Each test is one finding of the
issue, driven as a consultant would (the CLI, or an engine run where the clock must be set)
against the in-process sandbox, and checks the books."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from runner.sandbox.woo.carts import Address, ProductLine
from tests.test_daily_summary import DAILY, after, summaries
from tests.test_exact_truth import engine, garbage, state

BEANS = ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1, sku="ESP-1KG")
TEA = ProductLine(190, "Thee assortiment", D("10.90"), 3, "reduced-rate", "THEE-ASS")
IRIS = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")
NOOR = Address("Noor", "Smit", city="Gouda", country="NL", email="noor@example.nl")


def refs(box) -> Counter:
    return Counter(row["YourRef"] for row in box.exact.entries.values())


def midday(days_ago: int) -> datetime:
    return datetime.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)


# ---- the tag ---------------------------------------------------------------------------------


def test_the_tag_names_shop_order_and_refund_and_survives_a_long_description():
    from runner.adapters.exact.payloads import DESCRIPTION, described
    from runner.domain.booking import Document
    from runner.domain.identity import member_notes, read_members, read_tag, shop_tag

    assert shop_tag("https://www.Shop.nl/") == shop_tag("http://shop.nl") != shop_tag("https://shop.nl:8443")
    doc = Document("sales_entry", 4321, "1001", 77, midday(0).date(), "70", "1001/77", "x" * 90, "", "EUR", (), D(0), shop="3f9a1c")
    sent = described(doc)
    assert len(sent) == DESCRIPTION and sent.endswith(" [wc:3f9a1c:4321/77]") and "…" in sent
    assert read_tag(sent).order == (4321, 77) and read_tag("Order 1001") is None
    notes = member_notes("3f9a1c", tuple((n, None) for n in range(10_000, 10_300)), 3)
    assert len(notes) == 3 and all(len(n) <= 250 for n in notes)
    members, whole = read_members(notes, "3f9a1c")
    assert not whole and len(members) < 300  # too many for the lines: said short, so the sums decide
    assert read_members(member_notes("3f9a1c", ((1, None), (2, 5)), 2), "3f9a1c") == ({(1, None), (2, 5)}, True)


# ---- 1. two shops, one administration ----------------------------------------------------------


def test_two_shops_in_one_administration_book_their_own_1001(sync_box):
    """Shop B's #1001 is not shop A's: neither the lookup before posting nor the completeness
    check takes A's document for B's, even with the same number, customer and total."""
    a, b = sync_box(orders=0, exact_options={"single_grant": False}), sync_box(orders=0, seed=5)  # two logins of one consultant
    b.spec.write_text(b.spec.read_text().replace(b.box.exact_url, a.box.exact_url))
    a.box.log_in(b.dir / ".runner" / "exact-token.json")  # B books into A's administration
    placed_a = [a.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed") for _ in range(3)]
    placed_b = [b.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed") for _ in range(2)]
    placed_b.append(b.woo.place_order(lines=(TEA,), billing=NOOR, status="completed"))
    assert [o["number"] for o in placed_a] == [o["number"] for o in placed_b]  # the same numbers, two shops
    assert a.run("run").exit_code == 0
    first = b.run("run")
    assert first.exit_code == 0, first.output
    assert refs(a) == Counter({o["number"]: 2 for o in placed_a})  # each number once per shop
    again = b.run("run")
    assert again.exit_code == 0 and "INCOMPLETE" not in again.output, again.output
    assert a.run("run").exit_code == 0 and len(a.exact.entries) == 6
    (b.dir / ".runner" / "state.json").unlink()  # shop B's ledger lost: its documents are found, A's are not taken
    lost = b.run("run")
    assert lost.exit_code == 0, lost.output
    assert len(a.exact.entries) == 6
    warned = b.run("validate", "--online")
    assert "another shop" in warned.output, warned.output


# ---- 2. one number, two orders ------------------------------------------------------------------


def test_two_orders_with_one_number_and_a_number_reused_after_trash_are_both_booked(sync_box):
    box = sync_box(orders=0)
    twins = [box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", number="1001") for _ in range(2)]
    twins.append(box.woo.place_order(lines=(TEA,), billing=NOOR, status="completed", number="1001"))
    first = box.run("run")
    assert first.exit_code == 0, first.output
    assert refs(box)["1001"] == 3
    old = box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", number="2002")
    assert box.run("run").exit_code == 0
    box.woo.set_status(old["id"], "trash")
    reused = box.woo.place_order(lines=(BEANS,) * 12 + (TEA,), billing=NOOR, status="completed", number="2002")
    again = box.run("run")
    assert again.exit_code == 0, again.output
    assert sorted(D(str(r["AmountFC"])) for r in box.exact.entries.values() if r["YourRef"] == "2002") == sorted(
        [D(old["total"]), D(reused["total"])]
    )
    assert box.run("run").exit_code == 0 and len(box.exact.entries) == 5


def test_an_untagged_document_is_this_order_only_at_its_total_else_the_order_stops_naming_both(sync_box):
    """Documents an older version booked carry no tag: same YourRef and total is this order (found,
    not posted again); same YourRef and another total cannot be told apart, so that order fails
    naming both documents and the fix, never a silent skip."""
    box = sync_box(orders=0)
    same, other = (box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed") for _ in range(2))
    assert box.run("run").exit_code == 0
    for row in box.exact.entries.values():  # as an older version wrote them
        row["Description"] = f"WooCommerce order {row['YourRef']}"
        if row["YourRef"] == other["number"]:
            row["AmountFC"] = D("99.99")
    state(box).unlink()
    result = box.run("run")
    assert result.exit_code == 1 and len(box.exact.entries) == 2, result.output
    failed = box.ledger().failure(other["id"])["message"]
    assert f"YourRef '{other['number']}' for 99.99" in failed and "cannot be told" in failed
    assert box.ledger().step(same["id"], None, "document")["state"] == "done"
    assert "booking.your_ref a prefix" in result.output


# ---- 3. completed again --------------------------------------------------------------------------


def recomplete(box, order_id: int) -> None:
    """An edit after completion: back to processing, then completed again (a new date_completed)."""
    before = box.woo.orders[order_id]["date_completed"]
    box.woo.set_status(order_id, "processing")
    box.woo.set_status(order_id, "completed")
    assert box.woo.orders[order_id]["date_completed"] != before  # as WooCommerce does


@pytest.mark.parametrize("since", ["2020-01-01", None], ids=["with-since", "without-since"])
def test_an_order_completed_again_keeps_its_entry_and_is_never_booked_twice(sync_box, since):
    box = sync_box(orders=0, since=since)
    day = midday(3)
    order = box.woo.place_order(lines=(BEANS, TEA), billing=IRIS, status="completed", created=day, completed=day)
    first = engine(box, clock=lambda: day.timestamp() + 3600)  # the first run, on the day it was completed
    assert first.booked == [order["id"]] and not first.failed
    recomplete(box, order["id"])
    for _ in range(2):
        result = box.run("run")
        assert result.exit_code == 0 and "INCOMPLETE" not in result.output, result.output
    [entry] = box.exact.entries.values()
    assert entry["EntryDate"].date() == day.date()
    assert box.ledger().step(order["id"], None, "document")["entry_date"] == day.date().isoformat()
    state(box).unlink()  # the ledger is lost: found whatever date it was booked on
    lost = box.run("run")
    assert lost.exit_code == 0 and "INCOMPLETE" not in lost.output, lost.output
    assert len(box.exact.entries) == 1


def test_a_daily_summary_order_completed_again_stays_in_its_first_days_summary(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day = midday(3).replace(hour=9)
    orders = [
        box.woo.place_order(lines=lines, billing=IRIS, status="completed", created=day + timedelta(minutes=n), completed=day + timedelta(minutes=n))
        for n, lines in enumerate([(BEANS,), (TEA,), (BEANS, TEA)])
    ]
    assert sorted(engine(box).booked) == sorted(o["id"] for o in orders)
    recomplete(box, orders[2]["id"])
    intact = engine(box)
    assert not intact.failed and not intact.missing
    state(box).unlink()
    today = box.woo.local_now().date()
    lost = engine(box, clock=lambda: after(today))  # today closed too: nothing waits
    assert not lost.failed and not lost.missing, lost.failed
    assert list(summaries(box)) == [f"WC {day.date().isoformat()}"]
    assert D(str(summaries(box)[f"WC {day.date().isoformat()}"]["AmountFC"])) == sum(D(o["total"]) for o in orders)
    assert not engine(box, clock=lambda: after(today)).booked and len(box.exact.entries) == 1


# ---- 4. a day waiting when the ledger is lost -------------------------------------------------------


@pytest.mark.parametrize("damage", ["deleted", "garbage"])
def test_a_waiting_day_is_booked_after_a_lost_ledger_without_orders_since(sync_box, damage):
    box = sync_box(orders=0, extra=DAILY, since=None)
    first_day, waiting_day = midday(3).date(), midday(2).date()
    early = [
        box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", created=midday(3) + timedelta(minutes=n), completed=midday(3))
        for n in range(2)
    ]
    start = datetime.combine(first_day, datetime.min.time()).timestamp() + 8 * 3600  # the first run: that morning
    assert not engine(box, clock=lambda: start).booked
    assert sorted(engine(box, clock=lambda: after(first_day)).booked) == sorted(o["id"] for o in early)
    day = midday(2)
    waiting = [
        box.woo.place_order(lines=(TEA,), billing=NOOR, status="completed", created=day + timedelta(minutes=n), completed=day + timedelta(minutes=n))
        for n in range(5)
    ]
    assert not engine(box, clock=lambda: after(waiting_day, hours=1)).booked  # in the grace period: kept in the ledger
    if damage == "deleted":
        state(box).unlink()
    else:
        garbage(state(box))
    in_grace = engine(box, clock=lambda: after(waiting_day, hours=1.5))
    assert not in_grace.failed and sorted(in_grace.booked) == sorted(o["id"] for o in early), in_grace.failed  # found in the books
    closed = engine(box, clock=lambda: after(waiting_day, hours=3))
    assert sorted(closed.booked) == sorted(o["id"] for o in waiting), (closed.booked, closed.notes)
    books = summaries(box)
    assert sorted(books) == [f"WC {first_day.isoformat()}", f"WC {waiting_day.isoformat()}"]
    assert D(str(books[f"WC {waiting_day.isoformat()}"]["AmountFC"])) == sum(D(o["total"]) for o in waiting)


# ---- 5. a day with a correction, then a lost ledger ------------------------------------------------


def test_a_day_with_a_correction_is_recognised_after_a_lost_ledger(sync_box):
    box = sync_box(orders=0, extra=DAILY)
    day = midday(2).replace(hour=9)
    first = [box.woo.place_order(lines=(BEANS,), billing=IRIS, status="completed", created=day, completed=day) for _ in range(3)]
    assert len(engine(box).booked) == 3
    late = box.woo.place_order(lines=(TEA,), billing=IRIS, status="completed", created=day + timedelta(hours=1))
    box.woo.orders[late["id"]]["date_completed"] = box.woo.orders[late["id"]]["date_paid"] = (day + timedelta(hours=1)).isoformat()
    assert engine(box).booked == [late["id"]]
    ref = f"WC {day.date().isoformat()}"
    assert sorted(summaries(box)) == [ref, f"{ref} #2"]
    state(box).unlink()
    lost = engine(box)
    assert not lost.failed, lost.failed  # Exact holds the day: its summary and its correction add up
    assert sorted(lost.booked) == sorted(o["id"] for o in [*first, late])
    assert len(box.exact.entries) == 2
    assert not engine(box).booked and not engine(box).failed and len(box.exact.entries) == 2
