"""The index of Exact's accounts and items, in its own file beside the ledger: a line per
account (its code comes with it), read back after a crash cut its last line, and a damaged
line makes it forget its cursors, so the next refresh reads every account again."""

from __future__ import annotations

from runner.accounts import AccountIndex, path_beside


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
