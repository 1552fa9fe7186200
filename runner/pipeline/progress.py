"""How far a long command is, and how long the rest takes. The engine (and the product push)
hand a `Tick` to their `progress` callback after each order (or item); the CLI shows it.

The time left is what is left at Exact's pace: the calls each order has cost so far, times
the orders still to go, at the minute limit Exact announces (60 calls a minute), unless the
run so far has been slower than that. Pure: no clock, no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tick:
    """One moment of a long command: `done` of `total` (None: not known yet) looked at,
    `elapsed` seconds since it began, the sink's `calls` so far, the calls Exact leaves for
    today and allows a minute (None: not said)."""

    done: int
    total: int | None
    elapsed: float
    calls: int = 0
    left_today: int | None = None
    per_minute: int | None = None
    booked: int = 0
    failed: int = 0
    what: str = "order"

    @property
    def remaining(self) -> int | None:
        return None if self.total is None else max(0, self.total - self.done)

    @property
    def calls_each(self) -> float | None:
        return self.calls / self.done if self.done and self.calls else None

    @property
    def rate(self) -> float | None:
        """Per minute, as measured so far."""
        return self.done / self.elapsed * 60 if self.done and self.elapsed > 0 else None

    def seconds_left(self) -> float | None:
        """The rest at Exact's pace (the calls still needed at its minute limit), or at the
        pace measured so far when that is slower; None while nothing is known."""
        if self.remaining is None or not self.done:
            return None
        measured = self.elapsed / self.done * self.remaining
        pace = self.remaining * self.calls_each / self.per_minute * 60 if self.calls_each and self.per_minute else 0.0
        return max(measured, pace)

    def short_of_calls(self, reserve: int = 0) -> int | None:
        """How many more can be booked today before Exact's daily calls run out, when that is
        fewer than are left to do; else None."""
        if self.remaining is None or self.left_today is None or not self.calls_each:
            return None
        affordable = int(max(0, self.left_today - reserve) / self.calls_each)
        return affordable if affordable < self.remaining else None


def span(seconds: float) -> str:
    """1 h 05 min, 12 min, 40 s: a time left as people say it."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
