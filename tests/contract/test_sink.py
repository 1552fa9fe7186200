"""The Sink contract (runner/pipeline/ports.py), one set of tests run over every sink (issue 20 point
7): a document written is found, and only by its own find; a lost answer is looked up; one
refusal in a batch fails that item alone; quotas; a replay books nothing twice. A sink passes
each test or is skipped naming the capability it lacks (`Sink.capabilities`)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from runner.domain.vat_codes import VatCode
from runner.errors import NotSupported, OutcomeUnknown, ServiceError
from runner.pipeline.ports import CAPABILITIES, OPTIONAL, Quota, capability


def test_a_sink_names_what_it_can_do(sink):
    caps = sink.sink.capabilities
    assert isinstance(caps, frozenset) and caps <= set(CAPABILITIES), f"unknown capabilities: {set(caps) - set(CAPABILITIES)}"


def test_what_a_sink_can_never_do_it_refuses_out_loud(sink):
    """No silent stubs: a sink without "accounts" that names every customer itself raises
    NotSupported when asked to make one anyway."""
    if "accounts" in sink.sink.capabilities:
        pytest.skip(f"{sink.name} sink has 'accounts': it makes them")
    plan = sink.planned(0).customer
    if sink.sink.customer(plan):  # never asked to make one
        with pytest.raises(NotSupported):
            sink.sink.create_customer(plan)
    else:  # asked, as a dry run is: a stand-in, and the books get nothing
        accounts = len(sink.books.exact.accounts)
        assert sink.sink.create_customer(plan)["ref"] and len(sink.books.exact.accounts) == accounts


# ---- find after write ------------------------------------------------------------------------


def test_a_document_not_written_is_neither_found_nor_held(sink):
    posting = sink.posting(0)
    assert sink.sink.find("document", posting, {}, set()) is None
    assert sink.sink.holds(posting.document) in (False, None)


def test_a_written_document_is_found_and_held_and_never_by_another_documents_find(sink):
    sink.lacks("find")
    mine, other = sink.posting(0), sink.posting(1)
    facts = sink.sink.write("document", mine, {})
    assert facts["ref"]
    found = sink.sink.find("document", mine, {}, set())
    assert found is not None and found["ref"] == facts["ref"]
    assert sink.sink.holds(mine.document) is True
    assert sink.sink.find("document", other, {}, set()) is None and sink.sink.holds(other.document) is False
    assert sink.sink.find("document", mine, {}, {facts["ref"]}) is None, "an id the ledger holds for another document is not this one"
    again = sink.fresh()  # the next run, nothing in memory: the books are read back
    assert again.find("document", mine, {}, set())["ref"] == facts["ref"] and again.holds(mine.document) is True
    assert again.find("document", other, {}, set()) is None


def test_what_a_sink_without_find_writes_is_never_found(sink):
    """The other side of "find": a sink without it (a dry run) leaves nothing to be found."""
    if "find" in sink.sink.capabilities:
        pytest.skip(f"{sink.name} sink has 'find': covered by the test of find after write")
    posting = sink.posting(0)
    sink.sink.write("document", posting, {})
    assert sink.fresh().find("document", posting, {}, set()) is None and sink.landed() == 0


# ---- lookup after a lost answer --------------------------------------------------------------


def test_a_write_whose_answer_was_lost_is_found_by_lookup(sink):
    sink.lacks("lookup")
    posting = sink.posting(0)
    intent = sink.sink.intent("document", posting, {})
    sink.write_losing_answer("document", posting, {})
    assert sink.landed() == 1
    found = sink.fresh().lookup("document", intent, set())  # as the next run settles it
    assert found is not None and found["ref"]
    assert sink.fresh().lookup("document", intent, {found["ref"]}) is None, "what the ledger holds already is not this write"
    if "find" in sink.sink.capabilities:
        assert sink.fresh().find("document", posting, {}, set())["ref"] == found["ref"]


def test_lookup_of_a_write_that_never_landed_is_none(sink):
    posting = sink.posting(0)
    intent = sink.sink.intent("document", posting, {})
    sink.sink.write("document", sink.posting(1), {})  # another document landed meanwhile
    assert sink.fresh().lookup("document", intent, set()) is None


# ---- batched writes ----------------------------------------------------------------------------


def test_a_batch_answers_each_item_and_one_refusal_fails_that_item_alone(sink):
    sink.lacks("batch")
    step = _batched(sink)
    postings = [sink.posting(n) for n in range(4)]
    items = [_before(sink, step, posting) for posting in postings]
    victim = 2
    sink.refuse(step, postings[victim])
    results = sink.sink.write_many(step, items)
    assert len(results) == len(items)
    assert isinstance(results[victim], ServiceError) and not isinstance(results[victim], OutcomeUnknown), results[victim]  # nothing landed
    assert all(isinstance(result, dict) and result.get("ref") for n, result in enumerate(results) if n != victim), results
    if "lookup" in sink.sink.capabilities:  # what landed is found again, what was refused is not
        again = sink.fresh()
        assert again.lookup(step, sink.sink.intent(step, *items[victim]), set()) is None
        assert all(again.lookup(step, sink.sink.intent(step, *item), set()) is not None for n, item in enumerate(items) if n != victim)


def test_a_batch_whose_answer_was_lost_is_found_by_lookup_item_by_item(sink):
    sink.lacks("batch")
    sink.lacks("lookup")
    step = _batched(sink)
    items = [_before(sink, step, sink.posting(n)) for n in range(3)]
    sink.write_many_losing_answer(step, items)
    again = sink.fresh()
    found = [again.lookup(step, sink.sink.intent(step, *item), set()) for item in items]
    assert all(facts is not None and facts.get("ref") for facts in found), found


def _batched(sink) -> str:
    """The step a batch test sends: one the sink batches, else a payment (a daily summary's
    payments go through `write_many` whatever `batched` says)."""
    return sorted(sink.sink.batched)[0] if sink.sink.batched else "payment"


def _before(sink, step: str, posting):
    """`posting` with the steps before `step` written: what write_many is handed with it."""
    steps = sink.sink.steps(posting)
    assert posting.payment is not None
    done = {}
    for earlier in steps[: steps.index(step)] if step in steps else steps:
        done[earlier] = sink.sink.write(earlier, posting, done)
    return posting, done


# ---- quotas ------------------------------------------------------------------------------------


def test_quota_is_a_quota(sink):
    quota = sink.sink.quota()
    assert isinstance(quota, Quota) and quota.calls >= 0 and (quota.left_today is None or quota.left_today >= 0)


def test_quota_counts_the_calls_made(sink):
    sink.lacks("quota")
    posting = sink.posting(0)
    before = sink.sink.quota().calls
    sink.sink.find("document", posting, {}, set())  # reads the books
    after = sink.sink.quota()
    assert after.calls > before
    assert after.left_today is None or after.left_today >= 0


# ---- optional capabilities -------------------------------------------------------------------


def test_a_sink_has_the_methods_of_what_it_names_and_no_stub_of_what_it_lacks(sink):
    """An optional capability (reading the books for a report or a lost ledger, healing an
    account, matching receipts) is there when named, and absent otherwise: a caller asks
    `capability(sink, method)` and gets None, never a stub that pretends."""
    for name, methods in OPTIONAL.items():
        for method in methods:
            if name in sink.sink.capabilities:
                assert callable(capability(sink.sink, method)), f"{sink.name} names {name!r} but has no {method}"
            else:
                assert capability(sink.sink, method) is None and not hasattr(sink.sink, method), f"{sink.name} lacks {name!r} but stubs {method}"


def test_vat_codes_are_the_books_codes_as_domain_values(sink):
    sink.lacks("books")
    codes = sink.sink.vat_codes()
    assert codes and all(isinstance(code, VatCode) and code.code == key for key, code in codes.items())
    assert {codes[c].box for c in codes} >= {"1a", "1b"}
    calls = sink.sink.quota().calls
    sink.sink.vat_codes()
    assert sink.sink.quota().calls == calls, "read once a sink"


def test_a_payments_journal_says_which_documents_it_holds_receipts_of(sink):
    """settlements: `paid(journal)` is what a provider's journal holds on documents, (number,
    money in), read from the books: the receipts a payout must not book a second time."""
    sink.lacks("settlements")
    outcome = sink.run()  # the shop booked `paid`: each sale's receipt in its payments journal
    assert outcome.booked and not outcome.failed
    journals = {sink.planned(n).payment.journal for n in range(len(sink.books.orders())) if sink.planned(n).payment}
    held = set().union(*(sink.sink.paid(journal) for journal in journals))
    sales = {row["EntryNumber"] for row in sink.books.exact.entries.values() if row["AmountFC"]}
    assert sales and {(number, True) for number in sales} <= held
    assert sink.sink.paid("70") == set()  # the sales journal holds no receipts


def test_codes_are_checked_against_the_books_as_read_once(sink):
    """checks: `check_codes()` reads the books' codes afresh (validate --online) and checks
    against them what a spec names, a document and a line: nothing for codes the books hold,
    each code they do not hold named."""
    sink.lacks("checks")
    codes = sink.sink.check_codes()
    said = codes.describe()
    assert said and "\n" not in said
    assert codes.spec_problems(sink.books.spec) == []
    planned = sink.planned(0)
    assert codes.document_problems(planned.document, planned.payment) == []
    assert all(codes.line_problems(line) == [] for line in planned.document.lines)
    unknown = replace(planned.document.lines[0], gl_account="99999999", vat_code="ZZ")
    found = codes.line_problems(unknown)
    assert any("'99999999'" in p for p in found) and any("'ZZ'" in p for p in found), found


def test_validate_checks_codes_only_where_the_sink_can(sink):
    """validate --online asks the sink's "checks" capability; a sink without it is said to be
    one whose codes are not checked, and what booking on paper finds is still told."""
    from runner.adapters.woo.source import source_from_spec
    from runner.services.validate import check

    checked, problems = check(sink.books.spec, source_from_spec(sink.books.spec), sink.sink)
    if "checks" in sink.sink.capabilities:
        assert checked[1] == sink.sink.check_codes().describe()
    else:
        assert checked[1] == f"WARNING: {sink.sink.name}: the online code checks are not available for this target"
    assert problems == []
