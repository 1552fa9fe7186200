"""`runner validate --online`: the spec against the live shop and administration, before a
single order is booked. The keys work, the division may be used, and every code the
templates yield exists in the administration with the right type and percentage: for the
shop's recent orders, and for each kind of line at each tax rate in the shop's tax table
(so a rate no recent order used is checked too). `validate_spec` is the service: offline
what the spec itself says (its ${VAR}s set, what goes where), online all of the above.

    from runner.services.validate import ValidateOptions, validate_spec
    found = validate_spec("clients/acme.yaml", ValidateOptions(online=True))
    found.problems, found.checked
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path

from runner.adapters.woo import orders_file
from runner.domain.booking import Booker
from runner.domain.daily_split import routes
from runner.domain.lines import Fact
from runner.domain.model import Rate, percent
from runner.errors import BookingError
from runner.pipeline.ports import CodeCheck, capability
from runner.services.connect import Secrets, open_spec, parts, target
from runner.services.named_codes import collective_problems
from runner.services.problems import SPEC, Problem
from runner.spec.model import Spec

KINDS = ("product", "shipping", "fee", "discount")
WARNING = "WARNING: "
RECENT = 20  # recent orders booked on paper


@dataclass(frozen=True)
class ValidateOptions:
    """`online`: also against the live shop and administration (`sandbox`: a fresh embedded one)."""

    online: bool = False
    sandbox: bool = False
    webhook: str | None = None  # online, when ready: register the shop's order webhooks to this desk URL
    named: str | None = None  # the spec's path as the caller named it (the desk's hook names it)


@dataclass
class ValidateResult:
    """`routes`: what goes where (booking.mode daily_summary); `unset`: the ${VAR}s not set
    (offline); `checked`: what was checked online, one line each (a warning starts with
    WARNING); `problems`: what the live services would refuse, each where it showed."""

    routes: list[str] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    hooked: list[str] = field(default_factory=list)  # the webhooks registered, one line each


def validate_spec(spec: Spec | str | Path, options: ValidateOptions = ValidateOptions(), on_secret: Secrets | None = None) -> ValidateResult:
    """The spec (a loaded one, or its path; a SpecError lists what its file gets wrong) and,
    `online`, the services it names."""
    from runner.spec.env_names import missing

    spec = open_spec(spec, on_secret) if isinstance(spec, str | Path) else spec
    result = ValidateResult(routes(spec.customers.collective) if spec.booking.mode == "daily_summary" else [])
    if not options.online:
        result.unset = missing(spec)
        return result
    with target(spec, options.sandbox, on_secret) as (spec, _box):
        woo, sink, ledger = parts(spec, read_only=True)
        try:
            result.checked, result.problems = check(spec, woo, sink)
            if options.webhook and not result.problems:  # only for a spec that is ready
                from runner.services.webhooks import register

                result.hooked = register(spec, woo, options.webhook, Path(options.named or spec.path))
        finally:
            ledger.close()
    return result


def check(spec: Spec, woo, sink) -> tuple[list[str], list[Problem]]:
    """(what was checked, one line each; the problems found, each where it showed)."""
    checked, problems = [], []
    rates = woo.taxes()
    checked.append(f"WooCommerce: the API key works; {len(rates)} tax rate(s) in the shop")
    codes = checker(sink)
    checked.append(codes.describe() if codes else f"{WARNING}{sink.name}: the online code checks are not available for this target")
    booker = Booker(spec)
    problems += [Problem(SPEC, p) for p in (codes.spec_problems(spec) if codes else [])]

    recent = [listed.read() for listed in islice(woo.orders(sorted(spec.orders.statuses)), RECENT)]
    documents = []
    for order in recent:
        try:
            doc = booker.book_order(order)
            documents.append(doc)
            found = codes.document_problems(doc, booker.payment(order, doc)) if codes else []
            problems += [Problem(f"order {order.number}", p) for p in found]
        except BookingError as exc:
            problems.append(Problem(f"order {order.number}", exc.message))
    problems += collective_problems(spec, sink, booker, recent)
    checked.append("the journals and accounts the spec names itself looked up (booking.journal, rounding, payments, customers.collective)")
    checked.append(f"{len(recent)} recent order(s) booked on paper against the administration's codes")
    checked += other_shops(sink, documents)

    sample = (
        recent[0]
        if recent
        else next(orders_file.listed([{"id": 0, "number": "0", "billing": {"country": "NL", "email": "check@example.nl"}}])).read()
    )
    combinations = 0
    for raw in rates:
        pct = percent(raw.get("rate") or "0")
        country = raw.get("country") or ""
        rate = Rate(int(raw["id"]), pct, "-".join(p for p in (country, raw.get("name") or "") if p).upper(), raw.get("name") or "")
        for kind in KINDS:
            label = f"a {kind} line at {pct:f}% ({country or 'any country'})"
            combinations += 1
            try:
                line = booker.map_line(sample, Fact(kind, label, Decimal(1), Decimal("10.00"), Decimal("10.00") * pct / 100, rate))
            except BookingError as exc:
                problems.append(Problem(label, exc.message))
                continue
            problems += [Problem(label, p) for p in (codes.line_problems(line) if codes else [])]
    checked.append(f"the mapping rendered for {combinations} kind/rate combination(s) of the shop's tax table")
    return checked, list(dict.fromkeys(problems))


def checker(sink) -> CodeCheck | None:
    """The sink's codes read afresh to check against (its "checks" capability); None when the
    target cannot check codes online (then only what booking on paper finds is told)."""
    check_codes = capability(sink, "check_codes")
    return check_codes() if check_codes else None


def other_shops(sink, documents) -> list[str]:
    """Warnings: a journal the shop's recent orders go to already holds documents whose
    identity tag names another shop (two shops in one administration). They are told apart
    by the tag, but people search on YourRef, which the default template makes the number."""
    found = capability(sink, "other_shops")
    if not found or not documents:
        return []
    since = min(d.created or d.entry_date for d in documents)
    warnings = []
    for journal in sorted({d.journal for d in documents}):
        others = found(documents[0].target, journal, documents[0].shop, since)
        if others:
            warnings.append(
                f"{WARNING}journal {journal} already holds {len(others)} document(s) of another shop since {since} "
                f"(e.g. {others[0]}): the runner tells them apart by the identity tag in the Description, but a YourRef "
                'can name two orders; give booking.your_ref a prefix of this shop\'s (e.g. "B-{{ order.number }}") or this shop a journal of its own'
            )
    return warnings
