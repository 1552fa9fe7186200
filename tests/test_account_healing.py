"""The account index heals (issue 21, findings 7 and 10): an account deleted or merged in
Exact is forgotten and read again (or made again) before it costs a refusal, a refusal that
names an unknown account still heals the order in the same run, a hand-damaged index file is
rebuilt from Exact, and one e-mail address however it is spelt is one customer. Through the
CLI against the sandbox, as the consultant meets it."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal as D

from runner.domain import emails
from runner.sandbox.exact.master import create_account
from runner.sandbox.woo.carts import Address, ProductLine
from tests.robust import assert_exactly_once

BEANS = (ProductLine(188, "Espressobonen 1 kg", D("24.20"), 1, sku="ESP-1KG"),)


def person(n: int, email: str | None = None) -> Address:
    return Address(f"Klant{n}", "Test", city="Delft", country="NL", email=email or f"klant{n}@example.nl")


def order(box, who: Address) -> dict:
    return box.woo.place_order(lines=BEANS, billing=who, status="completed")


def accounts_with(box, email: str) -> list[dict]:
    """Exact's accounts with this e-mail, however it is spelt."""
    return [row for row in box.exact.accounts.values() if emails.key(row.get("Email") or "") == emails.key(email)]


def entry_of(box, placed: dict) -> dict:
    [entry] = [row for row in box.exact.entries.values() if row["YourRef"].strip() == placed["number"]]
    return entry


def by_hand(box, who: Address) -> dict:
    """An account the bookkeeper makes in Exact's screens."""
    return create_account(box.exact.admin, {"Name": f"{who.first_name} {who.last_name} (debiteur)", "Email": who.email, "Status": "C"})


def index_file(box):
    return box.dir / ".runner" / "state.accounts.json"


def test_accounts_deleted_or_merged_in_exact_are_read_again_and_no_order_waits(sync_box, unsure):
    box = sync_box(orders=6, exact_options=unsure)
    people = [person(n) for n in range(16)]
    for who in people[:6]:
        order(box, who)
    hand_made = [by_hand(box, who) for who in people[6:8]]  # the index learns them from sync/CRM/Accounts
    assert box.run("run").exit_code == 0
    survivors = {}
    for who in people[:4]:  # merged into an account the bookkeeper made with the same e-mail
        [ours] = accounts_with(box, who.email)
        survivors[who.email] = by_hand(box, who)["ID"]
        box.exact.merge_accounts(ours["ID"], survivors[who.email])
    for row in hand_made:  # deleted outright
        box.exact.delete_account(row["ID"])
    placed = {who.email: order(box, who) for who in people}  # six customers whose account is gone, ten others
    errors, accounts = len(box.exact.errors), len(box.exact.accounts)

    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert_exactly_once(box)
    assert box.exact.errors[errors:] == []  # read from sync/Deleted before posting: no refusal spent
    for email, survivor in survivors.items():
        assert entry_of(box, placed[email])["Customer"] == survivor
    assert len(box.exact.accounts) == accounts + 2 + 8  # the two deleted made again, and the eight new customers
    assert all(len(accounts_with(box, who.email)) == 1 for who in people)


def test_an_account_exact_refuses_as_unknown_is_healed_and_the_order_booked_in_the_same_run(sync_box, unsure):
    box = sync_box(orders=4, exact_options=unsure)
    iris = person(1, "iris@example.nl")
    made = by_hand(box, iris)
    assert box.run("run").exit_code == 0  # the index learns the account
    box.exact.delete_account(made["ID"])
    for row in box.exact.admin.tables["sync/Deleted"].values():  # the runner did not run for over two months:
        row["DeletedDate"] -= timedelta(days=70)  # Exact's log of deletions has forgotten it
    placed = order(box, iris)
    errors = len(box.exact.errors)

    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert [e.message for e in box.exact.errors[errors:]] == ["Ongeldige referentie: Klant"]  # one refusal, not five
    [account] = accounts_with(box, "iris@example.nl")
    assert entry_of(box, placed)["Customer"] == account["ID"]
    assert f"account {made['ID']} of iris@example.nl is no longer in Exact (deleted or merged there)" in result.output
    assert_exactly_once(box)
    again = box.run("run")
    assert again.exit_code == 0 and box.exact.errors[errors + 1 :] == []


def test_an_index_file_with_lines_gone_is_rebuilt_from_exact_and_no_account_is_made_twice(sync_box):
    box = sync_box(orders=4)
    people = [person(n) for n in range(3)]
    for who in people:
        order(box, who)
    assert box.run("run").exit_code == 0
    assert box.run("run").exit_code == 0  # the position in sync/CRM/Accounts moves past the new accounts
    lines = index_file(box).read_text().splitlines()
    kept = [line for line in lines if not any(f'"{who.email}"' in line for who in people[:2])]
    assert len(kept) == len(lines) - 2 and any(line.startswith('["t","exact_accounts_timestamp"') for line in kept)
    index_file(box).write_text("\n".join(kept) + "\n")  # e-mail lines gone by hand, the position marker kept
    for who in people:
        order(box, who)
    accounts = len(box.exact.accounts)

    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert len(box.exact.accounts) == accounts  # nobody made twice
    assert all(len(accounts_with(box, who.email)) == 1 for who in people)
    assert "the account index" in result.output and "rebuilt from Exact" in result.output
    assert_exactly_once(box)


def test_one_email_however_it_is_spelt_is_one_account_and_exact_gets_it_as_typed(sync_box):
    box = sync_box(orders=2)
    spellings = [
        "info@example.nl",
        "İNFO@example.nl",  # a Turkish keyboard's capital I
        "ｉｎｆｏ@ｅｘａｍｐｌｅ.nl",  # full-width, as an input method types it
        " Info@Example.NL ",
        "shop@bücher.de",
        "shop@xn--bcher-kva.de",  # the same domain in IDNA
        "SHOP@BÜCHER.DE",
    ]
    for n, email in enumerate(spellings):
        order(box, person(n, email))
    first = order(box, person(9, "  İlkay.ŞEN@Örnek.com.tr "))
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert [row["Email"] for row in accounts_with(box, "info@example.nl")] == ["info@example.nl"]
    assert [row["Email"] for row in accounts_with(box, "shop@bücher.de")] == ["shop@bücher.de"]
    assert not any("\u0307" in (row.get("Email") or "") for row in box.exact.accounts.values())  # nothing mangled
    customer = entry_of(box, first)["Customer"]
    assert box.exact.accounts[customer]["Email"] == "İlkay.ŞEN@Örnek.com.tr"  # as the customer typed it, trimmed
    assert_exactly_once(box)
    index = [json.loads(line) for line in index_file(box).read_text().splitlines()]
    assert {e[1] for e in index if e[0] == "e"} >= {"info@example.nl", "shop@xn--bcher-kva.de", "ilkay.şen@xn--rnek-4qa.com.tr"}
