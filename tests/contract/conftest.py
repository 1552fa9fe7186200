"""The sinks the contract suite runs over, each behind a `Harness`: the sink, a fresh one on
the same books (as the next run builds it), and what only a test can do to its books: lose an
answer after the write landed, have the books refuse one item, count what landed.

Every sink books the same shop: orders placed on pinned days, an Exact sandbox in this process
on a pinned clock (no sockets, no sleeps, no wall clock). A new sink joins by adding a harness
to `HARNESSES`; the suite then checks it, or skips naming the capability it lacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import bench.calls as calls
from runner.adapters.woo.rest import WooListed
from runner.adapters.woo.source import source_from_spec
from runner.domain.booking import Booker
from runner.ledger import Ledger
from runner.pipeline import due, engine
from runner.pipeline.ports import CAPABILITIES, Facts, Posting
from runner.sandbox.embedded import serve
from runner.sandbox.exact.simulator import ExactSimulator, ManualClock
from runner.sandbox.host import Fault
from runner.sandbox.woo.api import ManualClock as ShopClock
from runner.sandbox.woo.api import WooSimulator

FIRST = datetime(2026, 3, 2, 9, 0)  # the first order, shop-local; one a minute after it
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # every clock of the run
ORDERS = 6


class Books:
    """A shop and an Exact administration in this process and a spec (booking `paid`, so
    documents take a batched payment step in Exact), all on pinned clocks."""

    def __init__(self, folder: Path) -> None:
        from runner.adapters.exact.oauth import Tokens, TokenStore

        self.folder = folder
        self.clock = ManualClock(NOW.astimezone(UTC))
        self.woo = WooSimulator(orders=calls.orders(ORDERS, ORDERS, start=FIRST), clock=ShopClock(NOW))
        self.exact = ExactSimulator(self.clock, minutely_limit=1_000_000, daily_limit=1_000_000)
        self.box = serve(self.woo, self.exact, sleep=self.clock.advance)
        self.spec = calls._spec(self.box, folder, "sales_entry", "paid")
        minted = self.exact.mint_tokens()
        store = TokenStore(self.spec.token_file, "", "", "")
        store.save(Tokens(minted["access_token"], minted["refresh_token"], self.clock() + int(minted["expires_in"])))
        self.booker = Booker(self.spec)

    def orders(self) -> list[dict]:
        return [self.woo.orders[n] for n in sorted(self.woo.orders)]

    def exact_sink(self, ledger: Ledger):
        from runner.adapters.exact.client import RateGovernor
        from runner.adapters.exact.logins import store_from_spec
        from runner.adapters.exact.sink import sink_from_spec

        governor = RateGovernor(clock=self.clock, sleep=self.clock.advance)
        return sink_from_spec(self.spec, ledger, store_from_spec(self.spec, clock=self.clock), governor=governor)

    def run(self, sink, ledger: Ledger):
        """One engine run of the shop into `sink`, on the pinned clock."""
        return engine.Run(self.spec, source_from_spec(self.spec), sink, ledger, clock=self.clock)()

    def stop(self) -> None:
        self.box.stop()
        assert self.box.woo_server.crashes == [] and self.box.exact_server.crashes == [] and self.exact.crashes == []


class Harness:
    """One sink under the contract. Subclasses say how to build it and what a test may do
    to its books; `name` is the sink's name in test ids and skip reasons."""

    name = ""

    def __init__(self, books: Books) -> None:
        self.books = books
        self.ledger = self.new_ledger()  # the ledger a run of this sink keeps (the sink may keep caches in it)
        self.sink = self.fresh()

    def new_ledger(self) -> Ledger:
        raise NotImplementedError

    def fresh(self):
        """The sink as the next run builds it: same books and ledger, nothing kept in memory."""
        raise NotImplementedError

    def lose_ledger(self) -> None:
        """The ledger deleted (or a new machine): the books are all that is left."""
        path = self.ledger.path
        self.ledger.close()
        for lost in path.parent.glob(path.name + "*"):
            lost.unlink()
        for lost in path.parent.glob(path.stem + ".accounts*"):
            lost.unlink()
        self.ledger = self.new_ledger()
        self.sink = self.fresh()

    def run(self):
        """One engine run of the shop into a fresh sink: the run's outcome."""
        self.sink = self.fresh()
        return self.books.run(self.sink, self.ledger)

    def lacks(self, capability: str) -> None:
        assert capability in CAPABILITIES, capability
        if capability not in self.sink.capabilities:
            pytest.skip(f"{self.name} sink lacks {capability!r}: {CAPABILITIES[capability]}")

    def planned(self, n: int) -> due.Planned:
        """The sale of the shop's n-th order, as the booking rules make it."""
        return due.sale(self.books.booker, due.read_order(WooListed(self.books.orders()[n])))

    def posting(self, n: int) -> Posting:
        """The sale of the shop's n-th order, on its account (made in the books when new)."""
        planned = self.planned(n)
        plan = planned.customer
        account = self.sink.customer(plan) or self.sink.create_customer(plan)["ref"]
        return Posting(planned.document, plan, account, planned.payment)

    def write_losing_answer(self, step: str, posting: Posting, done: dict[str, Facts]) -> None:
        """Writes `step`, which lands in the books, and loses the answer (a crash, a dropped
        connection): the caller never hears the facts."""
        raise NotImplementedError

    def write_many_losing_answer(self, step: str, items) -> None:
        """`write_many` whose writes land and whose answers are lost: each item's result
        says its outcome is unknown."""
        raise NotImplementedError

    def refuse(self, step: str, posting: Posting) -> None:
        """Has the books refuse this posting's `step`, however it is sent."""
        raise NotImplementedError

    def landed(self) -> int:
        """Documents the books hold."""
        raise NotImplementedError

    def stop(self) -> None:
        self.ledger.close()


