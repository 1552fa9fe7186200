"""Progress while a long command works (run, retry, products, report, divisions): one line
rewritten in place on a terminal, fitted to its width (a shorter form when narrow, never
wrapping) and cleared at the end; without a terminal a plain line every so often (cron mail,
the systemd journal). Waits for Exact's minute window are said, not sat out in silence."""

from __future__ import annotations

import shutil
import sys

import click

from runner.cli.common import Out
from runner.pipeline.progress import Pace, Tick, span

LOG_EVERY = 100  # orders (or products) between two progress lines without a terminal
LOG_SECONDS = 60  # ... or seconds, whichever comes first
NARROW = 120  # columns below which the short form is used


def width() -> int:
    """The terminal's columns now (it may have been resized), COLUMNS when set."""
    return shutil.get_terminal_size((80, 24)).columns


def progress_line(tick: Tick, verb: str = "booking", columns: int | None = None) -> str:
    """`booking: 120/2,000 orders, 118 booked, 2 failed; 14/min; about 2 h 14 min left at Exact's
    pace (60 calls a minute); 4,812 Exact calls left today`: what is known, nothing guessed.
    With `columns`, the line fits in one row fewer than that: the short form below NARROW
    columns, and what does not fit left off from the end."""
    narrow = columns is not None and columns < NARROW
    what = f"{tick.what}s" if tick.what else ""
    if tick.total is not None:
        done = f"{tick.done:,}/{tick.total:,}" + ("" if narrow else f" {what}")
    else:
        done = f"{tick.done:,} {'read' if narrow else what + ' read'}"
    counts = ""
    if tick.what == "order":
        counts = (f", {tick.failed:,} failed" if tick.failed else "") if narrow else f", {tick.booked:,} booked, {tick.failed:,} failed"
    parts = [f"{verb}: {done}{counts}"]
    if tick.rate:
        parts.append(f"{tick.rate:,.0f}/min")
    left = tick.seconds_left()
    if left is not None and tick.remaining:
        pace = f" at Exact's pace ({tick.per_minute} calls a minute)" if tick.per_minute and not narrow else ""
        parts.append(f"about {span(left)} left{pace}")
    if tick.left_today is not None:
        parts.append(f"{tick.left_today:,} {'calls' if narrow else 'Exact calls'} left today")
    short = tick.short_of_calls()
    if short is not None:
        rest = "; the next run after midnight UTC books the rest"
        parts.append(f"calls last for {short:,} more today" if narrow else f"today's calls last for about {short:,} more{rest}")
    return fit(parts, columns)


def fit(parts: list[str], columns: int | None) -> str:
    """The parts joined by "; ", as many as fit before the last column (a line that reaches
    it wraps on some terminals); the first cut short if even it does not fit."""
    if columns is None:
        return "; ".join(parts)
    room = max(10, columns - 1)
    line = parts[0]
    for part in parts[1:]:
        if len(line) + 2 + len(part) > room:
            break
        line += "; " + part
    return line if len(line) <= room else line[: room - 1] + "…"


def waiting_line(seconds: float, columns: int | None = None) -> str:
    return fit([f"waiting for Exact's minute limit ({span(seconds)})", "60 calls a minute; the run goes on by itself"], columns)


def progress_printer(terminal: bool, verb: str = "booking", every: int = LOG_EVERY):
    """`show(tick)` for a long command: on a terminal one line rewritten in place, fitted to
    its width (`show(None)` clears it), else a plain line every `every` orders or LOG_SECONDS.
    `show.waiting(seconds)` says a wait for Exact's minute window, in place or as a line."""
    last, pace = [0.0], Pace()

    def show(tick) -> None:
        if tick is None:
            if terminal:
                click.echo("\r\033[K", nl=False)
            return
        tick = pace(tick)
        if terminal:
            click.echo(f"\r\033[K{progress_line(tick, verb, width())}", nl=False)
        elif tick.done % every == 0 or tick.elapsed - last[0] >= LOG_SECONDS:
            last[0] = tick.elapsed
            Out.echo(progress_line(tick, verb))

    def shown(tick) -> None:
        try:
            show(tick)
        except BrokenPipeError:  # the reader has gone: the run books on, its summary ends the command quietly
            pass

    def waiting(seconds: float) -> None:
        try:
            if terminal:
                click.echo(f"\r\033[K{waiting_line(seconds, width())}", nl=False)
            else:
                Out.echo(waiting_line(seconds), err=True)
        except BrokenPipeError:
            pass

    shown.waiting = waiting  # type: ignore[attr-defined]
    return shown


def announce_waits(api, show) -> None:
    """Exact's rate governor says each wait for the minute window through `show.waiting`."""
    governor = getattr(api, "governor", None)
    if governor is not None and show is not None:
        governor.on_wait = show.waiting


def waits_said(api, terminal: bool | None = None):
    """For a short command (divisions, accounts): waits said, the line cleared afterwards."""
    show = progress_printer(sys.stdout.isatty() if terminal is None else terminal)
    announce_waits(api, show)
    return show
