"""Issue 22 point 12: the refusal of an OSS rate the spec does not know is written for the
accountant: the country and the rate in words and the entry to add to the preset's OSS table,
not Jinja's "'dict object' has no attribute 'AT'". Through the CLI, against the sandbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D

from runner.sandbox.woo.carts import DEFAULT_STORE, NL_RATES, Address, Cart, ProductLine, TaxRate
from runner.sandbox.woo.orders import build_order

# Austria's standard rate is 20 %; Germany's 7 % and 19 % are in the preset, 16 % (a shop whose
# reduced German rate says 16 %) is not
OTHER = (TaxRate(10, "AT", D("20"), "USt 20%"), TaxRate(11, "DE", D("16"), "MwSt. 16%", "reduced-rate"))
OSS_STORE = replace(DEFAULT_STORE, rates=tuple(r for r in NL_RATES if (r.country, r.rate) != ("DE", D("7"))) + OTHER)


def sale(number: int, country: str, city: str, tax_class: str = "") -> dict:
    when = datetime.now().replace(microsecond=0) - timedelta(days=3)
    buyer = Address("Anna", "Gruber", city=city, country=country, email=f"anna{number}@example.eu")
    line = ProductLine(301, "Tas", D("60.00"), 1, tax_class=tax_class)
    return build_order(Cart(id=number, lines=(line,), billing=buyer, created=when, paid=when, completed=when, status="completed"), OSS_STORE)


def test_an_unknown_oss_rate_is_refused_in_words_naming_country_rate_and_the_entry_to_add(sync_box):
    box = sync_box(orders=0, woo_options={"store": OSS_STORE})
    box.woo.add_order(sale(7401, "AT", "Wien"))
    box.woo.add_order(sale(7402, "DE", "Köln", tax_class="reduced-rate"))
    result = box.run("run")
    assert result.exit_code == 1 and "booked 0 order(s)" in result.output and "failed 2" in result.output, result.output
    at = next(line for line in result.output.splitlines() if "order 7401" in line)
    assert "the VAT of Austria (AT) at 20 %" in at and "no Exact VAT code for Austria at 20 %" in at
    assert "add 'AT': {'20': '<code>'} to the OSS table (`oss`) in mapping.vat_code" in at and "OSS country is AT" in at
    assert "dict object" not in at and "has no attribute" not in at
    de = next(line for line in result.output.splitlines() if "order 7402" in line)  # Germany is in the table, 16 % is not
    assert "the VAT of Germany (DE) at 16 %" in de and "add '16': '<code>' under 'DE' to the OSS table" in de
    assert box.documents() == []  # nothing was posted
