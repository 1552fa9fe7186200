"""Files that hold secrets or personal data: the ledger (customer e-mails, what was booked)
and the Exact login. They are created 0600 in a folder created 0700. One that group or
others may read is closed to them with a warning rather than refused: the runner can fix
it, and a refusal would stop the books over a mode."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from runner.errors import RunnerError

OWNER_ONLY = 0o600


def folder(path: Path) -> None:
    """The folder a private file goes in. One made here is 0700; an existing one is left as
    it is (it may be the user's own, shared on purpose)."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(path, exc) from None


def append(path: Path) -> TextIO:
    """`path` opened to append to; made 0600 if it is new."""
    try:
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_ONLY), "a", encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None


def fresh(path: Path) -> TextIO:
    """A new, empty, 0600 file at `path`, for a temporary that replaces a private file (one
    left over by a crash goes first: its mode would carry over)."""
    try:
        path.unlink(missing_ok=True)
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY), "w", encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None


def replace(path: Path, chunks: Iterable[str], temporary: Path | None = None) -> None:
    """`path` replaced whole by `chunks`, written to a fresh 0600 temporary and made durable
    first: a reader (or a crash) sees the old file or the new one, never half of either."""
    temporary = temporary or path.with_suffix(".compact")
    try:
        with fresh(temporary) as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:  # a full disk, most likely: the temporary goes, the file stays as it was
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise cannot_write(path, exc, kept=True) from None


def tighten(path: Path) -> str | None:
    """Takes group's and others' rights from a private file (through a symlink: from the
    file it points at). What was done, for a warning; None when nothing was wrong."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None  # not there (yet), or not ours to look at: whoever opens it says so
    if not mode & 0o077:
        return None
    try:
        os.chmod(path, mode & 0o700)
    except OSError as exc:
        return f"{path} may be read by others (mode {mode:04o}) and the runner cannot change that ({exc.strerror}): chmod 600 it"
    return f"{path} could be read by others (mode {mode:04o}); it is {mode & 0o700:04o} now, for its owner only"


def cannot_write(path: Path, exc: OSError, kept: bool = False) -> RunnerError:
    """What stopped a write, and what to do; `kept`: the file is as it was before."""
    as_it_was = f"; nothing is lost: {path.name} is as it was" if kept else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return RunnerError(
            f"cannot write {path}: the disk is full ({exc.strerror})",
            f"free some space on the disk that holds {path.parent} (or raise the quota), then run again{as_it_was}",
        )
    return RunnerError(
        f"cannot write {path} ({exc.strerror})",
        f"let the user that runs the runner write it and its folder{as_it_was}",
    )
