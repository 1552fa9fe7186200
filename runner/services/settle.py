"""`runner settle` (issue 24): each provider of the spec's `settlements:` read for its
paid-out settlements, each booked once as a bank entry in the provider's journal through
the settlements mode (runner/pipeline/modes/settlements.py), and each provider's balance set
beside its journal's balance in Exact at the end. Typed options in, a typed result out; the
CLI renders it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from runner.domain.booking import Booker
from runner.domain.money import ZERO, text
from runner.domain.settlement import NAMES, Settlement
from runner.errors import NotSupported, RunnerError
from runner.ledger.lock import run_lock
from runner.pipeline import engine
from runner.pipeline.exactly_once import Pipeline
from runner.pipeline.modes.settlements import Orders, SettlementMode
from runner.pipeline.outcome import Outcome
from runner.pipeline.ports import capability
from runner.services import connect, settlement_report
from runner.services.connect import Secrets
from runner.services.payouts import accounts_of, chosen, orders_since, preview
from runner.services.settlement_report import ProviderReport, difference
from runner.spec.model import Spec
from runner.spec.providers import PROVIDERS, KeyProvider, PayPal, Provider, Settlements

LOOK_BACK = timedelta(days=62)  # orders read before the first settlement: a payout holds payments of some weeks
SANDBOX_JOURNALS = {"mollie": "23", "stripe": "22", "paypal": "21"}  # the sandbox administration's provider journals
SANDBOX_ACCOUNTS = {"clearing_account": "1190", "fee_account": "4600", "chargeback_account": "4610", "differences_account": "4610"}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SettleOptions:
    providers: tuple[str, ...] = ()  # empty: every provider of the spec
    since: date | None = None  # settlements paid out on or after; None: 31 days before today
    dry_run: bool = False  # read the providers and Exact, post nothing: each payout's entry in the result
    to: Path | None = None  # post nothing; write each payout's bank entry to this folder as JSON
    sandbox: bool = False  # a fresh embedded sandbox: its demo shop booked, then its providers' payouts


@dataclass
class ProviderResult:
    provider: str
    journal: str
    booked: list[str] = field(default_factory=list)  # payouts booked (or found in Exact) now
    before: int = 0  # payouts the ledger had booked already
    estimated: int = 0  # without a key: days of fees estimated from the orders' meta
    failed: dict[str, str] = field(default_factory=dict)
    named: list[str] = field(default_factory=list)  # what the consultant must look at
    entries: list[dict] = field(default_factory=list)  # a dry run: what would be posted
    provider_balance: Decimal | None = None
    journal_balance: Decimal | None = None
    in_transit: Decimal = ZERO  # at the provider: in no paid-out payout yet
    unsettled: Decimal = ZERO  # in the journal: receipts the run booked that no booked payout holds

    @property
    def difference(self) -> Decimal | None:
        """As `runner report --settlements` has it (settlement_report.difference)."""
        if self.provider_balance is None or self.journal_balance is None:
            return None
        return difference(self.provider_balance, self.in_transit, self.journal_balance, self.unsettled)

    def as_dict(self) -> dict:
        money = ("provider_balance", "journal_balance", "in_transit", "unsettled")
        out = {k: v for k, v in self.__dict__.items() if k not in money}
        for name in (*money, "difference"):
            value = getattr(self, name)
            out[name] = text(value) if value is not None else None
        return out


@dataclass
class SettleResult:
    providers: list[ProviderResult] = field(default_factory=list)
    looked_up: int = 0  # payouts an earlier run intended, looked up in Exact by their tag
    exact_calls: int = 0
    provider_calls: int = 0
    sandbox: list[tuple[str, Decimal, int]] = field(default_factory=list)  # --sandbox: what each provider holds, its payouts

    @property
    def settled(self) -> int:
        """Payouts booked (or found in Exact) now."""
        return sum(len(p.booked) for p in self.providers)

    @property
    def exit_code(self) -> int:
        """1 when a payout failed or a provider's balance does not agree with its journal's."""
        return 1 if any(p.failed or p.difference for p in self.providers) else 0

    def as_dict(self) -> dict:
        return {
            "providers": [p.as_dict() for p in self.providers],
            "settled": self.settled,
            "looked_up": self.looked_up,
            "exact_calls": self.exact_calls,
            "provider_calls": self.provider_calls,
        }


def settle(
    spec: Spec,
    ledger,
    source,
    books,
    sink,
    provider: Callable[[str], object],
    options: SettleOptions,
    today: date,
    progress: Callable[[str], None] = lambda said: None,
) -> SettleResult:
    """Books the settlements. `books` writes bank entries (runner/adapters/exact/settlements.py),
    `sink` is the Exact sink that knows the customers' accounts, `provider(name)` a provider's
    adapter (runner/adapters/psp/)."""
    names = chosen(spec, options.providers)
    since = options.since or today - timedelta(days=31)
    result = SettleResult()
    calls = books.quota().calls  # the client may have served a run before: only this settle's are counted
    outcome = Outcome(started="")
    pipeline = Pipeline(books, ledger, outcome)
    booker = Booker(spec)
    sign = getattr(sink, "receipt_sign", 1)
    mode = SettlementMode(pipeline, ledger, {n: accounts_of(spec, n) for n in names}, Orders(()), booker.customer, sink.customer, sign)
    if not options.dry_run:
        pipeline.settle(mode.opens(), orders=False)
        result.looked_up = outcome.settled
    known = spec.settlements.providers()
    adapters = {name: provider(name) for name in names if known[name].keyed}
    settlements: dict[str, list[Settlement]] = {}
    for name, adapter in adapters.items():
        progress(f"reading {name} payouts since {since.isoformat()}")
        settlements[name] = adapter.settlements(since)
    first = min((s.paid_out for found in settlements.values() for s in found), default=since)
    orders = list(orders_since(source, min(first, since) - LOOK_BACK))
    mode.orders = Orders(orders)
    for name in (n for n in names if not known[n].keyed):  # no key: fees estimated from the orders' meta (fee_estimates.py)
        mine = ProviderResult(name, known[name].journal)
        result.providers.append(mine)
        if not options.dry_run:
            mine.estimated = mode.estimate(name, [o for o in orders if o.raw.get("date_paid") and _day(o) >= since], today, spec.timezone)
        mine.booked = [key.split("|", 1)[1] for key in mode.booked if key.startswith(f"{name}|")]
        mine.failed = {key.split("|", 1)[1]: message for key, message in mode.failed.items() if key.startswith(f"{name}|")}
        mine.named = [n for n in mode.named if n.startswith(NAMES[name])]
        mine.journal_balance = books.balance(mine.journal) * sign
    for name, found in settlements.items():
        journal = spec.settlements.providers()[name].journal
        mine = ProviderResult(name, journal)
        result.providers.append(mine)
        for settlement in found:
            key = f"{name}|{settlement.id}"
            if (ledger.settlement(key) or {}).get("state") == "done":
                mine.before += 1
                continue
            if options.dry_run:
                mine.entries.append(preview(mode, books, settlement))
                continue
            progress(f"booking {name} payout {settlement.reference or settlement.id}")
            if mode.book(settlement):
                mine.booked.append(settlement.reference or settlement.id)
            if key in mode.failed:
                mine.failed[settlement.reference or settlement.id] = mode.failed.pop(key)
        mine.named = [n for n in mode.named if n.startswith(NAMES[name])]
        number = lambda order, refund: (ledger.step(order, refund, "document") or {}).get("number")  # noqa: E731
        sum_ = settlement_report.summed(ProviderReport(name, journal), books, adapters[name], sign, number, ledger.settlements())
        mine.provider_balance, mine.journal_balance = sum_.provider_balance, sum_.journal_balance
        mine.in_transit, mine.unsettled = sum_.in_transit, sum_.unsettled
        if not options.dry_run:
            settlement_report.remember(ledger, sum_, today)  # what `runner status` says of it
    result.exact_calls = books.quota().calls - calls
    result.provider_calls = sum(getattr(a, "calls", 0) for a in adapters.values())
    return result


def _day(order) -> date:
    return date.fromisoformat(str(order.raw.get("date_paid"))[:10])


def settle_spec(
    spec: Spec, options: SettleOptions = SettleOptions(), progress: Progress = lambda said: None, on_secret: Secrets | None = None
) -> SettleResult:
    """`runner settle`: the spec's payouts booked (or, with `dry_run` or `to`, shown or written),
    under its run lock; with `sandbox` against a fresh sandbox, its demo shop booked first."""
    options = replace(options, dry_run=options.dry_run or options.to is not None)
    with target(spec, options.sandbox, on_secret) as (spec, box):
        if box is not None:
            book_demo(spec)
        result = book(spec, options, progress)
        result.sandbox = [(name, box.providers.balance(name), len(box.providers.paid_out(name))) for name in PROVIDERS] if box else []
    if options.to is not None:
        options.to.mkdir(parents=True, exist_ok=True)
        for p in result.providers:
            for one in p.entries:
                (options.to / f"{p.provider}-{one['payout']}.json").write_text(json.dumps(one, indent=2, ensure_ascii=False))
    return result


@contextmanager
def target(spec: Spec, sandbox: bool, on_secret: Secrets | None = None) -> Iterator[tuple[Spec, object]]:
    """The spec, or the spec pointed at a fresh sandbox whose providers pay the demo shop out
    (the spec's settlements: section kept for its journals and accounts, else the sandbox's)."""
    with connect.target(spec, sandbox, on_secret, providers=True) as (sandboxed, box):
        if box is None:
            yield spec, None
            return
        keys = box.providers.credentials()
        for secret in (v for pair in keys.values() for v in pair.values()) if on_secret else ():
            on_secret(secret)
        yield replace(sandboxed, settlements=sandbox_settlements(spec.settlements, box.providers.urls, keys)), box


def sandbox_settlements(mine: Settlements, urls: dict[str, str], keys: dict[str, dict[str, str]]) -> Settlements:
    out = {}
    for name, journal in SANDBOX_JOURNALS.items():
        given = mine.providers().get(name)
        base = {f.name: getattr(given, f.name) for f in fields(Provider)} if given else dict(SANDBOX_ACCOUNTS, journal=journal)
        base["url"] = urls[name]
        if name == "paypal":
            out[name] = PayPal(**base, **keys[name])
        else:
            out[name] = KeyProvider(**base, api_key=next(iter(keys[name].values())))
    return Settlements(**out)


def book_demo(spec: Spec) -> None:
    """`--sandbox`: the demo shop's orders booked first, as `run --sandbox` does."""
    source, sink, ledger = connect.parts(spec)
    with ledger:
        engine.Run(spec, source, sink, ledger)()


