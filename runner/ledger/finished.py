"""What a finished order keeps in the ledger (pure: the ledger's daily tidy calls it).

An order whose documents are done with all their steps needs no more of them than later
runs read: that each document is done (a run does not book it again), its entry date for
`runner status`, and its journal, number and Exact id for `runner report` and for telling a
refund's entry from the sale's when one is looked up in the books. So it keeps one short row
per document, `[refund, date, journal, number, ref]` (refund 0: the sale), instead of a
record per step with its keys spelled out. Past the window (Exact's books decide what is
booked) it keeps only its documents' refund ids, and an order with no refund one bit of its
bucket's bitmap (a bucket of 1,000 order ids in 168 characters). The functions are pure;
`Finished` reads and writes the buckets in the store."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.ledger.store import Store

BUCKET = 1000  # orders per record of the booked and finished tables

Row = list  # [refund, date, journal, number, ref(, entry date)]


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
        row = [refund, str(record.get("at") or "")[:10], record.get("journal") or "", number, record.get("ref") or ""]
        rows.append(row + [record["entry_date"]] if record.get("entry_date") else row)  # the date it is booked on: fixed
    return rows or None


def record_of(order_id: int, row: Row | int, step: str = "document") -> dict[str, Any]:
    """A row (or a refund id past the window) as the step record a reader expects: done,
    and a step of its own (`steps`), so a completeness check asks for nothing more."""
    if not isinstance(row, list):
        return {"order": order_id, "refund": row, "step": step, "state": "done", "steps": [step], "at": "", "finished": True}
    refund, day, journal, number, ref = row[:5]
    record = {"order": order_id, "refund": refund, "step": step, "state": "done", "steps": [step], "at": day, "finished": True}
    if step == "document":
        record.update(journal=journal, number=number, ref=ref, **({"entry_date": row[5]} if len(row) > 5 and row[5] else {}))
    return record


def merge(booked: dict[str, list[Row]], order_id: int, rows: list[Row]) -> None:
    """An order's new rows into its bucket's orders: a later refund adds a row."""
    mine = {row[0]: row for row in booked.get(str(order_id), [])}
    mine.update((row[0], row) for row in rows)
    booked[str(order_id)] = sorted(mine.values(), key=lambda row: row[0])


def age(booked: dict[str, list[Row]], cutoff: str) -> dict[str, list[int]]:
    """Takes out of a bucket's orders those whose every document is dated before `cutoff`:
    order -> refund ids, for the finished table (`expand`ed, joined to what it has, `pack`ed)."""
    old = {order: rows for order, rows in booked.items() if all(row[1] < cutoff for row in rows)}
    for order in old:
        del booked[order]
    return {order: [row[0] for row in rows] for order, rows in old.items()}


def expand(bucket: dict) -> dict[str, list[int]]:
    """A finished bucket's orders -> refund ids (0: the sale), its bitmap's as well."""
    orders = dict(bucket.get("orders") or {})
    first = bucket["b"] * BUCKET
    orders.update((str(first + n), [0]) for n in _bits(bucket.get("sales", "")))
    return orders


def pack(orders: dict[str, list[int]], number: int) -> dict[str, Any]:
    """A finished bucket's fields: orders sold without refunds as bits, the others spelled out."""
    bits = bytearray(BUCKET // 8)
    spelled = {}
    for order, refunds in orders.items():
        if refunds == [0]:
            n = int(order) - number * BUCKET
            bits[n // 8] |= 1 << (n % 8)
        else:
            spelled[order] = refunds
    return {"orders": spelled, "sales": base64.b64encode(bytes(bits)).decode() if any(bits) else ""}


def refunds_in(bucket: dict | None, order_id: int) -> list[int]:
    """The refund ids (0: the sale) a finished bucket holds for one order."""
    if not bucket:
        return []
    spelled = (bucket.get("orders") or {}).get(str(order_id))
    if spelled is not None:
        return spelled
    n = order_id - bucket["b"] * BUCKET
    sales = base64.b64decode(bucket.get("sales") or "")
    return [0] if n // 8 < len(sales) and sales[n // 8] >> (n % 8) & 1 else []


def sales_count(bucket: dict) -> int:
    return int.from_bytes(base64.b64decode(bucket.get("sales") or ""), "little").bit_count()


def _bits(sales: str) -> Iterator[int]:
    value = int.from_bytes(base64.b64decode(sales), "little")
    while value:
        low = value & -value
        yield low.bit_length() - 1
        value ^= low


class Finished:
    """The finished orders in the store: `booked` buckets of rows (inside the window) and
    `finished` buckets of refund ids and bits (past it), a record per BUCKET orders each."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, order_id: int) -> dict[int, Row | int]:
        """An order's finished documents: refund id (0: the sale) -> its row, or the refund id
        itself past the window."""
        number = order_id // BUCKET
        out: dict[int, Row | int] = {refund: refund for refund in refunds_in(self.store.get("finished", {"b": number}), order_id)}
        booked = self.store.get("booked", {"b": number})
        out.update((row[0], row) for row in (booked["orders"].get(str(order_id), []) if booked else []))
        return out

    def records(self) -> Iterator[dict[str, Any]]:
        """Every finished document as a done step record."""
        for bucket in self.store.all("booked"):
            for order, rows in bucket["orders"].items():
                yield from (record_of(int(order), row) for row in rows)
        for bucket in self.store.all("finished"):
            for order, refunds in expand(bucket).items():
                yield from (record_of(int(order), refund) for refund in refunds)

    def documents(self) -> Iterator[tuple[int, str]]:
        """(refund id, the date it was done or "" past the window) of every finished document."""
        for bucket in self.store.all("booked"):
            yield from ((row[0], row[1]) for rows in bucket["orders"].values() for row in rows)
        for bucket in self.store.all("finished"):
            yield from ((refund, "") for refunds in (bucket.get("orders") or {}).values() for refund in refunds)
            yield from repeat((0, ""), sales_count(bucket))

    def booked(self) -> dict[int, dict[str, list[Row]]]:
        """The booked buckets: number -> order -> rows (to change, then `save`)."""
        return {doc["b"]: doc["orders"] for doc in self.store.all("booked")}

    def save(self, booked: dict[int, dict[str, list[Row]]], changed: set[int], old: dict[int, dict[str, list[int]]]) -> None:
        """Orders past the window into the finished buckets (joined to what they hold), then
        the booked buckets that changed: the short form written before the long one goes."""
        self._save("finished", {b: pack(self._joined(b, orders), b) for b, orders in old.items()})
        self._save("booked", {b: {"orders": booked[b]} for b in changed | old.keys()})

    def _joined(self, number: int, orders: dict[str, list[int]]) -> dict[str, list[int]]:
        """A finished bucket's orders with more: an order's later refund joins its sale."""
        found = self.store.get("finished", {"b": number})
        known = expand(found) if found else {}
        for order, refunds in orders.items():
            known[order] = sorted(set(known.get(order, [])) | set(refunds))
        return known

    def _save(self, table: str, buckets: dict[int, dict]) -> None:
        """Buckets written in one go each for those known and those new (a write per bucket
        would append its whole table's changes once per bucket)."""
        known = {doc["b"] for doc in self.store.all(table)}
        updates = [(fields, {"b": b}) for b, fields in buckets.items() if b in known]
        if updates:
            self.store.update(table, updates)
        new = [{"b": b, **fields} for b, fields in sorted(buckets.items()) if b not in known]
        if new:
            self.store.insert(table, new)
