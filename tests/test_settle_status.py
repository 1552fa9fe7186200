"""`runner status` says per payment provider the last payout booked and whether its journal
agreed with the provider when `runner settle` last looked (the report's sum: provider balance
less what no payout holds, against the journal less the receipts no payout holds), read from
the ledger alone: no provider and no Exact call."""

from __future__ import annotations

import json

from click.testing import CliRunner

from runner.cli import main
from tests.settle_world import JOURNALS, book_orders, world


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_status_names_each_providers_last_payout_and_whether_its_journal_agrees(tmp_path):
    w = world(tmp_path, orders=200)
    try:
        book_orders(w)
        never = json.loads(cli("status", str(w.spec), "--json").output)
        assert never["settlements"] == [] and "payout" not in cli("status", str(w.spec)).output
        assert cli("settle", str(w.spec), "--since", "2026-10-01").exit_code == 0
        calls = sum(w.exact.calls.values())
        w.providers.stop()  # status asks no provider
        said = json.loads(cli("status", str(w.spec), "--json").output)["settlements"]
        assert sum(w.exact.calls.values()) == calls  # nor Exact
        assert [p["provider"] for p in said] == ["mollie", "paypal", "stripe"]
        for p in said:
            paid_out = w.providers.paid_out(p["provider"])
            assert p["journal"] == JOURNALS[p["provider"]] and p["agrees"] is True and p["difference"] == "0.00", p
            last = p["last_payout"]
            assert last["id"] == paid_out[-1][0] and last["day"] and last["amount"], last
            assert p["payouts"] == len(paid_out)
        text = cli("status", str(w.spec)).output
        mollie = next(p for p in said if p["provider"] == "mollie")
        assert f"Mollie: last payout {mollie['last_payout']['reference']} of {mollie['last_payout']['day']}" in text
        assert "journal 23 agreed with Mollie to the cent" in text
    finally:
        w.box.stop()


def test_status_says_when_the_journal_did_not_agree_at_the_last_settle(tmp_path):
    from runner import spec as spec_module
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec
    from runner.ledger import Ledger

    w = world(tmp_path, orders=200)
    try:
        book_orders(w)
        assert cli("settle", str(w.spec), "--provider", "mollie", "--since", "2026-10-01").exit_code == 0
        spec = spec_module.load(w.spec)
        with Ledger(w.dir / ".runner" / "state.json") as ledger:  # a payout booked by hand in the Mollie journal
            sink = sink_from_spec(spec, ledger, store_from_spec(spec))
            line = {"GLAccount": sink.admin().gl_ids["1190"], "AmountFC": "-25.00", "Description": "Mollie by hand", "Date": "2026-11-19"}
            sink.balances.post("financialtransaction/BankEntries", {"JournalCode": "23", "BankEntryLines": [line]})
        assert cli("settle", str(w.spec), "--provider", "mollie", "--since", "2026-10-01").exit_code == 0
        (mollie,) = json.loads(cli("status", str(w.spec), "--json").output)["settlements"]
        assert mollie["agrees"] is False and mollie["difference"] == "-25.00"
        assert "DIFFERENCE -25.00 in journal 23 against Mollie" in cli("status", str(w.spec)).output
    finally:
        w.stop()
