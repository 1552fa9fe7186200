"""Bad input, clear errors: what a consultant gets wrong in a spec or its surroundings, and
the orders a shop really produces that cannot be booked. Each ends in one message that
names the problem and what to do (never a traceback), with the documented exit code
(0 ok, 1 some orders failed or a service unreachable, 2 spec or usage error, 3 login
needed), the other orders booked and the ledger intact. tests/data/bad-specs/ holds the
specs that are wrong on paper; these need a shop and an administration to be wrong."""

from __future__ import annotations

import json
import re
import socket
from decimal import Decimal as D

import pytest

from runner.sandbox.woo.carts import NL_RATES, TAX_CLASSES, Address, Coupon, ProductLine, Store, TaxRate
from tests.robust import assert_exactly_once, documents_by_ref


def down(server: str):
    """The service stops answering at the address the spec names (a host that is down);
    changing the address instead would be another shop, which the ledger refuses."""

    def stop(box) -> None:
        getattr(box.box, server).transport.closed = True

    return stop


def back_up(box) -> None:
    box.box.woo_server.transport.closed = box.box.exact_server.transport.closed = False


def dead_chain(box) -> None:
    """Someone logged in again elsewhere: Exact ends older chains, and this one's token expired."""
    token = box.dir / ".runner" / "exact-token.json"
    data = json.loads(token.read_text())
    box.exact.mint_tokens()
    token.write_text(json.dumps({**data, "expires_at": 0}))


def no_login(box) -> None:
    (box.dir / ".runner" / "exact-token.json").unlink()


def expired_with_wrong_secret(box) -> None:
    token = box.dir / ".runner" / "exact-token.json"
    token.write_text(json.dumps({**json.loads(token.read_text()), "expires_at": 0}))
    env = box.dir / ".env"
    env.write_text(env.read_text().replace("EXACT_CLIENT_SECRET=sandbox-secret", "EXACT_CLIENT_SECRET=not-the-secret"))


def edit(path, old: str, new: str):
    def change(box) -> None:
        file = box.dir / path
        assert old in file.read_text()
        file.write_text(file.read_text().replace(old, new))

    return change


ENVIRONMENTS = {
    # name: (what breaks it, exit code, words the message must hold, words of what to do)
    "shop unreachable": (
        down("woo_server"),
        1,
        "cannot reach the shop",
        "check woocommerce.url",
    ),
    "exact unreachable": (
        down("exact_server"),
        1,
        "cannot reach Exact Online",
        "exact.base_url",
    ),
    "wrong WooCommerce key": (
        edit(".env", "WOO_CONSUMER_SECRET=", "WOO_CONSUMER_SECRET=cs_wrong"),
        2,
        "the shop refused the API key",
        "WOO_CONSUMER_SECRET",
    ),
    "never logged in": (no_login, 3, "not logged in to Exact Online", "runner auth"),
    "wrong Exact client secret": (expired_with_wrong_secret, 3, "Exact refused the app's client id or secret", "EXACT_CLIENT_SECRET"),
    "login ended elsewhere": (dead_chain, 3, "Exact login is no longer valid", "log in again"),
    # another division is another set of books: the ledger of this one refuses it (issue 10)
    "another division": (edit("sync.yaml", "division: 1234567", "division: 7654321"), 2, "Exact division 1234567", "a ledger of its own"),
}


def one_paragraph(output: str, exit_code: int, *words: str) -> None:
    assert "Traceback" not in output and "Error:" not in output.replace("error:", "")
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, output
    assert lines[-1].startswith("what to do: ") and lines.index(errors[0]) >= len(lines) - 3, output
    for word in words:
        assert word in output, f"{word!r} not in: {output}"


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_a_broken_environment_is_one_clear_message_and_the_ledger_survives_it(sync_box, waits, name):
    breaks, code, problem, todo = ENVIRONMENTS[name]
    box = sync_box(orders=16)
    assert box.run("run").exit_code == 0
    booked = documents_by_ref(box)
    spec, env, token = (box.dir / p for p in ("sync.yaml", ".env", ".runner/exact-token.json"))
    saved = {p: p.read_text() for p in (spec, env, token)}
    new = box.woo.place_order(
        lines=(ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1),),
        status="completed",
        billing=Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl"),
    )
    breaks(box)
    result = box.run("run")
    assert result.exit_code == code, result.output
    one_paragraph(result.output, code, problem, todo)
    assert documents_by_ref(box) == booked  # nothing half-booked
    with box.ledger() as ledger:
        assert ledger.open_intents() == []
    for path, text in saved.items():  # fixed (a new login where the old one died)
        path.write_text(text)
    back_up(box)
    if code == 3:
        box.box.log_in(token)
    fixed = box.run("run")
    assert fixed.exit_code == 0, fixed.output
    assert [ref for ref, _ in documents_by_ref(box) - booked] == [new["number"]]
    assert_exactly_once(box)
    assert waits == ([1, 2, 4] if name == "shop unreachable" else [])  # the shop is tried four times, further apart each time


