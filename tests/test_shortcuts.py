"""Templates rendered without Jinja (runner/spec/shortcuts.py) give what Jinja gives: the same
text, or the same error, for the bundled presets' templates and for templates written to
find the edges, on generated orders, lines and customers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import RunnerError
from runner.spec import shortcuts
from runner.spec.templates import ENV, Templates

ROOT = Path(__file__).resolve().parent.parent


def _preset_templates() -> list[str]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, str) and "{" in node:
            found.append(node)

    for preset in sorted((ROOT / "mappings").glob("*.yaml")):
        walk(yaml.safe_load(preset.read_text(encoding="utf-8")))
    return found


EDGES = [
    "WooCommerce order {{ order.number }}",
    "{{ customer.name or customer.email }}",
    "{{ order.date_completed or order.date_paid or order.date_created }}",
    "{{ order.billing.city }} / {{ order['billing']['postcode'] }}",
    "{{ order.billing.missing }}",
    "{{ order.billing.missing or 'none' }}",
    "{{ order.items }}",  # the dict's method to Jinja, not the key
    "{{ order['items'] }}",
    "{{ line.tax_rate }}|{{ line.tax_rate | string }}",
    "{% if line.tax_rate == 21 %}2{% elif line.tax_rate == 9 %}1{% else %}0{% endif %}",
    "{{ {'21': '2', '9': '1'}.get(line.tax_rate | string, 'X') }}",
    "{% if order.billing.note is defined %}{{ order.billing.note }}{% else %}-{% endif %}",
    "{% set eu = ['BE', 'DE'] %}{{ 'EU' if order.country in eu else 'NL' }}",
    "{% set line = order.billing %}{{ line.kind }}",  # an own name that hides the context's
    "{{ line.kind }}{% set line = 5 %}{{ line }}",  # read from the context, then hidden
    "{% for tag in line.coupons %}{{ tag }}{{ loop.index }}{% endfor %}",
    "{{ customer.is_guest }} {{ customer.is_guest | int }}",
    "{{ order.billing }}",
    "{{ (order.number ~ '-') * 3 }}",
    "  {{ order.number }}  ",
    "{{ 0 or order.number }}",
    "{{ '' or order.customer_note or 7 }}",
    "{{ refund.reason or refund.id }}",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 30),
    st.sampled_from([Decimal("21"), Decimal("21.0"), Decimal("9"), Decimal("0"), Decimal("5.5"), 21.0, 0.0]),
    st.sampled_from(["", "NL", "BE", "DE", "1042", "Iris Bos", "ACME BV", "paypal", "stripe", "2026-11-26T10:00:00"]),
)
orders = st.fixed_dictionaries(
    {
        "number": scalars,
        "country": st.sampled_from(["NL", "BE", "DE", "US", "", None]),
        "payment_method": st.sampled_from(["paypal", "ppcp-gateway", "stripe", "bacs", ""]),
        "date_completed": scalars,
        "date_paid": scalars,
        "date_created": scalars,
        "billing": st.dictionaries(st.sampled_from(["city", "postcode", "address_1", "phone", "country", "note"]), scalars, max_size=5),
    },
    optional={"customer_note": scalars, "items": scalars},
)
lines = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["product", "shipping", "fee", "discount", "rounding"]),
        "tax_rate": st.sampled_from([Decimal("21"), Decimal("21.0"), Decimal("9"), Decimal("0"), Decimal("19"), Decimal("5.5"), Decimal("6")]),
        "tax_country": st.sampled_from(["", "NL", "BE", "DE", "FR"]),
        "vat_code": st.sampled_from(["", "2", "1", "0", "7", "6", "B21"]),
        "sku": scalars,
        "coupons": st.lists(st.sampled_from(["WELKOM", "X"]), max_size=2),
    },
)
refunds = st.fixed_dictionaries({"id": scalars}, optional={"reason": scalars})
products = st.fixed_dictionaries({"sku": scalars, "name": scalars})
customers = st.fixed_dictionaries(
    {"email": scalars, "name": scalars, "vat_number": st.sampled_from(["", "BE0123456789", None]), "is_guest": st.booleans()}
)
ALL = _preset_templates() + EDGES
NAMES = ["order", "line", "customer", "refund", "product"]


def _outcome(templates: Templates, key: str, context: dict):
    try:
        return "text", templates.render(key, **context)
    except RunnerError as exc:
        return type(exc).__name__, exc.message, exc.hint


def _pair() -> tuple[Templates, Templates]:
    fast, jinja = Templates(clock=lambda: 0.0), Templates(clock=lambda: 0.0, fast=False)
    for n, source in enumerate(ALL):
        for templates in (fast, jinja):
            assert templates.check(f"t{n}", source, NAMES) == [], source
    return fast, jinja


FAST, JINJA = _pair()


@settings(max_examples=150, deadline=None)
@given(order=orders, line=lines, customer=customers, refund=refunds, product=products)
def test_every_template_renders_as_jinja_renders_it(order, line, customer, refund, product):
    context = {"order": order, "line": line, "customer": customer, "refund": refund, "product": product}
    for n in range(len(ALL)):
        assert _outcome(FAST, f"t{n}", context) == _outcome(JINJA, f"t{n}", context), ALL[n]


def test_the_presets_and_the_plain_templates_need_no_jinja():
    kinds = {source: type(shortcuts.plan(source, ENV)).__name__ for source in ALL}
    assert kinds["WooCommerce order {{ order.number }}"] == "Written"
    assert kinds["{{ order.date_completed or order.date_paid or order.date_created }}"] == "Written"
    assert kinds["{% set eu = ['BE', 'DE'] %}{{ 'EU' if order.country in eu else 'NL' }}"] == "Remembered"
    assert all(kinds[source] in ("Written", "Remembered") for source in _preset_templates())
    assert shortcuts.plan("{{ ['a', 'b'] | random }}{{ order.number }}", ENV) is None


def test_a_mapping_runs_jinja_once_per_combination_of_what_it_reads():
    source = "{{ {'21': '2', '9': '1'}[line.tax_rate | string] }}{{ line.kind }}"
    remembered = shortcuts.plan(source, ENV)
    remembered.seen.clear()
    templates = Templates()
    assert templates.check("mapping.vat_code", source, ["line"]) == []
    for n in range(300):
        rate = Decimal("21") if n % 2 else Decimal("9")
        assert templates.render("mapping.vat_code", line={"tax_rate": rate, "kind": "product", "name": f"shirt {n}"}) == (
            "2product" if n % 2 else "1product"
        )
    assert len(remembered.seen) == 2


def test_a_failure_is_never_remembered():
    templates = Templates()
    source = "{{ {'21': '2'}[line.tax_rate | string] }}"
    assert templates.check("mapping.vat_code", source, ["line"]) == []
    for _ in range(2):  # the second time from no memory either: the same error
        with pytest.raises(RunnerError, match="mapping.vat_code"):
            templates.render("mapping.vat_code", line={"tax_rate": Decimal("7")})
    assert templates.render("mapping.vat_code", line={"tax_rate": Decimal("21")}) == "2"


def test_a_field_that_is_not_plain_is_rendered_each_time():
    templates = Templates()
    source = "{{ line.coupons | join(',') }}"
    assert templates.check("booking.item", source, ["line"]) == []
    assert templates.render("booking.item", line={"coupons": ["A"]}) == "A"
    assert templates.render("booking.item", line={"coupons": ["A", "B"]}) == "A,B"
