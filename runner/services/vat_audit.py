"""The report's check on the runner (issue 22 point 9): the shop's own figures, straight from
WooCommerce (the tax of each rate and country in the orders' `tax_lines` and their refunds'),
against the VAT Exact holds per code, the code read as Exact defines it (percentage, OSS
country); per-document sanity rules that use WooCommerce's facts and the Exact codes'
properties, not the booking rules; and the totals per box of the Dutch VAT return. Pure: the
codes come from the sink that reads them (`Sink.vat_codes`, the "books" capability), their box
from their properties (runner/domain/vat_codes.py `box_of`); `vat_report.boxes` in the spec
names it for an administration whose own codes say otherwise (`with_boxes`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from runner.domain.context import customer_context
from runner.domain.model import Order, Refund
from runner.domain.money import ZERO
from runner.domain.report import Doc
from runner.domain.vat_area import EU, destination
from runner.domain.vat_codes import RateKey, VatCode
from runner.domain.vat_number import Checker, split
from runner.pipeline.vies_answers import answer_of

BOXES = ("1a", "1b", "1c", "1e", "2a", "3a", "3b")  # always shown; "OSS" and "outside" when used


@dataclass(frozen=True)
class Facts:
    """One document as WooCommerce holds it: the order's country and VAT number, and the tax
    per rate (country, percent) of its tax_lines (a refund's: negative)."""

    key: tuple[int, int | None]
    country: str
    vat_number: str
    taxed: Mapping[RateKey, Decimal] = field(default_factory=dict)
    amount_only: bool = False  # a refund without tax lines: WooCommerce says no tax, the runner spread the amount over the rates
    vies: str = ""  # what VIES said of the number, as the runs kept it: valid, invalid, or empty (no answer in the ledger)


@dataclass(frozen=True)
class Check:
    """A difference the audit names: what is wrong, and the documents behind it."""

    rule: str
    documents: tuple[str, ...]
    detail: str = ""


@dataclass
class Audit:
    boxes: list[tuple[str, Decimal, Decimal, Decimal, Decimal]] = field(default_factory=list)  # box, shop net/VAT, Exact net/VAT
    rates: list[tuple[RateKey, Decimal, Decimal]] = field(default_factory=list)  # (country, %), WooCommerce tax, Exact VAT
    checks: list[Check] = field(default_factory=list)
    spread: list[str] = field(default_factory=list)  # amount-only refunds: their VAT is the runner's spread, WooCommerce has none


def woo_facts(order: Order, refund: Refund | None, vat_number: str, home: str) -> Facts:
    source = refund if refund is not None else order
    taxed: dict[RateKey, Decimal] = {}
    for rate_id, tax in source.tax_totals.items():
        rate = source.rates.get(rate_id) or order.rates.get(rate_id)
        key = ((rate.country if rate else "") or home, (rate.percent if rate else ZERO).normalize())
        taxed[key] = taxed.get(key, ZERO) + tax
    key = (order.id, refund.id if refund is not None else None)
    return Facts(key, order.country, vat_number, taxed, refund is not None and not refund.tax_totals)


def note_facts(booker, facts: dict | None, order: Order, refund: Refund | None) -> None:
    """WooCommerce's own figures of a document the report reads, into `facts` by its key,
    with the VIES answer on its VAT number that the runs kept (the booker's checker)."""
    if facts is not None:
        vat_number = customer_context(order, booker.spec.customers.vat_number_keys)["vat_number"]
        found = woo_facts(order, refund, vat_number, booker.spec.woocommerce.country)
        country, _, postcode, _ = destination(order.raw)
        answer = booker.vies(*split(vat_number, country, postcode)) if vat_number and booker.vies else None
        facts[found.key] = replace(found, vies=answer.status if answer else "")


def kept_answers(answers: Mapping[str, Mapping]) -> Checker:
    """The report's VAT number checker: the answer a run kept in the ledger (`Ledger.vies_answers`),
    whatever its age, so the report books as the run did; None for a number no run asked about."""
    return lambda country, number: answer_of(answers[country + number]) if country + number in answers else None


def label(key: tuple) -> str:
    order, refund = key
    return f"{order}" + (f"/{refund}" if refund else "")


def audit(rows: Iterable, shop: Iterable[Doc], facts: Mapping[tuple, Facts], codes: Mapping[str, VatCode], home: str = "NL") -> Audit:
    """`rows`: the reconciliation's rows (code, shop pair, Exact pair); `shop`: the shop's
    documents of the period; `facts`: WooCommerce's, by document key; `codes`: Exact's VAT codes."""
    result = Audit()
    unknown = lambda c: VatCode(c, ZERO, "?")  # noqa: E731  (a code Exact does not hold: no box)
    boxes: dict[str, list[Decimal]] = {box: [ZERO] * 4 for box in BOXES}
    exact_rates: dict[RateKey, Decimal] = {}
    for row in rows:
        code = codes.get(row.code[0]) or unknown(row.code[0])
        sums = boxes.setdefault(code.box if code.type != "?" else f"? {code.code}", [ZERO] * 4)
        for n, value in enumerate((*row.shop, *row.exact)):
            sums[n] += value
        if code.type not in ("?", "N") and code.percent:
            exact_rates[code.rate(home)] = exact_rates.get(code.rate(home), ZERO) + row.exact[1]
    result.boxes = [(box, *sums) for box, sums in boxes.items()]
    shop = [d for d in shop if not d.summary]
    woo_rates: dict[RateKey, Decimal] = {}
    per_rate_docs: dict[RateKey, list[str]] = {}
    for doc in shop:
        fact = facts.get(doc.key)
        if fact is None:
            continue
        booked: dict[RateKey, Decimal] = {}
        for (code_name, _), (_, vat) in doc.amounts.items():
            code = codes.get(code_name)
            if code and code.percent and code.type != "N":
                booked[code.rate(home)] = booked.get(code.rate(home), ZERO) + vat
        if fact.amount_only:  # nothing of WooCommerce's own to hold the runner to: named, counted as booked
            fact = replace(fact, taxed=booked)
            result.spread.append(label(doc.key))
        for key, tax in fact.taxed.items():
            woo_rates[key] = woo_rates.get(key, ZERO) + tax
        for key in sorted(set(fact.taxed) | set(booked)):
            if fact.taxed.get(key, ZERO) != booked.get(key, ZERO):
                per_rate_docs.setdefault(key, []).append(
                    f"{label(doc.key)} (WooCommerce {fact.taxed.get(key, ZERO):.2f}, booked {booked.get(key, ZERO):.2f})"
                )
        result.checks += document_checks(doc, fact, codes, home)
    result.rates = [(key, woo_rates.get(key, ZERO), exact_rates.get(key, ZERO)) for key in sorted(set(woo_rates) | set(exact_rates))]
    for (country, pct), woo, exact in result.rates:
        if woo != exact or per_rate_docs.get((country, pct)):
            result.checks.append(
                Check(
                    f"VAT at {country} {pct:f} %: WooCommerce's tax lines say {woo:.2f}, Exact holds {exact:.2f}",
                    tuple(per_rate_docs.get((country, pct), [])),
                )
            )
    return result


def document_checks(doc: Doc, fact: Facts, codes: Mapping[str, VatCode], home: str) -> list[Check]:
    """The sanity rules on one document's booked codes against WooCommerce's facts."""
    found = []
    who = (label(doc.key),)
    used = [(codes[c], net, vat) for (c, _), (net, vat) in doc.amounts.items() if c in codes and (net or vat)]
    abroad_eu = fact.country in EU and fact.country != home
    export = bool(fact.country) and fact.country not in EU and fact.country != home
    woo_taxed = any(tax for (_, pct), tax in fact.taxed.items() if pct)
    for code, net, vat in used:
        if code.box == "1e" and abroad_eu:
            found.append(Check(f"a 0 % code ({code.code}, box 1e) on a sale to another EU country ({fact.country})", who))
        if code.box == "3b" and not fact.vat_number:
            found.append(Check(f"reverse charge ({code.code}, box 3b) without a VAT number on the order", who))
        elif code.box == "3b" and fact.vies != "valid":
            said = {"invalid": "VIES said not valid", "": "no answer in the ledger"}.get(fact.vies, fact.vies)
            found.append(Check(f"reverse charge ({code.code}, box 3b) on VAT number {fact.vat_number}, which VIES did not confirm ({said})", who))
        if code.box == "OSS" and fact.country == home:
            found.append(Check(f"an OSS code ({code.code}, {code.oss_country}) on a domestic ({home}) address", who))
        if export and vat:
            found.append(Check(f"VAT ({vat:.2f} on code {code.code}) on an export to {fact.country}", who))
        if code.box == "1e" and woo_taxed and not any(not pct for _, pct in fact.taxed):
            found.append(Check(f"turnover on box 1e ({net:.2f}, code {code.code}) that WooCommerce taxed (no 0 % rate on the order)", who))
    return list({(c.rule, c.documents, c.detail): c for c in found}.values())  # one code on two lines (goods, shipping): told once


def merged(checks: Iterable[Check]) -> list[Check]:
    """Checks of the same rule joined, their documents listed once each."""
    out: dict[tuple[str, str], list[str]] = {}
    for check in checks:
        out.setdefault((check.rule, check.detail), []).extend(check.documents)
    return [Check(rule, tuple(dict.fromkeys(docs)), detail) for (rule, detail), docs in out.items()]


def with_boxes(codes: Mapping[str, VatCode], named: Mapping[str, str]) -> dict[str, VatCode]:
    """The codes with the boxes `vat_report.boxes` names, over what their properties say."""
    return {code: replace(found, named=named.get(code, "")) for code, found in codes.items()}
