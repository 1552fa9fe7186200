"""The index of Exact's accounts and items: e-mail -> account, account code -> account,
item code -> item. A mirror of Exact's books (brought up to date from sync/CRM/Accounts and
sync/Logistics/Items, only what changed since the cursors it keeps, and from sync/Deleted),
so it lives in a file of its own beside the ledger (the ledger's neutral `BesideFile`,
runner/ledger/beside.py, which knows nothing of what is in it): it grows with the
administration's accounts, not with what was booked, and no window can shrink it (any customer
may order again). One index per ledger (`AccountIndex.of`).

One JSON array per line, appended: `["e", email, id, code]` (the e-mail in its normal form,
runner/domain/emails.py), `["c", code, id]`, `["i", code, id]`, `["x", id]` (an account Exact no
longer holds: every e-mail and code naming it forgotten) and `["t", cursor, value, entries]`, a
position marker that also counts the entry lines before it. A last line cut short by a crash is
skipped; any other line that cannot be read, or a marker that counts more entries before it
than the file holds (lines deleted by hand), makes the index `damaged`: it forgets its cursors,
so the next refresh reads every account again and drops what Exact no longer holds (an account
missing here would be created twice, one Exact deleted would be refused). Either way the holder
of the run lock rewrites the file when it opens it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from runner.domain import emails
from runner.ledger.beside import BesideFile

KINDS = {"e": "emails", "c": "codes", "i": "items"}
NAME = "accounts"  # state.json -> state.accounts.json


class AccountIndex:
    """Kept in memory, appended to its file (`path` None: in memory only; `read_only`: never
    written, as for a dry run's copy of the ledger), or to the `file` given (the ledger's)."""

    def __init__(self, path: Path | None = None, read_only: bool = False, compact: bool = False, *, file: BesideFile | None = None) -> None:
        self.file = file if file is not None else BesideFile(path, read_only)
        self.path, self.read_only = self.file.path, self.file.read_only
        self.emails: dict[str, tuple[str, str]] = {}  # e-mail -> (account id, code)
        self.codes: dict[str, str] = {}  # account code -> account id
        self.items: dict[str, str] = {}  # item code -> item id
        self.cursors: dict[str, Any] = {}
        self.damaged, self.torn = "", False
        self.entries = 0  # entry lines in the file (not position markers): each marker counts those before it
        self._replay()
        if compact:
            self.tidy()

    @classmethod
    def of(cls, ledger) -> AccountIndex:
        """The ledger's index: read from the file beside it when first asked for, then kept
        with it (its daily tidy tidies the index too)."""
        file = ledger.beside(NAME)
        if file.view is None:
            file.view = cls(compact=ledger.compacting, file=file)
        return file.view

    @property
    def lines(self) -> int:
        return self.file.lines

    def tidy(self) -> None:
        """Rewritten when a line could not be read, or the file holds a thousand lines more than
        it needs (the cursors move on every run), by the holder of the run lock: rewriting
        under a writer would lose its appends."""
        if self.read_only or self.path is None or not self.path.exists():
            return
        surely = len(self.emails) + len(self.items) + len(self.cursors)  # lines it needs at least: most days, enough to know
        if self.torn or self.damaged or (self.lines > surely + 1000 and self.lines > len(self._entries()) + 1000):
            self.compact()
            self.torn = False

    def _entries(self) -> list[list]:
        """What the file needs: a line per e-mail, item and cursor, and per code that no
        e-mail's line names."""
        implied = {code: account_id for account_id, code in self.emails.values() if code}
        codes = {code: account_id for code, account_id in self.codes.items() if implied.get(code) != account_id}
        return (
            [["e", email, account_id, code] for email, (account_id, code) in self.emails.items()]
            + [["c", code, account_id] for code, account_id in codes.items()]
            + [["i", code, item_id] for code, item_id in self.items.items()]
            + [["t", name, value] for name, value in self.cursors.items()]
        )

    def _replay(self) -> None:
        entries = self.file.read()
        self.damaged, self.torn = self.file.damaged, self.file.torn
        gone: set[str] = set()
        for number, entry in entries:
            try:
                if entry[0] == "x":
                    gone.add(entry[1])  # forgotten once all is read: a deleted account's id never comes back
                else:
                    self._apply(entry)
                if entry[0] != "t":
                    self.entries += 1
                elif len(entry) > 3 and entry[3] > self.entries:
                    self.damaged = self.damaged or (
                        f"{entry[3] - self.entries} of the {entry[3]} entries before line {number} of {self.path} are missing"
                    )
            except (TypeError, IndexError, KeyError):
                self.damaged = self.damaged or f"entry {number} of {self.path} is not an index entry"
        self._forget(gone)
        if self.damaged:
            self.cursors = {}

    def _apply(self, entry: list) -> None:
        if entry[0] == "x":
            self._forget({entry[1]})
            return
        kind, key, value = entry[0], entry[1], entry[2]
        if kind == "e":
            self.emails[emails.key(key)] = (value, entry[3])
            if entry[3]:
                self.codes[entry[3]] = value  # an account's code is its own: no line of its own needed
        elif kind == "c":
            self.codes[key] = value
        elif kind == "i":
            self.items[key] = value
        elif kind == "t":
            self.cursors[key] = value

    def _forget(self, ids: set[str]) -> list[str]:
        """The e-mails and codes naming these accounts dropped; the e-mails dropped."""
        if not ids:
            return []
        dropped = [email for email, (account_id, _) in self.emails.items() if account_id in ids]
        for email in dropped:
            del self.emails[email]
        for code in [code for code, account_id in self.codes.items() if account_id in ids]:
            del self.codes[code]
        return dropped

    def _add(self, entry: list) -> None:
        self._apply(entry)
        self._write(entry)

    def _write(self, entry: list) -> None:
        if self.path is None:
            return
        if entry[0] == "t":
            entry = [*entry[:3], self.entries]
        else:
            self.entries += 1
        self.file.append(entry)

    # what the sink asks
    def account(self, email: str) -> tuple[str, str] | None:
        """The account of an e-mail, however it is spelt (matched on its normal form)."""
        return self.emails.get(emails.key(email))

    def remember_account(self, email: str, account_id: str, code: str = "") -> None:
        email = emails.key(email)
        if self.emails.get(email) != (account_id, code):
            self._add(["e", email, account_id, code])

    def forget_accounts(self, ids: Iterable[str]) -> list[str]:
        """Accounts Exact no longer holds (deleted, or merged into another): forgotten, a
        line each; returns the e-mails that named them."""
        known = self.account_ids()
        gone = [account_id for account_id in dict.fromkeys(ids) if account_id in known]
        dropped = self._forget(set(gone))
        for account_id in gone:
            self._write(["x", account_id])
        return dropped

    def account_ids(self) -> set[str]:
        return set(self.codes.values()) | {account_id for account_id, _ in self.emails.values()}

    def remember_code(self, code: str, account_id: str) -> None:
        if self.codes.get(code) != account_id:
            self._add(["c", code, account_id])

    def remember_item(self, code: str, item_id: str) -> None:
        if self.items.get(code) != item_id:
            self._add(["i", code, item_id])

    def cursor(self, name: str) -> Any:
        return self.cursors.get(name)

    def set_cursor(self, name: str, value: Any) -> None:
        if self.cursors.get(name) != value:
            self._add(["t", name, value])

    def compact(self) -> None:
        """The file rewritten with one line per entry it needs, the markers last."""
        entries = self._entries()
        self.entries = sum(1 for entry in entries if entry[0] != "t")
        self.file.rewrite([[*entry, self.entries] if entry[0] == "t" else entry for entry in entries])

    def close(self) -> None:
        self.file.close()
