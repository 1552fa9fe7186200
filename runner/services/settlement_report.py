"""`runner report --settlements` (issue 24 point 6): per provider, its balance against its
journal's balance in Exact, and what explains the gap between them:

    provider balance - in transit at the provider       what the payouts settled
      = journal balance - receipts the run booked        (both zero for Mollie and Stripe,
        that no booked payout holds yet                   which pay out all they settle)

A difference means something settled is not in the journal, or in it twice: the report
exits 1. Beside it: the payouts of the period with their fees (per month), the chargebacks,
the payments without an order and the refunds without a credit they named, and the
receipts in the journal that no payout holds yet (in transit; one that stays there long
after its payment was a refund or receipt the provider never made)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from runner.domain.money import ZERO, text
from runner.domain.settlement import NAMES
from runner.spec.model import Spec

SHOWN = 12  # receipts in transit the table names; the JSON has them all


@dataclass
class ProviderReport:
    provider: str
    journal: str
    provider_balance: Decimal = ZERO
    in_transit: Decimal = ZERO  # at the provider: in no paid-out payout yet
    journal_balance: Decimal = ZERO
    unsettled: Decimal = ZERO  # in the journal: receipts the run booked that no booked payout holds
    unsettled_lines: int = 0
    in_transit_receipts: list[str] = field(default_factory=list)  # those receipts, by the entry number they settle
    payouts: list[dict] = field(default_factory=list)  # of the period: day, id, payout, fees
    fees_per_month: dict[str, Decimal] = field(default_factory=dict)
    chargebacks: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # payments (or refunds) without an order
    without_credit: list[str] = field(default_factory=list)  # refunds without a credit in Exact

    @property
    def difference(self) -> Decimal:
        return (self.journal_balance - self.unsettled) - (self.provider_balance - self.in_transit)

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items()}
        for k in ("provider_balance", "in_transit", "journal_balance", "unsettled"):
            out[k] = text(out[k])
        out["fees_per_month"] = {k: text(v) for k, v in self.fees_per_month.items()}
        out["difference"] = text(self.difference)
        return out


def report(
    spec: Spec, ledger, books, providers: dict[str, object], first: date, last: date, number_of: Callable[[int, int | None], int | None]
) -> list[ProviderReport]:
    """Per provider; `books` reads the journals (runner/adapters/exact/settlements.py),
    `number_of(order, refund)` the entry number the ledger has for a document."""
    out = []
    sign = -1 if spec.payments.receipt_sign == "negative" else 1
    records = ledger.settlements()
    for name, adapter in providers.items():
        mine = summed(ProviderReport(name, spec.settlements.providers()[name].journal), books, adapter, sign, number_of, records)
        for record in records:
            if record.get("provider") != name or record.get("state") != "done":
                continue
            day = record.get("day", "")
            if day and first.isoformat() <= day <= last.isoformat():
                fees = Decimal(record.get("fees") or "0")
                mine.payouts.append({"day": day, "payout": record["id"], "amount": record.get("payout"), "fees": text(fees)})
                mine.fees_per_month[day[:7]] = mine.fees_per_month.get(day[:7], ZERO) + fees
                for said in record.get("named") or []:
                    bucket = mine.chargebacks if " chargeback " in said else mine.without_credit if "no credit" in said else mine.unmatched
                    bucket.append(f"{day}: {said}")
        out.append(mine)
    return out


def summed(
    mine: ProviderReport, books, adapter, sign: int, number_of: Callable[[int, int | None], int | None], records: list[dict]
) -> ProviderReport:
    """The report's sum for one provider: its balance and what no payout holds at the provider,
    the journal's balance (read now) and the receipts in it that no booked payout holds."""
    name, journal = mine.provider, mine.journal
    days = [r["day"] for r in records if r.get("provider") == name and r.get("state") == "done" and r.get("day")]
    mine.provider_balance, mine.in_transit = adapter.balance(), adapter.in_transit(date.fromisoformat(max(days)) if days else None)
    mine.journal_balance = books.balance(journal) * sign
    covered = {number_of(o, r or None) for record in records if record.get("provider") == name for o, r in record.get("covers") or []}
    loose = [(ref, amount * sign) for ref, amount in books.loose.get(journal, []) if ref not in covered]
    mine.unsettled, mine.unsettled_lines = sum((amount for _, amount in loose), ZERO), len(loose)
    mine.in_transit_receipts = [f"entry {ref}: {text(amount)}" for ref, amount in loose]
    return mine


