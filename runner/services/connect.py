"""What every service starts from: the spec read (its secrets handed to whoever blanks them,
its private files closed to other users), pointed at a fresh embedded sandbox when asked,
and the source, sink and ledger it names, made through the adapters' registry
(runner/adapters/__init__.py). The sandbox is imported here only, and only when asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from runner import adapters
from runner import spec as spec_module
from runner.errors import SpecError
from runner.ledger import Ledger
from runner.spec.model import Spec
from runner.support import private

Say = Callable[[str], None]  # how a service tells its caller something on the way (a note, a warning)
Secrets = Callable[[str], None]  # told each secret the spec holds, to blank it wherever it is shown


def quiet(_: str) -> None:
    """A caller that wants no word on the way."""


def open_spec(path: str | Path, on_secret: Secrets | None = None, say: Say = quiet):
    """The spec at `path`, its ${VAR} values handed to `on_secret` from the moment they are
    read, and its ledger and login made private to this user (each file fixed is said)."""
    from runner.adapters.exact.logins import login_of

    spec = spec_module.load(str(path), on_secret=on_secret or quiet)
    files = [spec.state_file, spec.token_file]
    try:
        files.append(login_of(spec).path)
    except SpecError:  # several users logged in and none named: the commands that log in say so
        pass
    for fixed in filter(None, map(private.tighten, dict.fromkeys(files))):
        say(f"warning: {fixed}")
    return spec


@contextmanager
def target(spec: Spec, sandbox: bool, on_secret: Secrets | None = None) -> Iterator[tuple[Any, Any]]:
    """The spec as given (and no box), or pointed at a fresh embedded sandbox of every
    service (throwaway ledger and login) and that box."""
    if not sandbox:
        yield spec, None
        return
    from runner.sandbox.embedded import embedded

    with embedded(spec) as (sandboxed, box):
        for secret in sandboxed.secrets if on_secret else ():
            on_secret(secret)
        yield sandboxed, box


def parts(spec: Spec, read_only: bool = False):
    """The WooCommerce source, the Exact sink and the ledger a spec names. `read_only`
    gives a copy of the ledger in memory: nothing is written to it, even while a run books."""
    spec.require_env("woocommerce", "exact")
    ledger = Ledger.dry_copy(spec.state_file) if read_only else Ledger(spec.state_file, compact=True)  # callers hold the run lock
    source, sink = adapters.source("woocommerce", spec), adapters.sink("exact", spec, ledger=ledger)
    if read_only:  # a run claims its ledger; a look at it only checks whose it is
        ledger.claim(source.name, sink.name, record=False, about=source.about)
    return source, sink, ledger


def lock_path(spec: Spec) -> Path:
    """The run lock of a spec's ledger, beside it."""
    return spec.state_file.with_name(spec.state_file.name + ".lock")


def vies(spec: Spec):
    """The VIES client a run checks reverse-charge VAT numbers with (answers kept per number for the run)."""
    return adapters.checker("vies", spec)


def hear_waits(sink, progress) -> None:
    """A sink that waits for its minute window (Exact's rate governor) says each wait
    through `progress.waiting(seconds)`, when the caller's progress has one."""
    governor = getattr(sink, "governor", None)
    if governor is not None and getattr(progress, "waiting", None) is not None:
        governor.on_wait = progress.waiting
