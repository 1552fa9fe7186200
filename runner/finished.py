"""What a finished order keeps in the ledger (pure: the ledger's daily tidy calls it).

An order whose documents are done with all their steps needs no more of them than later
runs read: that each document is done (a run does not book it again), its entry date for
`runner status`, and its journal, number and Exact id for `runner report` and for telling a
refund's entry from the sale's when one is looked up in the books. So it keeps one short row
per document, `[refund, date, journal, number, exact_id]` (refund 0: the sale), instead of a
record per step with its keys spelled out. Past the window (Exact's books decide what is
booked) it keeps only its documents' refund ids."""

from __future__ import annotations

from typing import Any

BUCKET = 1000  # orders per record of the booked and finished tables

Row = list  # [refund, date, journal, number, exact_id]


def rows_of(records: list[dict]) -> list[Row] | None:
    """One order's step records as rows, one per document, when every record is done and
    every document has all the steps it was posted with; else None (kept whole)."""
    if any(r.get("state") != "done" for r in records):
        return None
    steps = {(r.get("refund") or 0, r["step"]): r for r in records}
    rows = []
    for (refund, step), record in sorted(steps.items()):
        if step != "document":
            continue
        if any((refund, s) not in steps for s in record.get("steps") or ["document"]):
            return None
        number = record.get("number") or steps.get((refund, "print"), {}).get("number")  # an invoice's is given at printing
        rows.append([refund, str(record.get("at") or "")[:10], record.get("journal") or "", number, record.get("exact_id") or ""])
    return rows or None


def record_of(order_id: int, row: Row | int, step: str = "document") -> dict[str, Any]:
    """A row (or a refund id past the window) as the step record a reader expects: done,
    and a step of its own (`steps`), so a completeness check asks for nothing more."""
    if not isinstance(row, list):
        return {"order": order_id, "refund": row, "step": step, "state": "done", "steps": [step], "at": "", "finished": True}
    refund, day, journal, number, exact_id = row
    record = {"order": order_id, "refund": refund, "step": step, "state": "done", "steps": [step], "at": day, "finished": True}
    if step == "document":
        record.update(journal=journal, number=number, exact_id=exact_id)
    return record


def merge(booked: dict[str, list[Row]], order_id: int, rows: list[Row]) -> None:
    """An order's new rows into its bucket's orders: a later refund adds a row."""
    mine = {row[0]: row for row in booked.get(str(order_id), [])}
    mine.update((row[0], row) for row in rows)
    booked[str(order_id)] = sorted(mine.values(), key=lambda row: row[0])


def age(booked: dict[str, list[Row]], cutoff: str) -> dict[str, list[int]]:
    """Takes out of a bucket's orders those whose every document is dated before `cutoff`:
    order -> refund ids, for the finished table."""
    old = {order: rows for order, rows in booked.items() if all(row[1] < cutoff for row in rows)}
    for order in old:
        del booked[order]
    return {order: [row[0] for row in rows] for order, rows in old.items()}
