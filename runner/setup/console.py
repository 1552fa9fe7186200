"""How the wizard's steps talk with the person: the `Console` the CLI fills in (the only
module that prints), and what every step may use of the wizard (`Asking`), so the steps
live in modules of their own without importing the wizard back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from runner.errors import UsageError


class Stopped(UsageError):
    """The input ended at a question (Ctrl-D, Ctrl-C at a prompt, a script out of answers)."""


class InputEnded(Stopped):
    """The input of a script (a pipe, a file, /dev/null) ended while the login waited: no
    address can be pasted any more; only a browser sent to the loopback can still come back."""


def no_line(stop: threading.Event, timeout: float) -> str | None:
    """A console without a keyboard: nothing is ever typed; wait for `stop` or the timeout."""
    stop.wait(timeout)
    return None


@dataclass
class Console:
    """How the wizard talks with the person; the CLI fills it in (the only module that prints)."""

    say: Callable[[str], None]
    ask: Callable[[str, str | None, bool], str]  # question, default, hidden -> answer; raises Stopped
    confirm: Callable[[str, bool], bool]  # raises Stopped
    open_url: Callable[[str], Any] | None = None  # None: --no-browser
    secret: Callable[[str], None] = lambda value: None  # a value that no output may show
    # A line typed while something else is awaited (the browser's return from the login):
    # the line, or None once `stop` is set or the timeout passed; nothing typed is left for
    # the next question. Raises Stopped when the input ends (InputEnded: a script's input).
    line_until: Callable[[threading.Event, float], str | None] = no_line


class Asking(Protocol):
    """What a step uses of the wizard."""

    console: Console
    accept: bool
    options: dict[str, Any]
    redirect_timeout: float

    def say(self, text: str) -> None: ...
    def ask(self, key: str | None, question: str, check: Callable[[str], Any] = ..., default: str | None = None, hidden: bool = False) -> Any: ...
    def yes_no(self, key: str | None, question: str, default: bool) -> bool: ...
    def interactive(self, *keys: str) -> bool: ...
    def secret(self, *values: str) -> None: ...
