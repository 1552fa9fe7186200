"""The parts of `runner settle` around its loop (runner/services/settle.py): the providers a
command names, each provider's accounts, the shop's orders a payout may hold, and a dry run's
bank entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from runner.adapters.exact.payloads import BANK_ENTRIES
from runner.domain.settlement import Settlement
from runner.domain.settling import Accounts, entry
from runner.errors import RunnerError, SpecError
from runner.pipeline import due
from runner.pipeline.modes.settlements import SettlementMode
from runner.spec.model import Spec


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


def chosen(spec: Spec, asked: Iterable[str]) -> list[str]:
    known = spec.settlements.providers()
    if not known:
        raise SpecError("the spec has no settlements: section", "add one per payment provider (docs/settlements.md), then `runner settle` again")
    asked = list(asked) or list(known)
    for name in asked:
        if name not in known:
            raise SpecError(f"the spec has no settlements.{name}", f"add it (docs/settlements.md), or choose one of: {', '.join(known)}")
    return asked


def orders_since(source, since: date):
    """The shop's orders created since `since` (any status: a refunded order was paid once)."""
    for raw in source.orders(None, created_after=f"{since.isoformat()}T00:00:00"):
        try:
            yield due.read_order(raw, source)
        except RunnerError:
            continue  # an order the runner cannot read is not linked: its payment is named as without an order


def preview(mode: SettlementMode, books, settlement: Settlement) -> dict:
    made = entry(settlement, mode.links(settlement), mode.accounts[settlement.provider], mode.sign)
    request = books.chained(made)
    return {"payout": settlement.reference or settlement.id, "endpoint": BANK_ENTRIES, "payload": request, "named": list(made.named)}
