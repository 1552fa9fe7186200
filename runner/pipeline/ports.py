"""The two seams of the runner: where orders come from (`Source`) and where documents go
(`Sink`). The engine, the preview and the report talk to these and nothing else; the
WooCommerce source (runner/adapters/woo) and the Exact sink (runner/adapters/exact) implement them, and
runner/adapters/folder.py is a second sink that writes each document to a folder.

Exactly-once is a protocol between the ledger and a sink, owned by one module
(runner/pipeline/exactly_once.py) for every document of every booking mode:

    for each step a sink names for a document ("document", then e.g. "print", "payment"):
        skip it when the ledger has it done
        record it as done when the books hold it already: sink.find(step, ...)  (never twice)
        ledger.intend(step, **sink.intent(step, posting, done))   # before anything is sent
        ledger.done(step, **sink.write(step, posting, done))       # after the sink's answer
    an intent without `done` (a crash, a lost answer) is settled first thing next run:
        sink.lookup(step, intent) -> the facts of what landed, or None (then it is sent again)
    a step in `sink.batched` (payments) is intended when its document gets there, and sent
    with the others at the end of the run (every 100): sink.write_many(step, items)
    (a daily summary's payments always go out through `write_many`, whatever `batched` says)

Errors: a sink and a source raise only runner.errors types. `Rejected` (nothing written,
the order fails and is retried later), `OutcomeUnknown` (the write may have landed: the
order waits for the lookup of the next run), `QuotaExhausted` (stop the run cleanly),
`BookingError` (a local check refused it before anything was sent), `ServiceError`
(unreachable), `LoginNeeded`.

What a sink can honour it says in `capabilities` (names from `CAPABILITIES`); the contract
suite (tests/contract/) runs over every sink and skips, naming it, what a sink lacks. The
methods of an optional capability (`OPTIONAL`: reading the books, healing an account,
matching receipts, checking codes, pushing items) a sink without it does not have, and callers ask `capability(sink, method)`;
`SinkBase` gives the core's defaults, and `create_customer` without "accounts" raises
`NotSupported` rather than pretending."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from runner.domain.booking import CustomerPlan, Document, Line, PaymentPlan
from runner.domain.listed import Listed, ListedRefund
from runner.domain.vat_codes import VatCode
from runner.errors import NotSupported, RunnerError, ServiceError

Facts = dict[str, Any]  # what the ledger keeps about one step: JSON-able, sink-defined

CAPABILITIES = {
    "find": "a document it wrote is found by `find` and `holds` (the books are read back), never by another document's",
    "lookup": "a write whose answer was lost is found by `lookup`, and None when nothing landed",
    "batch": "`write_many` answers each item on its own: an item the books refuse (or cannot take) fails alone, the others land",
    "quota": "`quota` counts the calls the sink made (and what the day has left, where the books say)",
    "accounts": "`create_customer` makes an account in the books",
    "probe": "`held_summaries`, `summary_members`, `shop_documents`, `other_shops` read what the books hold of a shop beyond the ledger",
    "books": "`vat_codes`, `books_reader`, `payments_reader` read the administration's VAT codes and a period's documents (runner report)",
    "heal": "`unknown_account` finds the account again when the books refused one they no longer hold",
    "receipts": "`unmatched` names the receipts a run posted whose sale the books still list as open",
    "settlements": "`paid` says which documents a provider's journal holds receipts of (runner settle, a payout's entry)",
    "checks": "`check_codes` reads the books' codes afresh and checks a spec's, a document's and a line's against them (validate --online)",
    "items": "`push_items`, `push_changed_items` send the shop's products to the books' items (runner products, products.push)",
}  # what a sink may say it can do (`Sink.capabilities`), as the contract suite checks it
OPTIONAL = {
    "probe": ("held_summaries", "summary_members", "shop_documents", "other_shops"),
    "books": ("vat_codes", "books_reader", "payments_reader"),
    "heal": ("unknown_account",),
    "receipts": ("unmatched",),
    "settlements": ("paid",),
    "checks": ("check_codes",),
    "items": ("push_items", "push_changed_items"),
}  # the methods of an optional capability: a sink without it does not have them (no stubs)


def capability(sink: Any, method: str) -> Callable[..., Any] | None:
    """A sink's optional method (one of OPTIONAL's) when the sink names its capability; None
    when it does not: the caller goes without (a folder reads no books, a preview none)."""
    name = next((name for name, methods in OPTIONAL.items() if method in methods), None)
    if name is None:
        raise NotSupported(f"{method} is not an optional capability of a sink", "report this: see runner/pipeline/ports.py OPTIONAL")
    return getattr(sink, method, None) if name in sink.capabilities else None


@dataclass(frozen=True)
class Posting:
    """One document on its way to a sink: the document, who it is booked on (an account
    id the sink gave), and the payment that settles it when the spec books `paid`."""

    document: Document
    customer: CustomerPlan
    account: str
    payment: PaymentPlan | None = None


@dataclass(frozen=True)
class Quota:
    """A sink's call budget as last seen: calls made this run, left today (None: no
    limit known), and when the day starts over (epoch seconds, 0 when unknown)."""

    calls: int = 0
    left_today: int | None = None
    resets_at: float = 0.0
    per_minute: int | None = None  # the minute limit the sink announced (Exact: 60)


class Source(Protocol):
    """The shop, read-only: orders and refunds as the domain's `Listed` / `ListedRefund`
    (runner/domain/listed.py), never the shop's own JSON. Every method may raise `ServiceError` (unreachable, kept
    failing), `SpecError` (the keys or the address are wrong) or `LoginNeeded`."""

    calls: int
    name: str  # the shop, as a ledger records whose it is (its address)
    listed: int | None  # how many orders the last `orders` listing holds, as the shop said (X-WP-Total); None: not said

    def orders(self, statuses: list[str] | None = None, created_after: str | None = None, modified_after_gmt: str | None = None) -> Iterator[Listed]:
        """Orders by ascending id, each once: `created_after` is shop-local, `modified_after_gmt` UTC."""

    def order(self, order_id: int) -> Listed:
        """One order, as listed (read it with `Listed.read`)."""

    def refunds(self, order_id: int) -> list[ListedRefund]:
        """The refunds of one order, complete (with their lines)."""

    def refund_parents(self, after_gmt: str | None) -> set[int] | None:
        """The orders with refunds created after `after_gmt` (UTC); None when the shop cannot
        list refunds store-wide (then each order is asked)."""

    def categories(self, product_id: int) -> tuple[str, ...]:
        """Category names of a product; () for a deleted product."""

    def taxes(self) -> list[dict]:
        """The shop's tax rates."""