def test_a_closed_period_fails_that_order_only_with_exacts_word_and_what_to_do(sync_box):
    box = sync_box(orders=16)
    day = "2025-06-14T11:30:00"
    from datetime import datetime

    refused = box.woo.place_order(
        lines=(ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1),),
        status="completed",
        created=datetime.fromisoformat(day),
        completed=datetime.fromisoformat(day),
        billing=Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl"),
    )
    box.exact.close_period(2025, 6)
    result = box.run("run")
    assert result.exit_code == 1 and "Traceback" not in result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert failed == [
        f"FAILED order {refused['id']}: Periode is afgesloten; what to do: fix what Exact names (in the spec or in Exact), "
        f"then `runner retry {box.spec}`"
    ]
    assert {ref.split("/")[0] for ref, _ in documents_by_ref(box)} == {o["number"] for o in box.due() if o["id"] != refused["id"]}


ODD = Store(rates=NL_RATES + (TaxRate(10, "NL", D("13"), "BTW 13%", "odd-rate"),), tax_classes=TAX_CLASSES + (("odd-rate", "Odd rate"),))
IRIS = Address("Iris", "Bos", city="Delft", country="NL", email="iris@example.nl")
BEANS = (ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1, sku="ESP-1KG"),)


def negated(order: dict) -> dict:
    """The order with every amount negative, as a plugin's manual "return order" looks."""

    def flip(node):
        if isinstance(node, dict):
            return {
                k: (f"-{v}" if isinstance(v, str) and re.fullmatch(r"[0-9]+\.[0-9]+", v) and D(v) and k != "price" else flip(v))
                for k, v in node.items()
            }
        return [flip(n) for n in node] if isinstance(node, list) else node

    return flip(order)


def test_orders_that_cannot_be_booked_fail_alone_with_what_to_do_and_a_free_order_books(sync_box):
    box = sync_box(orders=30, woo_options={"store": ODD})
    shop = box.woo
    bad = {
        "no billing e-mail": shop.place_order(lines=BEANS, billing=Address("Nina", "Smit", city="Ede", country="NL", email=""), status="completed"),
        "a table in the template has no entry '13' (it looks up line.tax_rate); add '13' to the table": shop.place_order(
            lines=(ProductLine(188, "Bonbons", D("11.30"), 1, tax_class="odd-rate"),), billing=IRIS, status="completed"
        ),
        "negative total (-24.20)": shop.place_order(lines=BEANS, billing=IRIS, status="completed"),
        "in USD, but journal 70 books EUR only": shop.place_order(lines=BEANS, billing=IRIS, status="completed"),
    }
    shop.orders[bad["negative total (-24.20)"]["id"]] = negated(bad["negative total (-24.20)"])
    bad["in USD, but journal 70 books EUR only"]["currency"] = "USD"
    free = shop.place_order(lines=BEANS, billing=IRIS, status="completed", coupons=(Coupon("gratis100", "percent", D("100"), 430),))
    assert free["total"] == "0.00"

    result = box.run("run")
    assert result.exit_code == 1 and "Traceback" not in result.output
    failed = {int(m.group(1)): m.group(2) for m in re.finditer(r"^FAILED order (\d+): (.*)$", result.output, re.M)}
    assert set(failed) == {o["id"] for o in bad.values()}
    for words, order in bad.items():
        assert words in failed[order["id"]] and "; what to do: " in failed[order["id"]], failed[order["id"]]
    assert box.exact.errors == []  # every one of them was caught before Exact could refuse it
    books = documents_by_ref(box)
    assert books[(free["number"], D("0.00"))] == 1  # a 100 % discount order is in the books, at zero
    bad_refs = {o["number"] for o in bad.values()}
    assert {ref.split("/")[0] for ref, _ in books} == {o["number"] for o in box.due() if o["number"] not in bad_refs}  # credits: number/refund
    with box.ledger() as ledger:
        assert {f["order"] for f in ledger.failures()} == set(failed) and ledger.open_intents() == []
    again = box.run("run")  # retried on their schedule, not now; nothing booked twice
    assert again.exit_code == 0 and "4 waiting to retry" in again.output
    assert documents_by_ref(box) == books
    status = box.run("status")
    assert all(str(o["id"]) in status.output for o in bad.values())
