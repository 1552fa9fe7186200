"""Accounts deleted or merged in Exact, as the bookkeeper does it in Exact's screens (the
runner never deletes), and the log of deletions `sync/Deleted` reads.

DOC:SyncDeleted [C] (Pi-Systems copy of the reference page): a row per deleted record with
`EntityKey` (the deleted record's ID), `EntityType` (2 = Accounts), `DeletedBy`, `DeletedDate`,
`Division`, its own `ID` and a `Timestamp` from the same rowversion as the sync endpoints;
"the log of records deleted is saved for 2 months"; only `Timestamp` may be filtered.

Assumed [I]: an account that documents still name cannot be deleted (Exact keeps what was
booked on it): it is merged instead. A merge moves every reference (documents, their lines,
receivables, bank and cash lines, prices) to the surviving account and deletes the other one;
the surviving account is left as it was (no new Timestamp), so nothing tells a client where a
merged account went."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from runner.sandbox.exact.entities import ACCOUNTS, SYNC_DELETED
from runner.sandbox.exact.seed import Administration

KEPT = timedelta(days=61)  # "saved for 2 months" [C]
ACCOUNT_TYPE = 2  # EntityType of Accounts [C]


def kept_deletions(admin: Administration) -> list[dict]:
    """The log as sync/Deleted serves it: the last two months."""
    since = admin.now() - KEPT
    return [row for row in admin.tables[SYNC_DELETED.path].values() if row["DeletedDate"] >= since]


def delete_account(admin: Administration, account_id: str, user_id: str) -> None:
    row = admin.tables[ACCOUNTS.path].get(account_id)
    if row is None:
        raise KeyError(f"no account {account_id}")
    if _references(admin, account_id, None):
        raise ValueError(f"account {account_id} is named by documents: Exact keeps what was booked on it; merge it instead")
    _remove(admin, row, user_id)


def merge_accounts(admin: Administration, gone: str, into: str, user_id: str) -> None:
    """`gone` merged into `into`: what named `gone` names `into`, and `gone` is deleted."""
    row, survivor = admin.tables[ACCOUNTS.path].get(gone), admin.tables[ACCOUNTS.path].get(into)
    if row is None or survivor is None or gone == into:
        raise KeyError(f"cannot merge {gone} into {into}")
    _references(admin, gone, survivor)
    _remove(admin, row, user_id)


def _remove(admin: Administration, row: dict, user_id: str) -> None:
    del admin.tables[ACCOUNTS.path][row["ID"]]
    if (row.get("Code") or "").strip():
        admin.codes[ACCOUNTS.path].pop(row["Code"].strip(), None)
    admin.insert(
        SYNC_DELETED,
        {"ID": admin.new_id(), "EntityKey": row["ID"], "EntityType": ACCOUNT_TYPE, "DeletedBy": user_id, "DeletedDate": admin.now()},
    )


def _references(admin: Administration, account_id: str, survivor: dict | None) -> int:
    """How many places name the account; with a `survivor`, each is made to name it instead."""
    found = 0
    for path, table in admin.tables.items():
        if path not in (ACCOUNTS.path, SYNC_DELETED.path):
            for row in table.values():
                found += _walk(row, account_id, survivor)
    return found


def _walk(value: Any, account_id: str, survivor: dict | None) -> int:
    found = 0
    if isinstance(value, dict):
        for key, item in list(value.items()):
            if item == account_id:
                found += 1
                if survivor is not None:
                    value[key] = survivor["ID"]
                    for suffix in ("Name", "Code"):  # CustomerName, AccountCode...: what Exact shows beside the reference
                        if key + suffix in value:
                            value[key + suffix] = survivor[suffix]
            else:
                found += _walk(item, account_id, survivor)
    elif isinstance(value, list):
        found += sum(_walk(item, account_id, survivor) for item in value)
    return found
