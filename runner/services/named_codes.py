"""The codes a spec names itself, checked against the administration even when no recent
order uses them: the sales journal, the payments journal and GL account, the rounding
account, the balance-sheet accounts and the collective customer account. A template that
needs an order to give its code is checked on the recent orders instead; the collective
account is checked for those orders too."""

from __future__ import annotations

from runner.adapters.exact.payloads import BANK, CASH, PSP, REVENUE, SALES
from runner.domain.booking import CustomerPlan
from runner.errors import BookingError
from runner.services.problems import SPEC, Problem
from runner.spec.model import Spec


def plain(code: str) -> bool:
    """A code as written (`"70"`), not a template that needs an order to give one."""
    return bool(code) and "{" not in code


def named_problems(spec: Spec, master) -> list[Problem]:
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
    return [Problem(SPEC, p) for p in problems]


def collective_problems(spec: Spec, sink, booker, orders) -> list[Problem]:
    """The collective account, as written or as the recent orders render it, exists in Exact."""
    codes: dict[str, list[str]] = {}  # code -> where it came from
    if plain(spec.customers.collective):
        codes[spec.customers.collective] = [SPEC]
    for order in orders:
        try:
            code = booker.customer(order).collective
        except BookingError:
            continue  # told with the order's other problems
        if code and not plain(spec.customers.collective):
            codes.setdefault(code, []).append(f"order {order.number}")
    if not codes:
        return []
    sink.open()  # the account index up to date, as a run has it (reads only: the ledger is a copy)
    problems = []
    for code, places in codes.items():
        try:
            sink.customer(CustomerPlan("", code, {}))
        except BookingError:
            message = (
                f"customers.collective: account '{code}' does not exist in this administration; "
                "create it in Exact (a customer account), or fix the code"
            )
            problems += [Problem(where, message) for where in places]
    return problems
