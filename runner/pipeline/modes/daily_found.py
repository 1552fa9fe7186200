"""A day the books hold summaries of that the ledger does not know (a lost ledger): the books
decide. When the held summaries add up to the day's documents, the day is booked; else their
lines name the orders they hold (one call a summary): those are booked, also one kept on a
later day (re-completed since), and the others are said to be missing, with both totals;
nothing is posted on a guess. Read through the pipeline's optional capabilities
(`held_summaries`, `summary_members`), recorded as any summary the books hold."""

from __future__ import annotations

from decimal import Decimal

from runner.domain.money import ZERO, text
from runner.domain.summary import Day, payments
from runner.errors import BookingError
from runner.pipeline.ports import Facts


def books_hold(pipeline, summary) -> list[Facts]:
    """The summaries of this shop, day, journal and kind the books hold (by their identity tag)."""
    reader = pipeline.capability("held_summaries")
    return (reader(summary) or []) if reader else []


def recover(daily, day: Day, kept: list[dict], base: dict, facts: Facts, found: list[Facts]) -> None:
    """The held summaries (the first and its corrections) recorded as done, with the members
    they hold; `daily` is the run's daily mode (runner/pipeline/modes/daily.py)."""
    total = sum((Decimal(k["total"]) for k in kept), ZERO)
    held_total = sum((Decimal(h["amount"]) for h in found), ZERO)
    refs = " + ".join(f"{day.your_ref(number(h, n))} ({h['amount']})" for n, h in enumerate(found, 1))
    everyone = {(k["order"], k["refund"]): k for k in daily.ledger.members()} | {(k["order"], k["refund"]): k for k in kept}
    if held_total == total:
        holds = {number(h, n): kept if n == 1 else [] for n, h in enumerate(found, 1)}
    else:
        holds = named(daily.pipeline, found, base.get("shop", ""), everyone)
        if holds is None:  # an older version's summaries: which orders they hold is not known, nothing is assumed
            problem = BookingError(
                f"Exact holds {refs}, {text(held_total)} in all, but the day's documents add up to {text(total)}",
                "compare the day in Exact with `runner report` (a ledger lost after a late order?) and book the difference "
                f"({text(total - held_total)}) by hand",
            )
            for k in kept:
                daily.fail_member(k, problem)
            return
    inside = {(k["order"], k["refund"]) for members in holds.values() for k in members}
    for n, h in enumerate(found, 1):
        which = number(h, n)
        members = holds.get(which) or []
        record_ = {
            **base,
            "key": f"{day.key}|{which}",
            "n": which,
            "members": [[k["order"], k["refund"]] for k in members],
            "your_ref": day.your_ref(which),
            **({"receipts": payments(members)} if daily.paid else {}),
        }
        daily.ledger.save_summary({**record_, "state": "intent", **facts, "total": h["amount"]})
        daily.outcome.found.append(f"{record_['your_ref']} document")
        daily.summary_done({**record_, **facts, "total": h["amount"]}, h)
    missing = [k for k in kept if (k["order"], k["refund"]) not in inside]
    if missing:  # named by no summary of the day: not in the books, so the day's next correction takes them
        problem = BookingError(
            f"Exact holds {refs}, {text(held_total)} in all, but the day's documents add up to {text(total)}; "
            "the summaries' lines name the orders they hold, and this one is not among them",
            "nothing to do: it is booked in a correction of its day when it is retried (`runner retry SPEC` does that now)",
        )
        for k in missing:
            daily.fail_member(k, problem)


def named(pipeline, found: list[Facts], shop: str, everyone: dict) -> dict[int, list[dict]] | None:
    """Which kept documents each held summary holds, as its lines' Notes name them (one
    call a summary); None when a summary does not name all of its members."""
    reader = pipeline.capability("summary_members")
    holds = {}
    for n, h in enumerate(found, 1):
        read = reader(h["ref"], shop) if reader else None
        if read is None or not read[1]:
            return None
        listed = sorted((order, refund or 0) for order, refund in read[0])
        holds[number(h, n)] = [everyone[pair] for pair in listed if pair in everyone]
    return holds


def number(found: Facts, n: int) -> int:
    """Which summary of its day a held one is: its tag says (`20261126s2`), else its place."""
    ident = found.get("identity") or ""
    return int(ident[9:]) if ident[9:].isdigit() else n
