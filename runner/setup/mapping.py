"""Step 5 of `runner init`: the mapping. The proposal is pure (`runner.setup.proposals`);
this step shows its gaps and, when the person declines it, asks a code per gap: only codes
of the right kind are offered (a sales journal: Journal.Type 20), and a revenue account
that says another VAT rate than the gap's is taken only once the person confirms it."""

from __future__ import annotations

import yaml

from runner.errors import RunnerError
from runner.setup.console import Asking
from runner.setup.preset_overrides import overrides
from runner.setup.proposals import Catalog, Choice, doubt, options, propose, redo
from runner.setup.spec_writer import PRESET, Setup
from runner.spec import file as specfile

OPEN = "-"  # typed: leave the gap open even where a proposal is the default
BY_RATE_ANSWER = "by rate"
ENTER_NOTE = (
    "  Give a code for each gap. Enter takes the proposal shown in [brackets]; where none is shown, "
    f"Enter (or {OPEN} anywhere) leaves the gap open: the spec keeps the preset's code, and the orders that "
    "need it fail, naming the code, until it exists in Exact (no other order is held up)."
)


def mapping(wizard: Asking, setup: Setup, catalog: Catalog) -> None:
    preset = yaml.safe_load(specfile.resolve_extends(PRESET, setup.path.parent).read_text(encoding="utf-8"))
    choices = propose(catalog, setup.status == "paid")
    gaps = [c for c in choices if c.problem]
    wizard.say(
        f"  {len(choices) - len(gaps)} of the {len(choices)} codes the preset uses exist here and fit"
        + ("" if gaps else ": the preset's mapping is used as it is")
    )
    for line in (line for choice in gaps for line in choice.lines()):
        wizard.say(f"  {line}")
    if any(c.open for c in gaps):
        wizard.say("  A gap left open keeps the preset's code: orders that need it fail, naming it, until it exists in Exact.")
    if gaps and not wizard.yes_no(None, "Use these proposals?", True):
        wizard.say(ENTER_NOTE)
        choices = [own_code(wizard, c, catalog) if c.problem else c for c in choices]
    setup.changes = overrides(preset, choices, setup.status == "paid")
    setup.gaps_left = [c for c in choices if c.open]


def own_code(wizard: Asking, choice: Choice, catalog: Catalog) -> Choice:
    """The person's code for one gap, asked until it exists, is of the right kind and, where
    it says another rate, is confirmed."""
    need = choice.need
    fitting = options(need, catalog)
    here = "; ".join(f"{r.code} {r.description}".strip() for r in fitting) or "nothing"
    proposal = choice.code or (BY_RATE_ANSWER if choice.by_rate else "")
    question = f"{need.title}, instead of {need.code} (fits here: {here})"
    open_gap = Choice(need, None, None, choice.problem)
    while True:
        answer = wizard.ask(None, question, lambda value: value, proposal)
        if answer in ("", OPEN):
            return open_gap
        if answer == proposal:
            return choice
        try:
            mine = redo(choice, answer, catalog)
        except RunnerError as exc:
            wizard.say(f"  {exc.message}" + (f": {exc.hint}" if exc.hint else ""))
            continue
        if not mine.row or not (why := doubt(need, mine.row, catalog)):
            return mine
        wizard.say(f"  {why}")
        if wizard.yes_no(None, f"Book {need.purpose} on {mine.code} all the same?", False):
            return mine
