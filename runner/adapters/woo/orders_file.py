"""An orders file read as it goes (issue 14 #5): a JSON array as `GET /wc/v3/orders` returns
it, or NDJSON (one order a line), decoded one order at a time from 64 KiB reads, so that a
preview of 100,000 orders holds one order in memory, not the file. Amounts with a fraction
come in as Decimal. Anything else (YAML, one order as an object) is read whole."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from runner.adapters.woo.rest import WooListed, WooRefund
from runner.domain.listed import Listed, ListedRefund
from runner.errors import SpecError

CHUNK = 64 * 1024
_DECODER = json.JSONDecoder(parse_float=Decimal)


def listed(rows: Iterable[Any]) -> Iterator[Listed]:
    """The orders of a file (or any rows in the REST API's shape) as the domain's `Listed`."""
    return (WooListed(row) for row in rows)


def refunds(rows: Iterable[Any]) -> list[ListedRefund]:
    """Refunds in the REST API's shape (a refunds file's list for one order) as `ListedRefund`."""
    return [WooRefund(row) for row in rows]


def stream(path: str, whole) -> Iterator[dict[str, Any]]:
    """The orders of `path` one by one; `whole(path)` reads the formats that cannot stream."""
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the generator below
    except OSError as exc:
        raise SpecError(f"cannot read orders file {path}: {exc.strerror}", "check the path") from None
    with handle:
        head = handle.read(CHUNK)
        first = head.lstrip()[:1]
        if first == "[":
            yield from _array(path, handle, head)
        elif first == "{" and _is_ndjson(path, head):
            yield from _lines(path, handle, head)
        else:
            yield from whole(path)


def _is_ndjson(path: str, head: str) -> bool:
    if Path(path).suffix in (".ndjson", ".jsonl"):
        return True
    try:
        _DECODER.raw_decode(head.lstrip().split("\n", 1)[0])
    except json.JSONDecodeError:
        return False
    return True


def _lines(path: str, handle, head: str) -> Iterator[dict[str, Any]]:
    rest = head
    number = 0
    pending = ""
    while True:
        *complete, pending = (pending + rest).split("\n")
        for line in complete:
            number += 1
            if line.strip():
                yield _order(path, line, number)
        rest = handle.read(CHUNK)
        if not rest:
            break
    if pending.strip():
        yield _order(path, pending, number + 1)


def _order(path: str, text: str, number: int) -> dict[str, Any]:
    try:
        order = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"orders file {path}, line {number}: not JSON ({exc.msg})", "one order as JSON on each line (NDJSON)") from None
    return _checked(path, order)


def _array(path: str, handle, buffer: str) -> Iterator[dict[str, Any]]:
    at = buffer.index("[") + 1
    done = False
    while True:
        at = _skip(buffer, at)
        while at >= len(buffer) and not done:  # need more before the next value or the end
            more = handle.read(CHUNK)
            done = not more
            buffer, at = buffer[at:] + more, 0
            at = _skip(buffer, at)
        if at < len(buffer) and buffer[at] == "]":
            return
        if at < len(buffer) and buffer[at] == ",":
            at += 1
            continue
        try:
            order, end = _DECODER.raw_decode(buffer, at)
        except json.JSONDecodeError as exc:
            if done:
                raise SpecError(f"orders file {path} is not a valid JSON array ({exc.msg})", "export the orders from the REST API") from None
            more = handle.read(CHUNK)  # an order cut by the read: read on
            done = not more
            buffer, at = buffer[at:] + more, 0
            continue
        yield _checked(path, order)
        at = end  # the buffer is cut only when more is read: not 64 KiB copied per order
        if done and not buffer[at:].strip():
            raise SpecError(f"orders file {path} ends before its closing ]", "export the orders from the REST API")


def _skip(buffer: str, at: int) -> int:
    while at < len(buffer) and buffer[at] in " \t\r\n":
        at += 1
    return at


def _checked(path: str, order: Any) -> dict[str, Any]:
    if not isinstance(order, dict):
        raise SpecError(f"orders file {path} holds something that is not an order: {str(order)[:80]}", "export the orders from the REST API")
    return order