def book(spec: Spec, options: SettleOptions, progress: Progress = lambda said: None) -> SettleResult:
    """The settlements of a spec, under its run lock (not for a dry run, which writes nothing)."""
    from runner.adapters.psp import provider_for

    chosen(spec, options.providers)  # a spec problem before any connection
    spec.require_env("settlements")
    lock = run_lock(connect.lock_path(spec))
    if not options.dry_run:
        lock.acquire()
    try:
        source, sink, ledger = connect.parts(spec, read_only=options.dry_run)
        with ledger:
            books = capability(sink, "payout_books")
            if books is None:
                raise NotSupported(f"{sink.name} keeps no payment journals to settle payouts in", "settle against Exact: leave out --to")
            books = books(ledger)
            known = spec.settlements.providers()
            adapter = lambda name: provider_for(name, known[name])  # noqa: E731
            return settle(spec, ledger, source, books, sink, adapter, options, date.today(), progress)
    finally:
        if not options.dry_run:
            lock.release()


@dataclass
class AfterRun:
    """The settlements a run booked at its end (`runner run` with a settlements: section)."""

    result: SettleResult | None = None  # None: nothing to settle (no settlements:, a dry run, a review folder)
    problems: list[str] = field(default_factory=list)
    note: str | None = None  # why a run with settlements: settled nothing (a sandbox run)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems or (self.result and self.result.exit_code) else 0

    def as_dict(self) -> dict:
        return {"settlements": {**self.result.as_dict(), "problems": self.problems}} if self.result else {}


def after_run(spec: Spec) -> AfterRun:
    """Settles after the orders are booked; a provider out of reach is said, never a crash of the run."""
    if not spec.settlements.providers():
        return AfterRun()
    try:
        return AfterRun(book(spec, SettleOptions()))
    except RunnerError as failed:
        return AfterRun(SettleResult(), [f"FAILED settlements: {failed.message}" + (f" (what to do: {failed.hint})" if failed.hint else "")])
