"""The index of Exact's accounts and items, in its own file beside the ledger: a line per
account (its code comes with it), read back after a crash cut its last line, and a damaged
line makes it forget its cursors, so the next refresh reads every account again."""

from __future__ import annotations

from runner.adapters.exact.accounts import AccountIndex
from runner.ledger.beside import path_beside


def test_it_sits_beside_the_ledger(tmp_path):
    assert path_beside(tmp_path / "state.json") == tmp_path / "state.accounts.json"


def test_an_account_is_one_line_and_reads_back_by_email_and_code(tmp_path):
    path = tmp_path / "state.accounts.json"
    index = AccountIndex(path)
    index.remember_account("anna@example.nl", "guid-a", "17")
    index.remember_code("17", "guid-a")  # the refresh reads the new account back: nothing new
    index.remember_code("COLL", "guid-c")  # a collective account without an e-mail
    index.remember_item("SKU-1", "guid-i")
    index.set_cursor("exact_accounts_timestamp", 42)
    index.close()
    assert len(path.read_text().splitlines()) == 4
    again = AccountIndex(path)
    assert again.account("anna@example.nl") == ("guid-a", "17")
    assert again.codes == {"17": "guid-a", "COLL": "guid-c"} and again.items == {"SKU-1": "guid-i"}
    assert again.cursor("exact_accounts_timestamp") == 42


def test_a_line_cut_short_costs_only_itself_and_a_damaged_one_forgets_the_cursors(tmp_path):
    path = tmp_path / "state.accounts.json"
    index = AccountIndex(path)
    index.remember_account("anna@example.nl", "guid-a", "17")
    index.set_cursor("exact_accounts_timestamp", 42)
    index.close()
    with open(path, "a") as file:
        file.write('["e","bram@exa')  # a crash in the middle of an append
    torn = AccountIndex(path)  # a reader skips it
    assert torn.cursor("exact_accounts_timestamp") == 42 and not torn.damaged
    again = AccountIndex(path, compact=True)  # the next run rewrites the file without the piece
    assert "bram" not in path.read_text()
    again.remember_account("bram@example.nl", "guid-b", "18")
    again.close()
    assert AccountIndex(path).account("bram@example.nl") == ("guid-b", "18") and AccountIndex(path).cursor("exact_accounts_timestamp") == 42
    path.write_text("garbage\n" + path.read_text())
    damaged = AccountIndex(path, compact=True)
    assert damaged.damaged and damaged.cursor("exact_accounts_timestamp") is None  # every account is read again
    assert damaged.account("anna@example.nl") == ("guid-a", "17")
    assert "garbage" not in path.read_text() and AccountIndex(path).cursor("exact_accounts_timestamp") is None


def test_the_holder_of_the_run_lock_rewrites_it_once_the_cursors_fill_it(tmp_path):
    path = tmp_path / "state.accounts.json"
    index = AccountIndex(path)
    index.remember_account("anna@example.nl", "guid-a", "17")
    for timestamp in range(1500):  # a run every 15 minutes moves the cursor
        index.set_cursor("exact_accounts_timestamp", timestamp)
    index.close()
    assert AccountIndex(path, read_only=True).lines == 1501  # a reader rewrites nothing
    rewritten = AccountIndex(path, compact=True)
    assert rewritten.lines == 2 and len(path.read_text().splitlines()) == 2
    assert rewritten.account("anna@example.nl") == ("guid-a", "17") and rewritten.cursor("exact_accounts_timestamp") == 1499


def test_an_email_matches_on_its_normal_form_and_keeps_its_spelling_for_exact():
    from runner.domain import emails

    one = ["info@example.nl", " İNFO@example.nl", "ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｎｌ", "Info@EXAMPLE.nl", "i\u0307nfo@example.nl"]
    assert {emails.key(spelling) for spelling in one} == {"info@example.nl"}
    assert {emails.key(s) for s in ["shop@bücher.de", "SHOP@BÜCHER.DE", "shop@xn--bcher-kva.de", "shop@ｂüｃｈｅｒ.de"]} == {"shop@xn--bcher-kva.de"}
    assert emails.key("Straße@example.nl") == "straße@example.nl" != emails.key("strasse@example.nl")  # nothing folded beyond case
    assert emails.key("a.b+tag@exa_mple.nl") == "a.b+tag@exa_mple.nl"  # a domain IDNA refuses is only lower-cased
    assert emails.lowered(" İNFO@Example.NL ") == "info@example.nl"  # order.email: no combining dot
    assert emails.as_typed(" İNFO@Example.NL ") == "İNFO@Example.NL" and emails.as_typed("ｉｎｆｏ＠x.nl") == "info@x.nl"


def test_the_index_finds_an_account_however_its_email_is_spelt_and_forgets_one_exact_deleted(tmp_path):
    path = tmp_path / "state.accounts.json"
    index = AccountIndex(path)
    index.remember_account("İNFO@Example.nl", "guid-a", "17")
    index.remember_account("bram@example.nl", "guid-b", "18")
    assert index.account("info@example.nl") == ("guid-a", "17") == index.account("ｉｎｆｏ@example.nl")
    assert index.forget_accounts(["guid-a", "guid-unknown"]) == ["info@example.nl"]
    index.close()
    again = AccountIndex(path)
    assert again.account("info@example.nl") is None and "17" not in again.codes and again.account("bram@example.nl") == ("guid-b", "18")
    assert not again.damaged


def test_lines_gone_before_a_position_marker_make_the_index_damaged(tmp_path):
    path = tmp_path / "state.accounts.json"
    index = AccountIndex(path)
    index.remember_account("anna@example.nl", "guid-a", "17")
    index.remember_account("bram@example.nl", "guid-b", "18")
    index.set_cursor("exact_accounts_timestamp", 42)
    index.remember_account("cees@example.nl", "guid-c", "19")  # after the marker: the next refresh reads it again anyway
    index.close()
    lines = path.read_text().splitlines()
    assert lines[2] == '["t","exact_accounts_timestamp",42,2]'
    path.write_text("\n".join(lines[:3]) + "\n")  # the line after the marker gone: nothing lost for good
    assert not AccountIndex(path).damaged
    path.write_text("\n".join(lines[1:]) + "\n")  # a line before it gone
    damaged = AccountIndex(path, compact=True)
    assert "1 of the 2 entries before line 2" in damaged.damaged and damaged.cursor("exact_accounts_timestamp") is None
    AccountIndex(path).set_cursor("exact_accounts_timestamp", 43)  # rewritten, and marked again: whole
    assert not AccountIndex(path).damaged
