"""A preview's document taken through the one exactly-once pipeline (runner/pipeline/
exactly_once.py) as a run takes it, against the dry sink (runner/adapters/dry.py: writes
nothing, keeps what it would send) and a keep in memory: what each step would send is what a
run's `write` would send, by the run's own path, not an imitation of it."""

from __future__ import annotations

from typing import Any

from runner import adapters
from runner.errors import OutcomeUnknown, Rejected
from runner.pipeline.exactly_once import Doc, Pipeline
from runner.pipeline.keeps import MemoryKeep
from runner.pipeline.outcome import Outcome
from runner.pipeline.ports import Facts, Posting, Sink


def rehearse(sink: Sink, posting: Posting, steps: tuple[str, ...] | None = None, before: dict[str, Facts] | None = None) -> dict[str, Any]:
    """What each step of the document would send (None for a step that sends only what the
    books' earlier answers call for), the steps `sink` names for it unless `steps` are given;
    `before`: the facts of steps done elsewhere (a day summary's, for its payment entries).
    Every step is written at once (a run sends a batched one, the payments, at its end)."""
    dry = adapters.sink("dry", None, inner=sink)
    doc = Doc(
        posting,
        MemoryKeep(),
        dry.steps(posting) if steps is None else steps,
        said=f"order {posting.document.order_number}",
        found_as=str,
        known=set,
        lost=_never,
        before=dict(before or {}),
        look=False,  # whether the books hold it is asked before (services/preview_items.py held_by_books)
        batched=frozenset(),
    )
    Pipeline(dry, None, Outcome(started="")).post(doc)  # type: ignore[arg-type]  # a look needs no ledger
    return dict(dry.sent)


def _never(unknown: OutcomeUnknown, step: str) -> Rejected:
    raise AssertionError("a dry sink answers every write")  # pragma: no cover