CHECKED = "settlements_checked"  # the ledger's cursor: per provider, the sum at the last settle


def remember(ledger, mine: ProviderReport, day: date) -> None:
    """Kept for `runner status`, which reads it without asking the provider or Exact."""
    said = mine.as_dict()
    kept = {k: said[k] for k in ("journal", "provider_balance", "in_transit", "journal_balance", "unsettled", "difference")}
    ledger.set_cursor(CHECKED, {**(ledger.cursor(CHECKED) or {}), mine.provider: {**kept, "at": day.isoformat()}})


def status(ledger) -> list[dict]:
    """Per provider: the payouts booked, the last of them, and whether its journal agreed with
    it at the last settle (None: never checked). From the ledger alone."""
    checked = ledger.cursor(CHECKED) or {}
    payouts = [r for r in ledger.settlements() if r.get("state") == "done" and r.get("payout") is not None]
    out = []
    for name in sorted({r["provider"] for r in payouts} | set(checked)):
        mine = [r for r in payouts if r["provider"] == name]
        last = max(mine, key=lambda r: (r.get("day") or "", r["id"]), default=None)
        check = checked.get(name)
        out.append(
            {
                "provider": name,
                "journal": (check or {}).get("journal"),
                "payouts": len(mine),
                "last_payout": {"id": last["id"], "reference": last.get("reference") or last["id"], "day": last.get("day"), "amount": last["payout"]}
                if last
                else None,
                "checked": check,
                "difference": check["difference"] if check else None,
                "agrees": Decimal(check["difference"]) == 0 if check else None,
            }
        )
    return out


def status_lines(providers: list[dict]) -> list[str]:
    out = []
    for p in providers:
        name, last, check = NAMES.get(p["provider"], p["provider"]), p["last_payout"], p["checked"]
        said = (
            f"{name}: last payout {last['reference']} of {last['day']} ({last['amount']}), {p['payouts']} booked"
            if last
            else f"{name}: no payout booked"
        )
        if check and p["agrees"]:
            said += f"; journal {p['journal']} agreed with {name} to the cent at the last settle ({check['at']})"
        elif check:
            said += f"; DIFFERENCE {p['difference']} in journal {p['journal']} against {name} at the last settle ({check['at']}): "
            said += "`runner report SPEC --settlements` says what it is"
        out.append(said)
    return out


def lines(reports: list[ProviderReport], first: date, last: date) -> list[str]:
    out = [f"settlements {first.isoformat()} .. {last.isoformat()}"]
    for r in reports:
        name = NAMES.get(r.provider, r.provider)
        out.append(f"{name} (journal {r.journal}): {len(r.payouts)} payout(s), fees {text(sum(r.fees_per_month.values(), ZERO))}")
        out.append(f"  {name} holds {text(r.provider_balance)}, of which in no payout yet {text(r.in_transit)}")
        out.append(f"  journal {r.journal} in Exact holds {text(r.journal_balance)}, of which receipts in no payout yet {text(r.unsettled)}")
        out.append(f"  {'agrees to the cent' if r.difference == 0 else 'DIFFERENCE ' + text(r.difference)}")
        for month, fee in sorted(r.fees_per_month.items()):
            out.append(f"  fees {month}: {text(fee)}")
        for said in (*r.chargebacks, *r.unmatched, *r.without_credit):
            out.append(f"  {said}")
        shown = r.in_transit_receipts[:SHOWN]
        if shown:
            more = f" (and {len(r.in_transit_receipts) - SHOWN} more: --format json lists them all)" if len(r.in_transit_receipts) > SHOWN else ""
            out.append(f"  receipts in the journal in no payout yet{more}: " + ", ".join(shown))
    return out
