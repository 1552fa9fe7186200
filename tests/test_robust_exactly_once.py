"""DESIGN.md section 6, "never twice, never lost": a run killed at any moment, or a POST
whose answer never comes, books every order exactly once in the end.

The runner runs as a real process (`python -m runner run SPEC`) against simulators served
from this test process, so their state outlives every SIGKILL."""

from __future__ import annotations

import random
import signal
import time
from collections import defaultdict

import pytest

from tests.conftest import HANG
from tests.robust import assert_exactly_once, documents_by_ref, spawn, wait_until

KILLS = 22


def posts(box) -> int:
    return sum(n for (method, _), n in list(box.exact.calls.items()) if method == "POST")


@pytest.mark.slow
@pytest.mark.parametrize("target", ["sales_entry", "sales_invoice"])
def test_sigkill_at_random_moments_of_a_backfill_books_each_order_exactly_once(sync_box, target):
    """22 kills, each after a random number of POSTs and a random moment into the next
    one, then a run to the end: every due order and refund is in Exact exactly once
    (document, print and payment steps alike) and the ledger holds exactly those."""
    box = sync_box(orders=300, seed=11, extra=f"booking:\n  target: {target}\n  status: paid\n", sockets=True)
    box.box.exact_server.faults.delay = 0.02  # every answer takes a while: kills land between commit and reply
    killed_with_open_intent = 0
    for seed in range(KILLS):
        rng = random.Random(seed)
        target = posts(box) + rng.randint(1, 25)
        proc = spawn(box.spec, "run")
        # kill after a random number of POSTs of this run, a random moment into the next one
        wait_until(lambda: posts(box) >= target, proc)  # noqa: B023 - called at once
        time.sleep(rng.uniform(0.0, 0.03))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, f"run {seed} ended by itself before the kill: {out}{err}"
        with box.ledger() as ledger:
            killed_with_open_intent += bool(ledger.open_intents())
    box.box.exact_server.faults.delay = 0.0
    final = spawn(box.spec, "run")
    out, err = final.communicate(timeout=HANG)
    assert final.returncode == 0, out + err
    assert "Traceback" not in err
    assert_exactly_once(box)
    assert killed_with_open_intent >= 5, "too few kills landed mid-POST for this test to prove anything"
    again = spawn(box.spec, "run")
    out, err = again.communicate(timeout=HANG)
    assert again.returncode == 0 and "booked 0 order(s)" in out, out + err
    assert_exactly_once(box)


@pytest.mark.parametrize("target,status", [("sales_entry", "sent"), ("sales_entry", "paid"), ("sales_invoice", "paid")])
def test_lost_answers_are_looked_up_never_posted_twice(sync_box, target, status, unsure):
    """Exact carries out a fifth of the POSTs and then drops the connection: the run calls
    those orders unknown, the next run finds them in Exact (journal, YourRef, description,
    total) before posting anything, and after a few runs all is booked once."""
    box = sync_box(orders=120, seed=4, extra=f"booking:\n  target: {target}\n  status: {status}\n", exact_options=unsure)
    box.box.exact_server.faults.lose_responses = 0.2
    outcomes = []
    for _ in range(12):
        result = box.run("run")
        outcomes.append(result.exit_code)
        with box.ledger() as ledger:
            if not ledger.failures() and not ledger.open_intents():
                break
    assert box.box.exact_server.faults.dropped >= 10
    assert outcomes[0] == 1 and outcomes[-1] == 0, outcomes  # unknown outcomes fail a run, then resolve
    assert "unknown outcome" not in box.run("status").output
    assert_exactly_once(box)
    assert box.exact.errors == []


def test_an_order_edited_after_booking_is_not_booked_again_as_the_readme_says(sync_box):
    box = sync_box(orders=16)
    assert box.run("run").exit_code == 0
    booked = documents_by_ref(box)
    order = next(o for o in box.due() if not box.woo.refunds.get(o["id"]))
    order["billing"]["city"] = "Zwolle"  # the shop manager edits it; date_modified moves
    box.woo.touch(order["id"])
    again = box.run("run")
    assert again.exit_code == 0 and "booked 0 order(s)" in again.output
    assert documents_by_ref(box) == booked
    from tests.conftest import ROOT

    operations = (ROOT / "docs" / "operations.md").read_text()  # the README links there
    table = operations[operations.index("## What happens when") :]
    for row in (
        "dies mid-run",
        "does not answer",
        "a 429",
        "daily limit",
        "login has expired",
        "Exact refuses an order",
        "edited after it was booked",
        "It is not booked again",
    ):
        assert row in table


def new_account(request) -> bool:
    return request.method == "POST" and request.path.endswith("crm/Accounts")


BOOKKEEPING_EMAIL = "customers:\n  account:\n    Email: \"{{ customer.email | replace('@', '+boekhouding@') }}\"\n"


def test_a_new_account_whose_answer_was_lost_is_found_by_the_email_it_was_sent_with(sync_box):
    """customers.account.Email may write another address than the order's (here a
    `+boekhouding` one): after account POSTs whose answers never came, the next run finds
    each account by the e-mail it was created with, so no customer gets a second one."""
    from runner.sandbox.host import Fault

    box = sync_box(orders=40, seed=4, extra=BOOKKEEPING_EMAIL)
    box.box.exact_server.faults.queue(Fault(lost=True, match=new_account), times=6)
    seeded = set(box.exact.accounts)
    first = box.run("run")
    assert first.exit_code == 1 and box.box.exact_server.faults.dropped == 6, first.output
    second = box.run("run")
    assert second.exit_code == 0, second.output
    assert_exactly_once(box)  # among others: no e-mail has two accounts
    created = [a["Email"] for key, a in box.exact.accounts.items() if key not in seeded]
    assert len(created) > 6 and all("+boekhouding@" in email for email in created)


def test_a_lost_account_with_a_bookkeeping_address_every_customer_shares_is_told_apart_by_name(sync_box):
    """A template may give every new account one fixed address: a lost answer is then found
    by that address and the name it was sent with, never on another customer's account."""
    from runner.sandbox.host import Fault

    name = "{{ order.billing.first_name }} {{ order.billing.last_name }}"
    box = sync_box(orders=40, seed=4, extra=f'customers:\n  account:\n    Email: "debiteuren@winkel.example"\n    Name: "{name}"\n')
    box.box.exact_server.faults.queue(Fault(lost=True, match=new_account), times=6)
    seeded = set(box.exact.accounts)
    assert box.run("run").exit_code == 1
    assert box.run("run").exit_code == 0
    created = {key for key in box.exact.accounts if key not in seeded}
    orders = {o["number"]: o for o in box.due()}
    accounts, customers = defaultdict(set), defaultdict(set)  # order e-mail <-> new account: one to one
    for document in box.documents():
        if document["Customer"] in created:
            email = orders[document["YourRef"].split("/")[0]]["billing"]["email"].lower()  # a credit's: number/refund
            accounts[email].add(document["Customer"])
            customers[document["Customer"]].add(email)
    assert len(created) > 6 and created == set(customers)
    assert all(len(v) == 1 for v in accounts.values()) and all(len(v) == 1 for v in customers.values())
