"""A file of a sink's own beside the ledger (state.json -> state.NAME.json), for what grows with
the books rather than with what was booked (the Exact sink keeps its account index there,
runner/adapters/exact/accounts.py). The ledger knows nothing of what is in it: entries are
JSON arrays, one a line, appended and fsynced; read back whole, or rewritten whole.

A last line cut short by a crash is `torn` (skipped); any other line that is not JSON is named
in `damaged`. A read-only file (a dry copy's) is never written: what is given to it is held in
memory and read back with the file's lines. Its owner may hang its in-memory reading of the file
on `view` (one per ledger); the ledger's daily tidy calls that view's `tidy()`, if it has one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from runner.ledger.journal import last_byte
from runner.support import private


def path_beside(ledger: Path, name: str = "accounts") -> Path:
    """state.json -> state.accounts.json"""
    return ledger.with_name(f"{ledger.stem}.{name}{ledger.suffix or '.json'}")


class BesideFile:
    """`path` None: in memory only; `read_only`: never written (a dry copy of the ledger)."""

    def __init__(self, path: Path | None, read_only: bool = False) -> None:
        self.path, self.read_only = path, read_only
        self.damaged, self.torn = "", False
        self.lines = 0  # lines in the file
        self.held: list[list] = []  # entries given to a file that may not be written
        self.view: Any = None  # its owner's reading of it
        self._file = None

    def exists(self) -> bool:
        return self.path is not None and self.path.exists()

    def read(self) -> list[tuple[int, list]]:
        """The entries, numbered by line (the held ones after the file's); counts `lines`."""
        entries: list[tuple[int, Any]] = []
        if self.exists():
            with open(self.path, encoding="utf-8", errors="replace") as handle:
                lines = [line for line in handle.read().split("\n") if line.strip()]
            self.lines = len(lines)
            try:  # in one parse when every line is whole
                entries = list(enumerate(json.loads("[" + ",".join(lines) + "]"), start=1))
            except json.JSONDecodeError:
                for number, line in enumerate(lines, start=1):
                    try:
                        entries.append((number, json.loads(line)))
                    except json.JSONDecodeError:
                        if number < len(lines):
                            self.damaged = self.damaged or f"line {number} of {self.path} is not an index entry"
                        else:  # an append a crash cut short
                            self.torn = True
        return entries + [(self.lines + n, entry) for n, entry in enumerate(self.held, start=1)]

    def append(self, entry: list) -> None:
        """One entry added (fsynced), or held in memory when the file may not be written."""
        if self.path is None:
            return
        if self.read_only:
            self.held.append(entry)
            return
        if self._file is None:
            private.folder(self.path.parent)
            self._file = private.append(self.path)
            if self._file.tell() > 0 and last_byte(self.path) != b"\n":
                self._file.write("\n")  # after a line cut short by a crash
        self._file.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.lines += 1
        self._file.flush()
        os.fsync(self._file.fileno())

    def rewrite(self, entries: list[list]) -> None:
        """The file replaced by these entries, whole or not at all."""
        private.replace(self.path, (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n" for entry in entries))
        self.lines = len(entries)
        self.close()

    def absorb(self, entries: list[list]) -> None:
        """Entries from elsewhere (an older ledger's tables), appended as they are."""
        for entry in entries:
            self.append(entry)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
