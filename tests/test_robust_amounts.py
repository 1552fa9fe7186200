"""One bad value fails one order (issue 21, finding 6): an amount of `1e999999999` in the
order's total, a line, its shipping or a fee is refused where it is read, before any
arithmetic, and names the field; the other orders are booked, and the run (and every run
after it) goes on instead of stopping on `decimal.Overflow`."""

from __future__ import annotations

import re

import pytest

from runner.domain.money import AmountError, amount
from tests.robust import documents_by_ref

HUGE = "1e999999999"


def poison(order: dict, where: str) -> str:
    """Puts HUGE into `where` of the order; the field as the failure names it."""
    if where == "total":
        order["total"] = HUGE
        return "total"
    kind = {"line": "line_items", "shipping": "shipping_lines", "fee": "fee_lines"}[where]
    if not order.get(kind):
        order[kind] = [{"id": 900 + len(order.get("fee_lines") or []), "name": "Toeslag", "total": "0.00", "total_tax": "0.00", "taxes": []}]
    order[kind][0]["total"] = HUGE
    return f"{kind}[0].total"


def test_an_amount_beyond_reason_fails_its_own_order_naming_the_field_and_the_run_goes_on(sync_box):
    box = sync_box(orders=14)
    due = [o for o in box.due() if o["shipping_lines"] and not box.woo.refunds.get(o["id"])]
    bad = {where: due[n] for n, where in enumerate(("total", "line", "shipping", "fee"))}
    fields = {order["id"]: poison(order, where) for where, order in bad.items()}

    for attempt in ("run", "retry"):  # the retry meets the same values: the same four failures
        result = box.run(attempt)
        assert result.exit_code == 1, result.output
        assert "unexpected error" not in result.output and "Traceback" not in result.output, result.output
        failed = {int(m[1]): m[2] for m in re.finditer(r"^FAILED order (\d+): (.*)$", result.output, re.M)}
        assert set(failed) == set(fields), result.output
        for order_id, field in fields.items():
            assert f"{field} is '{HUGE}', which is not an amount" in failed[order_id], failed[order_id]
            assert "below 10^12" in failed[order_id] and "what to do: correct that field" in failed[order_id]
    booked = {ref.split("/")[0] for ref, _ in documents_by_ref(box)}
    assert booked == {o["number"] for o in box.due() if o["id"] not in fields}  # every other order, in the first run


@pytest.mark.parametrize("value", [HUGE, "-1e999999999", "1e-999999999", "1e12", "0.0000000000000001", "1" * 5000, "NaN", "12,10", " ", "0x10"])
def test_amounts_are_bounded_before_any_arithmetic(value):
    with pytest.raises(AmountError, match="fee_lines.0..total is"):
        amount(value, "fee_lines[0].total")


@pytest.mark.parametrize(
    "value,held",
    [
        ("24.20", "24.20"),
        ("999999999999.99", "999999999999.99"),
        ("20.661157024793388", "20.661157024793388"),
        ("1.50000000000000000000", "1.500000000000000"),
        ("0E+999999999", "0"),
        ("", "0"),
    ],
)
def test_amounts_a_shop_writes_are_held_as_they_are(value, held):
    assert str(amount(value)) == held
