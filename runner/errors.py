"""One exception tree. Every error a user can cause is a RunnerError with a hint that
says what to do; the CLI turns it into one message and an exit code.

    RunnerError(message, hint)            exit 1 unless a subclass says otherwise
    ├── SpecError                         the spec, a preset, a template or an input file: exit 2
    ├── UsageError                        an impossible command line: exit 2
    ├── LoginNeeded                       no login or a dead refresh chain: exit 3
    ├── BookingError                      one order cannot be booked; recorded, never fatal
    │   ├── Withdrawn                     ... and what a step created is taken back first
    │   └── TemplateFailure               a template raised while rendering one order
    ├── QuotaExhausted                    a service's calls for today are spent: stop, resume later
    ├── Busy                              another run of the spec holds its run lock
    ├── NotSupported                      a sink was asked for what it says it cannot do (runner/pipeline/ports.py)
    └── ServiceError                      a service failed a request (unreachable, kept failing)
        ├── Rejected                      it said no: nothing was written
        └── OutcomeUnknown                a write may or may not have landed: look it up first

The adapters (runner/adapters/woo, runner/adapters/exact) raise only these; their own status codes and
messages travel inside the message, never as types of their own.

A hint that names a command writes the spec as `SPEC` (`runner retry SPEC`): the core does
not know the path it was given as. Whatever shows a message fills in the real one
(`name_spec`), so no placeholder reaches a consultant."""

from __future__ import annotations

import re
import shlex

PLACEHOLDER = re.compile(r"\b(runner [a-z]+) SPEC\b")


def name_spec(text: str, spec_path: str | None) -> str:
    """`text` with every `runner COMMAND SPEC` naming the spec as it was given."""
    if not spec_path or "SPEC" not in text:
        return text
    named = shlex.quote(str(spec_path))
    return PLACEHOLDER.sub(lambda match: f"{match[1]} {named}", text)


class RunnerError(Exception):
    """Base of every expected failure: `message` says what is wrong, `hint` what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class SpecError(RunnerError):
    """The sync.yaml (or a preset, a template, an orders file) is wrong: exit 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "", problems: list[str] | None = None) -> None:
        super().__init__(message, hint)
        self.problems = problems or []


class UsageError(RunnerError):
    """The command line asks for something impossible: exit 2."""

    exit_code = 2


class LoginNeeded(RunnerError):
    """The login to a service is missing or its refresh chain is dead: exit 3."""

    exit_code = 3


class BookingError(RunnerError):
    """One order cannot be booked (totals off, unknown code...). Recorded, never fatal."""


class Withdrawn(BookingError):
    """A step found that what an earlier step created must not stay (a sales invoice Exact
    sums otherwise than WooCommerce): the pipeline takes `ref` back (an intended step
    of its own, runner/pipeline/exactly_once.py) and the order fails with this message."""

    def __init__(self, message: str, hint: str, ref: str) -> None:
        super().__init__(message, hint)
        self.ref = ref


class TemplateFailure(BookingError):
    """A template raised while rendering one order: that order fails, the others go on."""


class QuotaExhausted(RunnerError):
    """Too few calls are left today; the run stops cleanly and a later one resumes.
    `resets_at` (epoch seconds, 0 when unknown) is when the service's day starts over."""

    def __init__(self, message: str, hint: str = "", resets_at: float = 0.0) -> None:
        super().__init__(message, hint)
        self.resets_at = resets_at


class Busy(RunnerError):
    """Another run of the spec holds its run lock. `since` (epoch seconds, None when the
    lock file does not say) is when that run began: one that began too long ago hangs."""

    def __init__(self, message: str, hint: str = "", since: float | None = None) -> None:
        super().__init__(message, hint)
        self.since = since


class NotSupported(RunnerError):
    """A sink was asked for something it can never do and says so in its `capabilities`
    (runner/pipeline/ports.py): the caller's mistake, never the books' or the consultant's."""


class ServiceError(RunnerError):
    """A remote service refused or failed a request."""

    def __init__(self, message: str, hint: str = "", status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class Rejected(ServiceError):
    """The service refused the request with its own message (kept verbatim); nothing was written."""


class OutcomeUnknown(ServiceError):
    """A write whose outcome is unknown: it may have landed. `answered` when the service
    did answer (a 5xx, which may come after the work was committed, or a refusal in
    disguise): its work is over, so a lookup now tells. Without an answer (a timeout, a
    dropped connection) the work may still be under way: the next run looks it up.
    `answer` keeps the service's own words, if it said any."""

    def __init__(self, message: str, hint: str = "", status: int | None = None, answered: bool = False, answer: str = "") -> None:
        super().__init__(message, hint, status)
        self.answered, self.answer = answered, answer
