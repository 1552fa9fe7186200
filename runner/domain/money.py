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


LIMIT = Decimal(10) ** 12  # no shop's amount comes near a trillion
PLACES = 15  # WooCommerce keeps 6 decimals; a PHP float written as text carries up to 15
FINEST = Decimal(1).scaleb(-PLACES)
BOUNDS = f"an amount is below 10^12 with at most {PLACES} decimals"


def amount(value: Any, field: str = "") -> Decimal:
    """Money strings (and the odd JSON number) to Decimal; "" and null are zero.

    Bounded before any arithmetic: below 10^12 in size, at most 15 decimals (trailing
    zeros do not count), so every amount has at most 27 digits and Python's 28-digit
    decimal arithmetic holds it, sums of it and products with a rate exactly enough, and
    can never overflow (`1e999999999` would: it is refused here, naming `field`)."""
    kind = type(value)
    if kind is Decimal:  # an orders file's numbers are read as Decimal: taken as they are
        number = value
    elif value is None or (kind is str and not value):
        return ZERO
    else:
        try:
            number = Decimal(value if kind is str else str(value))  # str(): a float's shortest form, never its binary expansion
        except (InvalidOperation, ValueError, TypeError):
            raise _refused(value, field) from None
    if not number.is_finite() or number.copy_abs() >= LIMIT:  # neither can overflow
        raise _refused(value, field, bounds=number.is_finite())
    if not number:
        return ZERO  # 0E+999999999 too
    exponent = number.as_tuple().exponent
    if exponent < -PLACES:  # digits past the 15th decimal: only zeros may be there
        try:
            exact = number.quantize(FINEST)
        except InvalidOperation:
            raise _refused(value, field, bounds=True) from None
        if exact != number:
            raise _refused(value, field, bounds=True)
        number = exact
    return number


def _refused(value: Any, field: str, bounds: bool = False) -> AmountError:
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    where = f"{field} is {shown}, which" if field else shown
    return AmountError(
        f"{where} is not an amount" + (f" ({BOUNDS})" if bounds else ""),
        "correct that field of the order in WooCommerce (a plugin or an import wrote it); the order is retried by itself",
    )


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def text(value: Decimal) -> str:
    """An amount as the services and our files take it: "84.96", "-1.05", "0.00"."""
    return f"{cents(value):.2f}"
