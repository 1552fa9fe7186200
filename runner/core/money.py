"""Money, one way through the whole runner: Decimal in (`amount`), cents rounded half-up
only where a document needs a number (`cents`), and out as a plain string (`text`).
A float never holds an amount."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from runner.errors import BookingError

CENT = Decimal("0.01")
ZERO = Decimal("0")


class AmountError(BookingError):
    """A value that should be an amount is not one."""


def amount(value: Any) -> Decimal:
    """Money strings (and the odd JSON number) to Decimal; "" and null are zero."""
    kind = type(value)
    if kind is Decimal:  # an orders file's numbers are read as Decimal: taken as they are
        number = value
    elif value is None or (kind is str and not value):
        return ZERO
    else:
        try:
            number = Decimal(value if kind is str else str(value))  # str(): a float's shortest form, never its binary expansion
        except InvalidOperation:
            raise AmountError(f"{value!r} is not an amount", "check the order data") from None
    if not number.is_finite():
        raise AmountError(f"{value!r} is not an amount", "check the order data")
    return number


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def text(value: Decimal) -> str:
    """An amount as the services and our files take it: "84.96", "-1.05", "0.00"."""
    return f"{cents(value):.2f}"
