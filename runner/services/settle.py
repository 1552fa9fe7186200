"""`runner settle` (issue 24): each provider of the spec's `settlements:` read for its
paid-out settlements, each booked once as a bank entry in the provider's journal through
the settlements mode (runner/pipeline/modes/settlements.py), and each provider's balance set
beside its journal's balance in Exact at the end. Typed options in, a typed result out; the
CLI renders it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from runner.adapters.exact.payloads import BANK_ENTRIES
from runner.domain.booking import Booker
from runner.domain.money import text
from runner.domain.settlement import NAMES, Settlement
from runner.domain.settling import Accounts, entry
from runner.errors import RunnerError, SpecError
from runner.pipeline import due
from runner.pipeline.exactly_once import Pipeline
from runner.pipeline.modes.settlements import Orders, SettlementMode
from runner.pipeline.outcome import Outcome
from runner.services import settlement_report
from runner.services.settlement_report import ProviderReport
from runner.spec.model import Spec

LOOK_BACK = timedelta(days=62)  # orders read before the first settlement: a payout holds payments of some weeks


@dataclass(frozen=True)
class SettleOptions:
    providers: tuple[str, ...] = ()  # empty: every provider of the spec
    since: date | None = None  # settlements paid out on or after; None: 31 days before today
    dry_run: bool = False


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

    @property
    def difference(self) -> Decimal | None:
        if self.provider_balance is None or self.journal_balance is None:
            return None
        return self.journal_balance - self.provider_balance

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k not in ("provider_balance", "journal_balance")}
        for name in ("provider_balance", "journal_balance", "difference"):
            value = getattr(self, name)
            out[name] = text(value) if value is not None else None
        return out


@dataclass
class SettleResult:
    providers: list[ProviderResult] = field(default_factory=list)
    settled: int = 0  # intents of earlier runs looked up
    exact_calls: int = 0
    provider_calls: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if any(p.failed for p in self.providers) else 0

    def as_dict(self) -> dict:
        return {
            "providers": [p.as_dict() for p in self.providers],
            "settled": self.settled,
            "exact_calls": self.exact_calls,
            "provider_calls": self.provider_calls,
        }


def accounts_of(spec: Spec, name: str) -> Accounts:
    provider = spec.settlements.providers()[name]
    return Accounts(
        provider.journal,
        spec.payments.gl_account,
        provider.clearing_account,
        provider.fee_account,
        provider.differences_account,
        provider.chargeback_account,
        lambda kind: spec.templates.render(f"settlements.{name}.fee_vat_code", provider=name, fee=kind) if provider.fee_vat_code else "",
    )


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
        result.settled = outcome.settled
    known = spec.settlements.providers()
    adapters = {name: provider(name) for name in names if known[name].keyed}
    settlements: dict[str, list[Settlement]] = {}
    for name, adapter in adapters.items():
        progress(f"reading {name} payouts since {since.isoformat()}")
        settlements[name] = adapter.settlements(since)
    first = min((s.paid_out for found in settlements.values() for s in found), default=since)
    orders = list(_orders(source, min(first, since) - LOOK_BACK))
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
                mine.entries.append(_preview(mode, books, settlement))
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
        if not options.dry_run:
            settlement_report.remember(ledger, sum_, today)  # what `runner status` says of it
    result.exact_calls = books.quota().calls - calls
    result.provider_calls = sum(getattr(a, "calls", 0) for a in adapters.values())
    return result


def chosen(spec: Spec, asked: Iterable[str]) -> list[str]:
    known = spec.settlements.providers()
    if not known:
        raise SpecError("the spec has no settlements: section", "add one per payment provider (docs/settlements.md), then `runner settle` again")
    asked = list(asked) or list(known)
    for name in asked:
        if name not in known:
            raise SpecError(f"the spec has no settlements.{name}", f"add it (docs/settlements.md), or choose one of: {', '.join(known)}")
    return asked


def _orders(source, since: date):
    """The shop's orders created since `since` (any status: a refunded order was paid once)."""
    for raw in source.orders(None, created_after=f"{since.isoformat()}T00:00:00"):
        try:
            yield due.read_order(raw, source)
        except RunnerError:
            continue  # an order the runner cannot read is not linked: its payment is named as without an order


def _day(order) -> date:
    return date.fromisoformat(str(order.raw.get("date_paid"))[:10])


def _preview(mode: SettlementMode, books, settlement: Settlement) -> dict:
    made = entry(settlement, mode.links(settlement), mode.accounts[settlement.provider], mode.sign)
    request = books.chained(made)
    return {"payout": settlement.reference or settlement.id, "endpoint": BANK_ENTRIES, "payload": request, "named": list(made.named)}
