"""`booking.lines: per_account`: a document's lines grouped per GL account, VAT code, cost
centre and cost unit (and item, on an invoice), in first-seen order. Pure; works on the
booking's `Line`s (runner/domain/booking.py) without importing them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from runner.domain.money import ZERO


def grouped(lines: list[Any], with_item: bool) -> list[Any]:
    """One line per (GL account, VAT code, cost centre, cost unit[, item], country), described by
    its kinds (each once), VAT code and a summary's country, e.g. `product, shipping (VAT 6, US)`."""
    groups: dict[tuple, list[Any]] = {}
    for line in lines:
        key = (line.gl_account, line.vat_code, line.cost_center, line.cost_unit, line.item if with_item else "", line.country)
        groups.setdefault(key, []).append(line)
    merged = []
    for (_, code, _, _, item, country), members in groups.items():
        kinds = ", ".join(dict.fromkeys(kind for m in members for kind in m.kind.split(", ")))
        merged.append(
            replace(
                members[0],
                kind=kinds,
                description=f"{kinds} (VAT {code}{', ' + country if country else ''})",
                quantity=Decimal(1),
                net=sum((m.net for m in members), ZERO),
                vat=sum((m.vat for m in members), ZERO),
                item=item,
            )
        )
    return merged
