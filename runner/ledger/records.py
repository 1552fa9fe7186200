"""The ledger's records as their readers get them: a step, a failure, a run, a summary.

Each is a dataclass with typed fields for what the runner reads, made from the document the
storage holds (`of`); that document is kept whole beside them (`raw`), so a record also
reads and writes as the dict it was (`record["ref"]`, `.get`, `{**record}`, `==` a
dict, `record["payments"] = ...` before it is saved back): what a sink put into an intent
is its own, and the ledger keeps it as given. The typed fields are not assigned to: a
write goes through the mapping, which keeps both in step."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, fields
from typing import Any, Self


@dataclass(frozen=True, eq=False)
class Record(MutableMapping[str, Any]):
    """Typed fields, and the stored document as a mapping (equal to a dict with the same items)."""

    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Self:
        raise NotImplementedError

    def __setitem__(self, key: str, value: Any) -> None:
        self.raw[key] = value
        self._follow()

    def __delitem__(self, key: str) -> None:
        del self.raw[key]
        self._follow()

    def _follow(self) -> None:
        """The typed fields after a write to the mapping."""
        fresh = type(self).of(self.raw)
        for each in fields(self):
            object.__setattr__(self, each.name, getattr(fresh, each.name))

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def as_dict(self) -> dict[str, Any]:
        """A dict of its own (for JSON, or to write back changed)."""
        return dict(self.raw)


@dataclass(frozen=True, eq=False)
class Step(Record):
    """One step of a document (document, print, payment, account): intended before its POST,
    done with the sink's ids after it. `finished`: kept short by the tidy (its ids may be gone)."""

    order: int = 0
    refund: int = 0  # 0: the sale
    step: str = "document"
    state: str = "intent"  # intent | done
    at: str = ""
    ref: str | None = None  # the sink's reference of what was written (`exact_id` in a ledger before format 3)
    number: Any = None
    journal: str | None = None
    steps: tuple[str, ...] = ()  # the steps its document takes (a document's record)
    entry_date: str | None = None
    finished: bool = False

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Self:
        return cls(
            raw,
            raw["order"],
            raw.get("refund") or 0,
            raw["step"],
            raw.get("state", "intent"),
            raw.get("at") or "",
            raw.get("ref"),
            raw.get("number"),
            raw.get("journal"),
            tuple(raw.get("steps") or ()),
            raw.get("entry_date"),
            bool(raw.get("finished")),
        )

    @property
    def done(self) -> bool:
        return self.state == "done"


@dataclass(frozen=True, eq=False)
class Failure(Record):
    """An order's (or one refund's) last error, with its attempts and when to try again."""

    order: int = 0
    message: str = ""
    attempts: int = 0
    next_retry: str | None = None
    at: str = ""
    kind: str | None = None
    refund: int | None = None  # a refund that failed alone

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Self:
        facts = (raw.get("message", ""), raw.get("attempts", 0), raw.get("next_retry"), raw.get("at") or "", raw.get("kind"), raw.get("refund"))
        return cls(raw, raw["order"], *facts)


@dataclass(frozen=True, eq=False)
class Run(Record):
    """A run as kept: recorded when it starts and again when it ends. Its empty fields are
    left out of the file (`run_record`); every other field of its report is in `raw`."""

    run: str = ""
    started: str = ""
    finished: str = ""
    failed: Mapping[str, str] = field(default_factory=dict)  # order -> why
    stopped: str = ""

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Self:
        return cls(raw, raw.get("run") or "", raw.get("started") or "", raw.get("finished") or "", raw.get("failed") or {}, raw.get("stopped") or "")

    @property
    def clean(self) -> bool:
        """Ended without failures and was not stopped."""
        return not self.failed and not self.stopped


@dataclass(frozen=True, eq=False)
class Summary(Record):
    """A daily summary: written before its POST (intent, with its members) and after it (done)."""

    key: str = ""  # kind|journal|day|number
    state: str = "intent"
    members: tuple[tuple[int, int], ...] = ()  # (order, refund) of the documents it sums
    day_key: str = ""
    ref: str | None = None
    number: Any = None
    at: str = ""

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Self:
        members = tuple((m[0], m[1]) for m in raw.get("members") or ())
        ids = (raw.get("ref"), raw.get("number"), raw.get("at") or "")
        return cls(raw, raw["key"], raw.get("state", "intent"), members, raw.get("day_key") or "", *ids)

    @property
    def done(self) -> bool:
        return self.state == "done"


def run_record(report: Mapping[str, Any]) -> dict[str, Any]:
    """A run's report as kept: its empty fields left out (most runs of a schedule find
    little to do), which a reader takes as empty."""
    return {k: v for k, v in report.items() if v is not None and v != "" and v != [] and v != {}}
