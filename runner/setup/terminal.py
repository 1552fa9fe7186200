"""A line typed while the wizard waits for something else (the browser's return from the
Exact login), read from the process's standard input.

On a terminal it is read only once the person pressed Enter (the terminal's own line editing
stays), and the wait ends at once when `stop` is set; whatever was typed but not entered is
then discarded, so it never becomes the answer to the next question. From a script (a pipe,
a file) the next line is the answer: an empty line waits for `stop`, the end of the input is
InputEnded (the wizard decides whether a browser can still come back)."""

from __future__ import annotations

import io
import os
import select
import sys
import termios
import threading
import time
from typing import TextIO

from runner.setup.console import InputEnded, Stopped

POLL = 0.05  # seconds between looks at `stop` while nothing is typed


def line_until(stop: threading.Event, timeout: float, stream: TextIO | None = None) -> str | None:
    stream = stream or sys.stdin
    try:
        fd = stream.fileno()
        tty = os.isatty(fd)
    except (AttributeError, ValueError, io.UnsupportedOperation):
        fd, tty = -1, False
    if fd < 0:  # no descriptor to watch (a test's text stream): its next line, or the wait
        line = stream.readline()
        if not line:
            raise InputEnded("the input ended")
        if line.strip():
            return line.strip()
        stop.wait(timeout)
        return None
    deadline = time.monotonic() + timeout
    try:
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], min(POLL, left))  # a pipe left open and silent never holds up the browser's return
            if not ready:
                continue
            line = stream.readline()  # a whole line is there: the terminal hands over lines only
            if not line:
                raise Stopped("the input ended") if tty else InputEnded("the input ended")
            if line.strip():
                return line.strip()
        return None
    finally:
        if tty:
            termios.tcflush(fd, termios.TCIFLUSH)  # typed but not entered: not the next question's answer
