"""`validate --online` against Exact: the administration's master data read afresh once, and
the codes checked against it (the sink's "checks" capability, runner/pipeline/ports.py
`CodeCheck`). The codes a spec names itself are checked even when no recent order uses
them: the sales journal, the payments journal and GL account, the rounding account and VAT
code, the balance-sheet accounts, and what `settlements:` names (each provider's bank
journal and accounts). A template that needs an order to give its code is checked on the
documents and lines the service books on paper."""

from __future__ import annotations

from runner.adapters.exact.payloads import BANK, CASH, PSP, REVENUE, SALES, MasterData, line_problems, master_data_problems
from runner.domain.booking import Document, Line, PaymentPlan
from runner.spec.model import Spec


def plain(code: str) -> bool:
    """A code as written (`"70"`), not a template that needs an order to give one."""
    return bool(code) and "{" not in code


class ExactCodes:
    """The administration's codes as read for one validation (`ExactSink.check_codes`)."""

    def __init__(self, division: int | str, master: MasterData, allowed: frozenset[str]) -> None:
        self.division, self.master, self.allowed = division, master, allowed

    def describe(self) -> str:
        master = self.master
        return (
            f"Exact Online: division {self.division} may be used; {len(master.vat_codes)} VAT codes, "
            f"{len(master.gl_types)} GL accounts, {len(master.journal_types)} journals"
        )

    def spec_problems(self, spec: Spec) -> list[str]:
        problems = named_problems(spec, self.master) + settlement_problems(spec, self.master)
        rounding_code = spec.booking.rounding.vat_code
        if rounding_code and rounding_code not in self.master.vat_codes:
            problems.append(f"booking.rounding.vat_code '{rounding_code}' does not exist in this administration")
        return problems

    def document_problems(self, document: Document, payment: PaymentPlan | None) -> list[str]:
        return master_data_problems(document, self.master, payment, self.allowed)

    def line_problems(self, line: Line) -> list[str]:
        return line_problems(line, self.master, self.allowed)


def named_problems(spec: Spec, master: MasterData) -> list[str]:
    problems: list[str] = []
    journal = spec.booking.journal
    if plain(journal) and master.journal_types.get(journal) != SALES:
        what = "does not exist" if journal not in master.journal_types else "is not a sales journal"
        problems.append(f"booking.journal '{journal}' {what} in this administration")
    rounding = spec.booking.rounding.account
    if rounding not in master.gl_types:
        problems.append(f"booking.rounding.account '{rounding}' does not exist in this administration")
    elif master.gl_types[rounding] != REVENUE:
        problems.append(f"booking.rounding.account '{rounding}' is not a revenue GL account here")
    for account in spec.booking.balance_sheet_accounts:
        if account not in master.gl_types:
            problems.append(f"booking.balance_sheet_accounts: '{account}' does not exist in this administration")
    if spec.booking.status == "paid":
        journal = spec.payments.journal
        if plain(journal) and master.journal_types.get(journal) not in (CASH, BANK, PSP):
            what = "does not exist" if journal not in master.journal_types else "is not a bank or cash journal"
            problems.append(f"payments.journal '{journal}' {what} in this administration")
        if spec.payments.gl_account not in master.gl_types:
            problems.append(f"payments.gl_account '{spec.payments.gl_account}' does not exist in this administration")
    return problems


def settlement_problems(spec: Spec, master: MasterData) -> list[str]:
    """Each provider's journal is a bank journal (its balance is the provider's), and its
    clearing, fee, chargeback and differences accounts and a fee VAT code as written exist."""
    problems = []
    for name, provider in spec.settlements.providers().items():
        where = f"settlements.{name}"
        kind = master.journal_types.get(provider.journal)
        if kind not in (BANK, PSP):
            what = "does not exist" if kind is None else "is not a bank journal"
            problems.append(f"{where}.journal '{provider.journal}' {what} in this administration (a settlement is a bank entry)")
        for key in ("clearing_account", "fee_account", "chargeback_account", "differences_account"):
            code = getattr(provider, key)
            if code and code not in master.gl_types:
                problems.append(f"{where}.{key} '{code}' does not exist in this administration")
        if plain(provider.fee_vat_code) and provider.fee_vat_code not in master.vat_codes:
            problems.append(f"{where}.fee_vat_code '{provider.fee_vat_code}' does not exist in this administration")
    return problems
