"""One exception tree. Every error a user can cause is a RunnerError with a hint that
says what to do; the CLI turns it into one message and an exit code."""

from __future__ import annotations


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
    """The Exact login is missing or its refresh chain is dead: exit 3."""

    exit_code = 3


class BookingError(RunnerError):
    """One order cannot be booked (totals off, unknown code...). Recorded, never fatal."""


class ServiceError(RunnerError):
    """A remote service (WooCommerce, Exact) refused or failed a request."""

    def __init__(self, message: str, hint: str = "", status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
