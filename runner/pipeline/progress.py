"""How far a long command is, and how long the rest takes. The engine (and the product push)
hand a `Tick` to their `progress` callback after each order (or item); the CLI shows it.

The rate is measured over the last minutes of this run only (`Pace`: a window of WINDOW
seconds, shown once MIN_SPAN seconds are measured), counting the orders worked on (booked or
failed), not those skipped as done before: no 1,817/min in the first seconds, no 28,010/min
after a resume. The time left is what is left at Exact's pace: the calls each order has cost
lately, times the orders still to go, at the minute limit Exact announces (60 calls a minute),
unless the run has lately been slower than that. Pure: no clock, no I/O."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

WINDOW = 5 * 60.0  # seconds: the rate is measured over the last five minutes
MIN_SPAN = 20.0  # seconds measured before a rate is shown


@dataclass(frozen=True)
class Tick:
    """One moment of a long command: `done` of `total` (None: not known yet) looked at,
    `elapsed` seconds since it began, the sink's `calls` so far, the calls Exact leaves for
    today and allows a minute (None: not said). `span`, `worked_in_span` and `calls_in_span`
    are the recent window a `Pace` measured (None: the whole run)."""

    done: int
    total: int | None
    elapsed: float
    calls: int = 0
    left_today: int | None = None
    per_minute: int | None = None
    booked: int = 0
    failed: int = 0
    what: str = "order"
    span: float | None = None
    worked_in_span: int | None = None
    calls_in_span: int | None = None

    @property
    def remaining(self) -> int | None:
        return None if self.total is None else max(0, self.total - self.done)

    @property
    def worked(self) -> int:
        """Orders booked or failed (those skipped as done before cost nothing); items pushed."""
        return self.booked + self.failed if self.what == "order" else self.done

    def _measured(self) -> tuple[float, int, int]:
        if self.span is not None:
            return self.span, self.worked_in_span or 0, self.calls_in_span or 0
        return self.elapsed, self.worked, self.calls

    @property
    def calls_each(self) -> float | None:
        _, worked, calls = self._measured()
        if worked and calls:
            return calls / worked
        return self.calls / self.worked if self.worked and self.calls else None

    @property
    def rate(self) -> float | None:
        """Per minute, over the recent window (or the run so far), once MIN_SPAN is measured."""
        seconds, worked, _ = self._measured()
        return worked / seconds * 60 if worked and seconds >= MIN_SPAN else None

    def seconds_left(self) -> float | None:
        """The rest at Exact's pace (the calls still needed at its minute limit), or at the
        pace measured lately when that is slower; None while nothing is known."""
        if self.remaining is None or not self.done:
            return None
        measured = self.remaining / self.rate * 60 if self.rate else 0.0
        pace = self.remaining * self.calls_each / self.per_minute * 60 if self.calls_each and self.per_minute else 0.0
        return max(measured, pace) if measured or pace else None

    def short_of_calls(self, reserve: int = 0) -> int | None:
        """How many more can be booked today before Exact's daily calls run out, when that is
        fewer than are left to do; else None."""
        if self.remaining is None or self.left_today is None or not self.calls_each:
            return None
        affordable = int(max(0, self.left_today - reserve) / self.calls_each)
        return affordable if affordable < self.remaining else None


class Pace:
    """Ticks in, ticks out with the recent window filled in: what was worked on and called
    over the last `window` seconds of this run."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self.samples: deque[tuple[float, int, int]] = deque([(0.0, 0, 0)])

    def __call__(self, tick: Tick) -> Tick:
        self.samples.append((tick.elapsed, tick.worked, tick.calls))
        while len(self.samples) > 2 and tick.elapsed - self.samples[1][0] >= self.window:
            self.samples.popleft()
        seconds, worked, calls = self.samples[0]
        return replace(tick, span=tick.elapsed - seconds, worked_in_span=tick.worked - worked, calls_in_span=tick.calls - calls)


def span(seconds: float) -> str:
    """1 h 05 min, 12 min, 40 s: a time left as people say it."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