class ExactHarness(Harness):
    name = "exact"

    def new_ledger(self) -> Ledger:
        return Ledger(self.books.folder / "state.json")

    def fresh(self):
        return self.books.exact_sink(self.ledger)

    def write_losing_answer(self, step: str, posting: Posting, done: dict[str, Facts]) -> None:
        from runner.errors import OutcomeUnknown

        self.books.box.exact_server.faults.queue(Fault(lost=True, match=lambda r: r.method == "POST"))
        with pytest.raises(OutcomeUnknown):
            self.sink.write(step, posting, done)

    def write_many_losing_answer(self, step: str, items) -> None:
        from runner.errors import OutcomeUnknown

        self.books.box.exact_server.faults.lose_responses = 1.0  # every entry of the batch lands unanswered
        try:
            results = self.sink.write_many(step, items)
        finally:
            self.books.box.exact_server.faults.lose_responses = 0.0
        assert all(isinstance(result, OutcomeUnknown) for result in results), results

    def refuse(self, step: str, posting: Posting) -> None:
        assert step == "payment", step
        refusal = json.dumps({"error": {"code": "", "message": {"lang": "", "value": "Ongeldig: Betaling"}}}).encode()
        marked = f"order {posting.document.order_number}"  # a receipt line names its order
        refused = Fault(500, html=False, body=refusal, match=lambda r: r.method == "POST" and "Entries" in r.path and marked in r.body.decode())
        self.books.box.exact_server.faults.queue(refused, times=2)  # the entry of every receipt, then its own

    def landed(self) -> int:
        return len(self.books.exact.entries)

    def stop(self) -> None:
        super().stop()
        assert self.books.box.exact_server.faults.pending == 0, "a fault the test arranged was never met: it did not test what it meant to"


class FolderHarness(Harness):
    name = "folder"

    def new_ledger(self) -> Ledger:
        from runner.adapters.folder import LEDGER

        (self.books.folder / "review").mkdir(exist_ok=True)
        return Ledger(self.books.folder / "review" / LEDGER)

    def fresh(self):
        from runner.adapters.folder import FolderSink

        sink = FolderSink(self.books.folder / "review")
        sink.open()
        return sink

    def write_losing_answer(self, step: str, posting: Posting, done: dict[str, Facts]) -> None:
        self.sink.write(step, posting, done)  # the file is in place; the run stopped before it heard so

    def write_many_losing_answer(self, step: str, items) -> None:
        self.sink.write_many(step, items)  # the files are in place; the run stopped before it heard so

    def refuse(self, step: str, posting: Posting) -> None:
        from runner.adapters.folder import _name

        (self.books.folder / "review" / _name(step, posting)).mkdir()  # a folder where its file goes: it cannot be written

    def landed(self) -> int:
        return sum(1 for path in (self.books.folder / "review").glob("*.json") if path.name != "ledger.json")


class DryRunHarness(Harness):
    """A dry run over the Exact sandbox: what it writes is kept as requests, never sent."""

    name = "dry_run"

    def new_ledger(self) -> Ledger:
        return Ledger.dry_copy(self.books.folder / "state.json")  # in memory, as a dry run's

    def fresh(self):
        from runner.adapters.dry import DryRunSink

        return DryRunSink(self.books.exact_sink(self.ledger))

    def landed(self) -> int:
        return len(self.books.exact.entries)


HARNESSES = [ExactHarness, FolderHarness, DryRunHarness]


@pytest.fixture
def books(tmp_path):
    made = Books(tmp_path)
    yield made
    made.stop()


@pytest.fixture(params=HARNESSES, ids=lambda harness: harness.name)
def sink(request, books) -> Harness:
    """Each sink in turn, as a Harness over the same shop and books."""
    harness = request.param(books)
    yield harness
    harness.stop()
