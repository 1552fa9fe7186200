"""What a daily summary (`booking.mode: daily_summary`) takes, and what it leaves to be booked
per order (issue 22 #11). Pure.

- **Reverse charge (an intra-EU B2B supply, ICP) is booked per order**, on the customer's own
  account (matched on VAT number, then e-mail, as in per-order mode), its refunds too: the
  Dutch ICP declaration (opgaaf ICP, box 3b) lists each customer's VAT number with its
  supplies, and Exact fills it from the account of each entry on a code with EU listing L/S/T.
  On the collective account those supplies would have no VAT number. The test is the booking
  rules' own, the one that asks VIES and gives the preset's code 7: the destination is in
  another member state's VAT area (`order.vat_area == 'eu'`), the customer gave a VAT number
  (`customer.vat_number`), WooCommerce charged no VAT, and the booking carries none (a number
  VIES refused under `customers.vies: warn` is booked with Dutch VAT: in the summary).
- **Exports and OSS sales stay in the summary, summed per country**: one line per GL account,
  VAT code and destination country (the country in the line's description), so the OSS return
  (per member state of consumption) and the export figures can be read off the entry.
- Everything else (domestic sales) is summed per GL account and VAT code as before."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.domain.vat_area import destination, vat_area
from runner.domain.vat_number import reverse_charged


def per_order(order: Any, customer: Mapping[str, Any], home: str, lines: Any) -> bool:
    """Whether a daily-summary shop books this order's documents on their own (reverse charge)."""
    number = str(customer.get("vat_number") or "")
    return reverse_charged(vat_area(order.raw, home), number, order.total_tax) and not any(line.vat for line in lines)


def country(order: Any, home: str) -> str:
    """The destination country a summary sums a sale apart by: an export's or another member
    state's (OSS); empty for a domestic sale (one line per GL account and VAT code)."""
    return destination(order.raw)[0] if vat_area(order.raw, home) in ("eu", "export") else ""


def routes(collective: str) -> list[str]:
    """`runner validate` in daily-summary mode: what goes where, in words."""
    return [
        "booking.mode daily_summary: each shop-local day's sales (and its refunds) are one entry on the collective account "
        f"{collective or '(customers.collective)'}, one line per GL account and VAT code",
        "exports and OSS sales (to consumers in other EU countries) stay in the day's entry, summed apart per destination country "
        "(one line per GL account, VAT code and country): the OSS return and the export figures read off it",
        "reverse charge (an EU business with a VAT number, no VAT charged: ICP, code 7 in the nl-default preset) is booked per order "
        "on the customer's own account (matched on VAT number, then e-mail; made when missing), refunds too: "
        "the ICP declaration needs each customer's VAT number per supply",
    ]
