"""The collective customer account, as a spec names it or as the recent orders render it,
checked through the sink's own `customer` (the Sink port). The other codes a spec names are
checked by the sink that knows them (its "checks" capability: runner/adapters/exact/codes.py)."""

from __future__ import annotations

from runner.domain.booking import CustomerPlan
from runner.errors import BookingError
from runner.services.problems import SPEC, Problem
from runner.spec.model import Spec


def plain(code: str) -> bool:
    """A code as written (`"70"`), not a template that needs an order to give one."""
    return bool(code) and "{" not in code


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
