"""Gift cards (issue 22 #7; reference vat-edge-cases.md section 4): the sale of a card and its
redemption, as the common plugins put them in the order JSON (read into `Item.gift_card` and
`Order.gift_cards` by runner/adapters/woo/rest.py).

The law (Directive 2006/112/EC art. 30a, 30b, 73a as amended by Directive (EU) 2016/1065; in
the Netherlands art. 2a Wet OB since 1 January 2019): a multi-purpose voucher (MPV: what it
buys, or where, is not known when it is sold, such as a shop card for goods at 21 % and 9 %)
is not a supply when sold: the money is a liability, outside the VAT return; VAT falls due
when goods are handed over against it. A single-purpose voucher (SPV) is taxed when sold.

- A card's sale line is kind `voucher`: a product line whose meta is the official WooCommerce
  Gift Cards' (`wc_gc_giftcard_*`), PW Gift Cards' (`pw_gift_card_*`) or YITH's (`ywgc_*`).
  Sold without VAT it is an MPV (the preset books it on 1610 with code 5, "geen BTW"); sold
  with VAT an SPV, booked as the shop taxed it (the preset: on revenue at its rate). A refund
  of such a line is a `voucher` line too.
- A card used to pay (a redemption) lowers the order's `total`; the goods keep their VAT (the
  official plugin: `gift_cards[]` in the REST order; YITH: order meta
  `_ywgc_applied_gift_cards`, code -> amount). It is a line of kind `redemption`, minus the
  amount, without VAT: it takes the amount off the liability (the preset: 1610, code 5), so
  the receivable is what the customer paid and the VAT is the goods'.
- PW Gift Cards keeps its redemptions as order items of its own type, which the REST order does
  not show: only the order's `total` is lower than its lines (PWGC
  pw-gift-cards-redeeming.php lowers it; reference 4.2: detect as lines + shipping + fees +
  taxes - total > 0). Its cards are sold without VAT (PWGC_PURCHASE_TAX_STATUS 'none': "No tax
  when purchasing a gift card. Taxed when used."), so multi-purpose. With `booking.pw_gift_cards`
  (the spec says the shop takes them; a total below the lines has no other cause there) such a
  gap beyond the rounding tolerance is one `redemption` line "PW gift card", minus the gap,
  without VAT. Without it the order fails on its total, as any order whose lines do not add up."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from runner.domain.lines import Fact
from runner.domain.model import Order
from runner.domain.money import ZERO


def with_vouchers(facts: list, order: Order, sale: bool = True) -> list:
    """The facts with gift-card lines as `voucher` and, for a sale, a `redemption` line per
    card it was paid with (see the module's text; the shop's adapter tells both apart)."""
    cards = frozenset(item.product_id for item in order.items if item.gift_card)
    out = [replace(f, kind="voucher") if f.kind == "product" and f.product_id in cards and f.product_id else f for f in facts]
    if sale:
        out += [Fact("redemption", f"Gift card {code}".strip(), Decimal(1), -value, ZERO, None) for code, value in order.gift_cards]
    return out


def unlisted_redemption(facts: list, total: Decimal, tolerance: Decimal) -> list:
    """A sale's facts with a PW gift card's redemption (see the module's text): the amount the
    order's total is below its lines, when that is beyond the rounding tolerance."""
    gap = total - sum((f.net + f.tax for f in facts), ZERO)
    return facts + [Fact("redemption", "PW gift card", Decimal(1), gap, ZERO, None)] if gap < -tolerance else facts
