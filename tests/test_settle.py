"""`runner settle` in the sandbox (issue 24): a month of the demo shop paid through Mollie,
Stripe and PayPal, each payout one bank entry in its provider's journal that balances
(opening + lines = closing), the fees on the fee account, the payouts on the clearing
account, every settled payment on its customer; run twice, the second books nothing; a lost
answer in the middle is found by its identity tag, never posted twice; a chargeback and a
refund that lands in a later payout than its payment are on their customers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from runner.domain.settlement import tagged
from runner.sandbox.host import Fault
from tests.settle_world import JOURNALS, NOW, book_orders, journal_balance, open_movements, settle, world

PROVIDERS = tuple(JOURNALS)


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    """One world, its orders booked and its settlements booked once (shared: it takes a while)."""
    w = world(tmp_path_factory.mktemp("settle"))
    book_orders(w)
    first = settle(w)
    yield w, first
    w.stop()


def entries(w, provider: str) -> list[dict]:
    """The bank entries of the provider's settlements, by the tag on their payout line."""
    return [
        row
        for row in w.exact.bank_entries.values()
        if any((tagged(line.get("Description") or "") or ("",))[0] == provider for line in row["BankEntryLines"])
    ]


def lines_on(w, provider: str, code: str) -> D:
    return sum(
        (D(str(line["AmountFC"])) for row in entries(w, provider) for line in row["BankEntryLines"] if line["GLAccountCode"].strip() == code), D(0)
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_payout_is_one_balanced_entry_and_the_journal_agrees_with_the_provider_to_the_cent(settled, provider):
    w, first = settled
    result = next(p for p in first.providers if p.provider == provider)
    paid_out = w.providers.paid_out(provider)
    assert not result.failed and len(result.booked) == len(paid_out) >= 3
    made = entries(w, provider)
    assert len(made) == len(paid_out)  # one entry a payout
    for row in made:
        assert row["JournalCode"].strip() == JOURNALS[provider]
        total = sum((D(str(line["AmountFC"])) for line in row["BankEntryLines"]), D(0))
        assert D(str(row["OpeningBalanceFC"])) + total == D(str(row["ClosingBalanceFC"]))  # as Exact demands
    assert lines_on(w, provider, "1190") == -sum((amount for _, _, amount in paid_out), D(0))  # every payout once, to the clearing account
    books = w.providers.simulator(provider).books
    settled_moves = [m for m in books.moves if m.payout and m.when <= NOW]
    on_customers = sum((m.amount for m in settled_moves if m.kind in ("payment", "refund", "chargeback")), D(0))
    debtors = lines_on(w, provider, "1300")
    assert debtors == on_customers  # every settled payment, refund and chargeback on its customer: no order without a link
    fees = lines_on(w, provider, "4600") + lines_on(w, provider, "4610")
    assert fees == -sum((m.fee for m in settled_moves), D(0)) + sum(
        (m.amount for m in settled_moves if m.kind not in ("payment", "refund", "chargeback")), D(0)
    )
    # the journal holds what was paid out; the provider holds besides what no payout has paid out yet
    assert result.journal_balance == journal_balance(w, JOURNALS[provider])
    assert result.provider_balance == result.journal_balance + open_movements(w, provider)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_chargeback_and_a_late_refund_are_on_their_customers(settled, provider):
    w, _ = settled
    books = w.providers.simulator(provider).books
    chargeback = next(m for m in books.moves if m.kind == "chargeback")
    payouts = {m.sale.order_id: m.payout for m in books.moves if m.kind == "payment"}
    late = next(m for m in books.moves if m.kind == "refund" and m.payout and payouts.get(m.sale.order_id) not in (None, m.payout))
    lines = [line for row in entries(w, provider) for line in row["BankEntryLines"]]
    for move in (chargeback, late):
        (line,) = [line for line in lines if str(move.sale.order_id) in line["Description"] and D(str(line["AmountFC"])) == move.amount]
        assert line["GLAccountCode"].strip() == "1300" and line["Account"]
    back = next(line for line in lines if str(chargeback.sale.order_id) in line["Description"])
    sale = next(e for e in w.exact.entries.values() if e["YourRef"].strip() == str(w.woo.orders[chargeback.sale.order_id]["number"]))
    assert back["OurRef"] == sale["EntryNumber"]  # the sale's receivable is open again, to be chased


def test_a_settlement_costs_one_exact_post_not_one_per_payment(settled):
    w, first = settled
    payouts = sum(len(w.providers.paid_out(name)) for name in PROVIDERS)
    payments = sum(1 for name in PROVIDERS for m in w.providers.simulator(name).books.moves if m.kind == "payment" and m.payout)
    assert payments > 10 * payouts
    assert first.exact_calls <= payouts + 12  # a POST a payout, and a few reads of master data and the three journals


def test_a_second_settle_books_nothing_and_posts_nothing(settled):
    w, _ = settled
    posted = w.exact.calls[("POST", "financialtransaction/BankEntries")]
    again = settle(w)
    assert all(not p.booked and not p.failed and p.before == len(w.providers.paid_out(p.provider)) for p in again.providers)
    assert w.exact.calls[("POST", "financialtransaction/BankEntries")] == posted


def agrees(w, provider: str) -> bool:
    """The provider's journal holds what was paid out: the provider holds that and what no payout holds yet."""
    return w.providers.balance(provider) == journal_balance(w, JOURNALS[provider]) + open_movements(w, provider)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_lost_answers_in_the_middle_are_found_by_their_tag_never_posted_twice(tmp_path, provider):
    w = world(tmp_path, orders=320)
    try:
        book_orders(w)
        third = [0]

        def provider_post(request) -> bool:
            if request.method == "POST" and request.path.endswith("/BankEntries") and f"[{provider}:".encode() in request.body:
                third[0] += 1
                return third[0] in (2, 3)
            return False

        w.box.exact_server.faults.queue(Fault(lost=True, match=provider_post), 2)
        first = settle(w, providers=(provider,))
        (mine,) = first.providers
        assert len(mine.failed) >= 1  # its answer never came: not known whether it landed
        second = settle(w, providers=(provider,))
        assert second.settled >= 1 and not second.providers[0].failed
        made = entries(w, provider)
        tags = [tagged(line["Description"]) for row in made for line in row["BankEntryLines"] if tagged(line.get("Description") or "")]
        assert len(tags) == len(set(tags)) == len(w.providers.paid_out(provider))  # nothing twice, nothing missing
        assert second.providers[0].journal_balance == journal_balance(w, JOURNALS[provider]) and agrees(w, provider)
    finally:
        w.stop()


@pytest.mark.slow  # a kill loop of real processes on sockets, as tests/test_robust_exactly_once.py's
@pytest.mark.parametrize("provider", PROVIDERS)
def test_kills_in_the_middle_book_each_payout_exactly_once(tmp_path, provider):
    """`runner settle` as a process, killed at random moments (a POST sent, its answer not
    yet kept), then run to the end: each payout of the provider is in Exact once, none is missing."""
    import random
    import signal
    import time

    from tests.conftest import HANG
    from tests.robust import spawn, wait_until

    w = world(tmp_path, orders=640, sockets=True)
    try:
        book_orders(w)
        w.box.exact_server.faults.delay = 0.05  # every answer takes a while: a kill lands between the work and the reply
        posts = lambda: w.exact.calls[("POST", "financialtransaction/BankEntries")]  # noqa: E731
        kills = 0
        for seed in range(6):
            rng = random.Random(seed)
            target = posts() + rng.randint(1, 2)
            proc = spawn(w.spec, "settle", "--provider", provider, "--since", "2026-10-01")
            if not wait_until(lambda: posts() >= target, proc):  # noqa: B023 - called at once
                proc.communicate()
                break  # it ended by itself: everything was booked
            time.sleep(rng.uniform(0.0, 0.06))
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            kills += proc.returncode == -signal.SIGKILL
        w.box.exact_server.faults.delay = 0.0
        final = spawn(w.spec, "settle", "--provider", provider, "--since", "2026-10-01")
        out, err = final.communicate(timeout=HANG)
        assert final.returncode == 0 and "Traceback" not in err, out + err
        assert kills >= 2
        tags = [
            tagged(line["Description"]) for row in entries(w, provider) for line in row["BankEntryLines"] if tagged(line.get("Description") or "")
        ]
        assert sorted(tags) == sorted(set(tags)) and len(tags) == len(w.providers.paid_out(provider))  # nothing twice, nothing missing
        assert agrees(w, provider)  # every entry whole
    finally:
        w.stop()


@pytest.mark.parametrize("positive", [False, True], ids=["chargeback negative (docs)", "chargeback positive (a fixture)"])
def test_a_mollie_chargeback_is_money_out_whichever_sign_mollie_gives_it(tmp_path, positive):
    from runner.sandbox.psp.mollie_books import MollieSettings

    w = world(tmp_path, orders=320, psp={"mollie": MollieSettings(chargeback_positive=positive)})
    try:
        book_orders(w)
        (mollie,) = settle(w, providers=("mollie",)).providers
        assert not mollie.failed and mollie.journal_balance == 0
        chargeback = next(m for m in w.providers.simulator("mollie").books.moves if m.kind == "chargeback")
        lines = [line for row in entries(w, "mollie") for line in row["BankEntryLines"] if "chargeback" in line["Description"]]
        assert [D(str(line["AmountFC"])) for line in lines] == [chargeback.amount] and chargeback.amount < 0
    finally:
        w.stop()


@pytest.mark.parametrize("sign", [1, -1], ids=["receipts positive", "receipts negative"])
def test_an_administration_that_wants_receipts_negative_gets_every_line_turned_round(tmp_path, sign):
    """payments.receipt_sign [U]: the whole entry follows it, and the sale a receipt settles is
    matched (its receivable paid) in an administration that wants either sign."""
    extra = "payments:\n  receipt_sign: negative\n" if sign < 0 else ""
    w = world(tmp_path, orders=320, extra=extra, receipt_sign=sign)
    try:
        book_orders(w)
        (mollie,) = settle(w, providers=("mollie",)).providers
        assert not mollie.failed and mollie.journal_balance == 0
        receipts = [line for row in entries(w, "mollie") for line in row["BankEntryLines"] if line["GLAccountCode"].strip() == "1300"]
        payout = next(line for row in entries(w, "mollie") for line in row["BankEntryLines"] if line["GLAccountCode"].strip() == "1190")
        assert D(str(payout["AmountFC"])) * sign < 0  # money out, as this administration writes it
        settled = {line["OurRef"] for line in receipts if D(str(line["AmountFC"])) * sign > 0}
        paid = {r["EntryNumber"] for r in w.exact.receivables.values() if r.get("IsFullyPaid")}
        assert settled and settled <= paid  # each receipt matched its sale
    finally:
        w.stop()
