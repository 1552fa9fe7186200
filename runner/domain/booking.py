"""The accounting rules (DESIGN.md section 5): an order or a refund becomes a Document
whose lines carry amounts, VAT codes and GL accounts rendered from the spec. Pure: the
spec and the order go in, documents come out; nothing is read or written.

Per document: facts split per rate -> VAT agrees with tax_lines -> mapped lines ->
grouped (per_account) -> a rounding line within tolerance, else the order fails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from runner.domain.context import customer_context, line_context, order_context
from runner.domain.documents import CustomerPlan, Document, Line, PaymentPlan
from runner.domain.grouping import grouped
from runner.domain.identity import shop_tag
from runner.domain.lines import Fact, agree_vat, amount_spread, cents_to_revenue, charge_facts, item_facts, local_date
from runner.domain.model import Order, Refund
from runner.domain.money import ZERO
from runner.domain.refunds import beyond_the_sale, credit_facts, taxed_as_sold
from runner.domain.unmapped import unmapped
from runner.domain.vat_area import eu_consumer_warning
from runner.domain.vat_number import B2B, Checker, b2b, match_keys, with_home_vat
from runner.domain.vouchers import unlisted_redemption, with_vouchers
from runner.errors import BookingError, TemplateFailure

__all__ = ["Booker", "CustomerPlan", "Document", "Line", "PaymentPlan"]  # the documents it makes: runner/domain/documents.py


class Booker:
    """Applies one spec's booking rules and templates to orders and refunds."""

    def __init__(self, spec, vies: Checker | None = None) -> None:
        self.spec, self.vies, self._b2b = spec, vies, B2B()  # vies: a VAT number checker (none: not asked, as in a preview)
        self.templates = spec.templates
        self.wants_categories = spec.templates.reads_field("line", "categories")  # else products are never asked
        self.booking = spec.booking
        self.target = self.booking.target
        self.tolerance = spec.tolerance
        self._context_of: Order | None = None
        self.shop = shop_tag(spec.woocommerce.url)
        self._context: dict[str, Any] = {}

    # documents
    def book_order(self, order: Order) -> Document:
        ctx = self._contexts(order)
        facts, more = self._sale_facts(order)
        entry = local_date(self.templates.render("orders.entry_date", **ctx), self.spec.timezone)
        description, your_ref = self.templates.render("booking.description", **ctx), self.templates.render("booking.your_ref", **ctx)
        warnings = [*eu_consumer_warning(order.raw, order.country, ctx["customer"], self.spec.woocommerce.country, order.total, order.total_tax)]
        warnings += [*self._b2b.warnings, *more]
        return self._document(order, ctx, facts, order.total, entry, None, description, warnings, your_ref)

    def _sale_facts(self, order: Order) -> tuple[list[Fact], list[str]]:
        """A sale's facts: split per rate (a cart discount as WooCommerce spread it), the VAT
        per rate WooCommerce's tax_lines, the cents of a shop that rounds at subtotal on revenue."""
        facts = item_facts(order.items, order.rates, order.coupons, self.booking.discounts)
        facts += charge_facts(order.charges, order.rates, items=order.items, inclusive=order.prices_include_tax)
        facts = with_home_vat(with_vouchers(facts, order), self._b2b, self.spec)  # gift cards; an invalid VAT number under `warn`
        facts, warnings = agree_vat(facts, order.tax_totals, keep_gross=order.prices_include_tax)
        facts = cents_to_revenue(facts, order.total, order.total_tax - sum(order.tax_totals.values(), ZERO))
        return (unlisted_redemption(facts, order.total, self.tolerance) if self.booking.pw_gift_cards else facts), warnings

    def book_refund(self, order: Order, refund: Refund, earlier: Sequence[Refund] = ()) -> Document:
        """A credit document; `earlier` are the order's refunds before this one (by id)."""
        if problem := beyond_the_sale(order, refund, earlier):
            raise BookingError(problem, "check the refunds in WooCommerce; book what is right by hand in Exact, then `runner retry SPEC`")
        ctx = self._contexts(order)
        facts, warnings = credit_facts(order, refund, earlier, self._sale_facts, self._refund_facts)  # all that is left: the sale mirrored
        entry = local_date(refund.date_created, self.spec.timezone)
        refund_ctx = {**ctx, "refund": dict(refund.raw)}
        description = self.templates.render("booking.refund_description", **refund_ctx)
        your_ref = self.templates.render("booking.refund_your_ref", **refund_ctx)
        return self._document(order, ctx, facts, -refund.amount, entry, refund.id, description, warnings, your_ref)

    def _refund_facts(self, order: Order, refund: Refund) -> tuple[list[Fact], list[str]]:
        """A refund's facts from its own lines and tax_lines; an amount its lines do not
        explain spread over the order's rates."""
        items, untaxed = taxed_as_sold(order, refund)
        facts = item_facts(items, refund.rates, (), "net") + charge_facts(refund.charges, refund.rates, refunded=True)
        facts = with_home_vat(with_vouchers(facts, order, sale=False), self._b2b, self.spec)
        targets = dict(refund.tax_totals)
        for added in (i for i, before in zip(items, refund.items) if i is not before):
            if added.taxes[0].rate_id in targets:  # the VAT split out belongs to that rate's total too
                targets[added.taxes[0].rate_id] += added.total_tax
        facts, warnings = agree_vat(facts, targets, keep_gross=order.prices_include_tax)
        warnings += untaxed
        rest = -refund.amount - sum((f.net + f.tax for f in facts), ZERO)
        if rest and (not facts or abs(rest) > self.tolerance):
            basis = item_facts(order.items, order.rates, (), "net") + charge_facts(order.charges, order.rates)
            facts += amount_spread(rest, basis, f"Refund {refund.id}" + (f": {refund.reason}" if refund.reason else ""))
        return facts, warnings

    def customer(self, order: Order) -> CustomerPlan:
        ctx = self._contexts(order)
        collective, keys = self.templates.render("customers.collective", **ctx), match_keys(order, ctx["customer"], self.spec.customers.match)
        if not collective and not keys:
            raise BookingError(
                f"order {order.number} has no billing e-mail{' or VAT number' * ('vat_number' in self.spec.customers.match)}: no account to match",
                "add the e-mail in WooCommerce, or set customers.collective to book such orders on a collective account",
            )
        names = list(self.spec.customers.account)

        def account() -> dict[str, str]:
            return {k: v for k in names if (v := self.templates.render(f"customers.account.{k}", **ctx))}

        return CustomerPlan(order.email_key, collective, ctx["customer"], account, keys)

    def payment(self, order: Order, document: Document) -> PaymentPlan | None:
        if self.booking.status != "paid" or not document.total:
            return None
        ctx = self._contexts(order)
        when = document.entry_date
        if document.refund_id is None and order.date_paid:
            when = local_date(order.date_paid, self.spec.timezone)
        return PaymentPlan(
            self.templates.render("payments.journal", **ctx),
            self.spec.payments.gl_account,
            document.total,
            when,
            f"Payment {document.description}",
            order.currency,
        )

    def map_line(self, order: Order, fact: Fact) -> Line:
        """One line through the mapping templates, in the context of an order."""
        return self._line(fact, self._contexts(order))

    def _contexts(self, order: Order) -> dict[str, Any]:
        """The order's template context, built once per order (an order is booked, its
        customer found and its payment planned from the same context)."""
        if self._context_of is not order:
            ctx = {"order": order_context(order, self.spec.woocommerce.country)}
            ctx["customer"] = customer_context(order, self.spec.customers.vat_number_keys)
            self._b2b = b2b(order, ctx["customer"], self.spec.woocommerce.country, self.spec.customers.vies, self.vies)  # may ask VIES
            self._context, self._context_of = ctx, order
        return self._context

    def _document(self, order, ctx, facts, expected, entry, refund_id, description, warnings, your_ref) -> Document:
        warnings = list(warnings)
        lines = [self._line(fact, ctx) for fact in facts]
        warnings += _shared_codes(lines)
        if self.booking.lines == "per_account":
            lines = grouped(lines, with_item=self.target == "sales_invoice")
        if wrong := [line for line in lines if line.vat and not line.percent]:
            raise BookingError(
                f"order {order.number}: {len(wrong)} line(s) carry VAT ({', '.join(str(line.vat) for line in wrong)}) at a 0 % rate",
                "check the order's tax rates in WooCommerce (a rate row deleted or changed after the sale?); nothing was posted",
            )
        gap = expected - sum((line.net + line.vat for line in lines), ZERO)
        if abs(gap) > self.tolerance:
            raise BookingError(
                f"order {order.number}: the lines add up to {expected - gap} but WooCommerce says {expected} "
                f"(difference {gap}, tolerance {self.tolerance})",
                "check the order's taxes and fees in WooCommerce; raise booking.rounding.tolerance only if this is rounding; "
                "a total below the lines: a PW gift card paid part of it? then set booking.pw_gift_cards: true",
            )
        if gap:
            lines.append(self._line(Fact("rounding", "Rounding difference", Decimal(1), gap, ZERO, None), ctx, gl=self.booking.rounding.account))
            warnings.append(f"a rounding line of {gap} closes the difference with the WooCommerce total")
        render = self.templates.render
        closing = None
        if self.target == "sales_invoice":  # used only where Exact sums VAT its own way (see ExactSink)
            fact = Fact("rounding", "Rounding difference (VAT as Exact sums it)", Decimal(1), ZERO, ZERO, None)
            closing = self._line(fact, ctx, gl=self.booking.rounding.account)
        return Document(
            target=self.target,
            order_id=order.id,
            order_number=order.number,
            refund_id=refund_id,
            entry_date=entry,
            journal=render("booking.journal", **ctx),
            your_ref=your_ref,
            description=description,
            payment_condition=render("booking.payment_condition", **ctx),
            currency=order.currency,
            lines=tuple(lines),
            total=expected,
            warnings=tuple(warnings),
            closing=closing,
            shop=self.shop,
            created=self._created(order, entry),
            evidence=self._b2b.evidence,
        )

    def _created(self, order: Order, entry: date) -> date:
        """The order's creation day, shop-local: no date it is booked on can be earlier
        (WooCommerce re-sets `date_completed` on every completion; issue 21)."""
        try:
            return min(entry, local_date(order.date_created, self.spec.timezone)) if order.date_created else entry
        except BookingError:
            return entry

    def _line(self, fact: Fact, ctx: dict[str, Any], gl: str | None = None) -> Line:
        """Maps one fact; the VAT code is rendered first so gl_account and item may use it."""
        line_ctx = line_context(fact)
        render = self.templates.render
        try:
            rounding = self.booking.rounding.vat_code if fact.kind == "rounding" else ""  # outside the VAT return
            vat_code = rounding or render("mapping.vat_code", line={**line_ctx, "vat_code": ""}, **ctx)
            line_ctx["vat_code"] = vat_code
            return Line(
                kind=fact.kind,
                description=fact.name,
                quantity=fact.quantity,
                net=fact.net,
                vat=fact.tax,
                percent=fact.percent,
                vat_code=vat_code,
                gl_account=gl or render("mapping.gl_account", line=line_ctx, **ctx),
                item=render("booking.item", line=line_ctx, **ctx) if self.target == "sales_invoice" else "",
                cost_center=render("mapping.cost_center", line=line_ctx, **ctx),
                cost_unit=render("mapping.cost_unit", line=line_ctx, **ctx),
            )
        except TemplateFailure as failure:  # name the line and its rate (an OSS rate in words): what the consultant must map
            raise unmapped(fact, failure, self.spec.woocommerce.country) from None


def _shared_codes(lines: list[Line]) -> list[str]:
    """A VAT code that takes lines of different rates usually means the mapping fell back
    to a default for a rate it does not know."""
    rates: dict[str, set[Decimal]] = {}
    for line in lines:
        if line.kind != "rounding":
            rates.setdefault(line.vat_code, set()).add(line.percent.normalize())
    return [
        f"VAT code '{code}' is used for lines at {' and '.join(f'{p:f}%' for p in sorted(found))}: does the mapping know every rate?"
        for code, found in rates.items()
        if len(found) > 1
    ]