class Sink(Protocol):
    """Where documents are booked. A sink may keep caches (master data, a customer index)
    in the ledger it was built with; the pipeline owns every intent and `done`."""

    name: str  # the books, as a ledger records whose it is (e.g. "Exact division 1234567 at ...")
    batched: frozenset[str]  # steps the engine collects and has written together (`write_many`), always a document's last
    capabilities: frozenset[str]  # what of `CAPABILITIES` it honours against the books (a dry run: none that needs a write to land)

    def open(self) -> None:
        """Called once before a run books: bring indexes up to date (reads only)."""

    def problems(self, document: Document, payment: PaymentPlan | None) -> list[str]:
        """What the books would refuse about this document, found locally before any
        write (codes that do not exist, wrong types, a currency the journal does not take)."""

    def customer(self, plan: CustomerPlan) -> str | None:
        """The account a document is booked on, if the books have it (read only). Raises
        `BookingError` when the plan names an account that must exist and does not."""

    def create_customer(self, plan: CustomerPlan) -> Facts:
        """Creates the account; returns facts with its `ref`. Raises `BookingError`
        before sending when the books would refuse it. The engine records the intent first:
        `intent("account", ...)` (what the account is found by: what is sent) and the order's e-mail."""

    def steps(self, posting: Posting) -> tuple[str, ...]:
        """The writes one document takes, in order, the first being "document"."""

    def find(self, step: str, posting: Posting, done: Mapping[str, Facts], taken: set[str]) -> Facts | None:
        """Whether the books already hold this step although the ledger does not know it
        (a lost or old ledger): its facts, or None. Reads only, in bulk where it can: the
        books decide what is booked. `taken`: ids the ledger holds for other documents."""

    def holds(self, document: Document) -> bool | None:
        """Whether the books hold this document (None: the sink cannot tell), read in bulk
        with what the run read already. The completeness check at the end of a run asks it."""

    def intent(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        """What `lookup` needs to find this write should its answer be lost (no I/O).
        `done` holds the facts of the document's earlier steps, by step name."""

    def request(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any] | None:
        """What `write` would send for this step (for previews and dry runs; reads only);
        None for a step that writes only what the sink's earlier answers call for."""

    def write(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        """Sends one step; returns the facts to keep (`ref`, `number`...) and, under
        `warning`, anything the sink had to do that the consultant should hear of."""

    def write_many(self, step: str, items: Sequence[tuple[Posting, Mapping[str, Facts]]]) -> list[Facts | RunnerError]:
        """Sends a batched step for many documents in as few writes as it can; per item its
        facts, or the error that item met (`Rejected`: nothing of it landed; `OutcomeUnknown`:
        look it up). One item's refusal never costs the others theirs."""

    def requests_many(self, step: str, items: Sequence[tuple[Posting, Mapping[str, Facts]]]) -> list[dict[str, Any]]:
        """What `write_many` would send (for dry runs; no I/O)."""

    def describe(self, kind: str, code: str) -> str:
        """The books' description of a GL account (`kind` "gl") or VAT code ("vat"), for
        people reading a preview; "" when the sink does not know it."""

    def lookup(self, step: str, intent: Facts, known: set[str]) -> Facts | None:
        """Whether a write of an earlier run landed after all: its facts, or None. `known`
        are the ids the ledger already holds for that order (never the same document)."""

    def quota(self) -> Quota:
        """The call budget as last seen."""


# The optional capabilities as interfaces (OPTIONAL names their methods), for readers and type checkers.
class Probe(Protocol):
    def held_summaries(self, document: Document) -> list[Facts] | None: ...
    def summary_members(self, ref: str, shop: str) -> tuple[set[tuple[int, int | None]], bool] | None: ...
    def shop_documents(self, target: str, journal: str, shop: str, since: date) -> list[str] | None: ...
    def other_shops(self, target: str, journal: str, shop: str, since: date) -> list[str]: ...


class Books(Protocol):
    def vat_codes(self) -> dict[str, VatCode]: ...
    def books_reader(self) -> Callable[..., Any]: ...  # read_books of runner/services/vat_report.py
    def payments_reader(self) -> Callable[..., Any]: ...  # read_payments of runner/services/vat_report.py


class CodeCheck(Protocol):
    """The books' codes as `check_codes` read them, once: each check a list of what the books
    would refuse (codes that do not exist, wrong types), in the books' words."""

    def describe(self) -> str: ...  # one line: what was read ("division N may be used; X VAT codes, ...")
    def spec_problems(self, spec: Any) -> list[str]: ...  # the codes the spec names itself (journals, accounts)
    def document_problems(self, document: Document, payment: PaymentPlan | None) -> list[str]: ...
    def line_problems(self, line: Line) -> list[str]: ...


class Checks(Protocol):
    def check_codes(self) -> CodeCheck: ...


class Heal(Protocol):
    def unknown_account(self, plan: CustomerPlan, refusal: RunnerError) -> str | None: ...


class Receipts(Protocol):
    def unmatched(self, paid: Sequence[tuple[str, Posting, Mapping[str, Facts]]]) -> list[str]: ...


class Items(Protocol):
    def push_items(self, spec: Any, source: Any, **how: Any) -> Any: ...  # runner products: PushReport
    def push_changed_items(self, spec: Any, source: Any, ledger: Any) -> Any: ...  # a run's products.push


class SinkBase:
    """What a sink may leave to its defaults: nothing to open or check locally, no accounts to
    make (refused out loud: a sink without "accounts" names every customer itself), a batch
    written item by item (one that cannot be written fails alone), no descriptions of codes,
    no calls counted. The optional capabilities (OPTIONAL) it simply does not have."""

    name = ""
    batched: frozenset[str] = frozenset()
    capabilities: frozenset[str] = frozenset()

    def open(self) -> None:
        pass

    def problems(self, document: Document, payment: PaymentPlan | None) -> list[str]:
        return []

    def holds(self, document: Document) -> bool | None:
        return None

    def create_customer(self, plan: CustomerPlan) -> Facts:
        raise NotSupported(f"{self.name} holds no accounts: a document names its customer", "report this: `customer` answers every plan")

    def request(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any] | None:
        raise NotImplementedError

    def write(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        raise NotImplementedError

    def write_many(self, step: str, items: Sequence[tuple[Posting, Mapping[str, Facts]]]) -> list[Facts | RunnerError]:
        results: list[Facts | RunnerError] = []
        for posting, done in items:
            try:
                results.append(self.write(step, posting, done))
            except ServiceError as failed:  # nothing of it landed
                results.append(failed)
        return results

    def requests_many(self, step: str, items: Sequence[tuple[Posting, Mapping[str, Facts]]]) -> list[dict[str, Any]]:
        return [request for posting, done in items if (request := self.request(step, posting, done)) is not None]

    def describe(self, kind: str, code: str) -> str:
        return ""

    def quota(self) -> Quota:
        return Quota()
