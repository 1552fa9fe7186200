"""Preview: what a spec would post, without posting (`runner preview`, the dashboard's "next
due orders"). Offline from an orders file (codes stand in for GUIDs), or online from the shop
with the administration's real ids, read-only. Both take the orders, the verdicts and the
documents from runner/pipeline/due.py, and each document through the run's own pipeline
against the dry sink (runner/services/preview_items.py), as a run does:

    from runner.services.preview import PreviewOptions, preview_spec
    shown = preview_spec("clients/acme.yaml", PreviewOptions(limit=10))
    shown.items, shown.failures, shown.more
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import adapters
from runner.adapters.woo import orders_file
from runner.domain.booking import Booker, Document
from runner.domain.listed import Listed, ListedRefund
from runner.domain.model import Order
from runner.errors import BookingError
from runner.pipeline import due
from runner.pipeline.ports import Sink, Source
from runner.services import preview_codes
from runner.services.connect import Secrets, open_spec, parts, target
from runner.services.preview_days import DayPreview
from runner.services.preview_files import read_orders_file, read_refunds
from runner.services.preview_items import code_names, events, held_by_books
from runner.spec.model import Spec

__all__ = ["Preview", "PreviewOptions", "code_names", "offline", "offline_stream", "online", "preview_spec", "read_orders_file", "read_refunds"]

ONLINE_LIMIT = 25  # an online preview without --limit shows the next 25 due orders


@dataclass(frozen=True)
class PreviewOptions:
    """`order_ids`: only these orders; `limit`: at most this many (online: the next 25 due
    without one); `orders_file` (with `refunds_file`): the orders from a file, no network;
    `sandbox`: against a fresh embedded sandbox of both services."""

    order_ids: tuple[int, ...] = ()
    limit: int | None = None
    orders_file: str | None = None
    refunds_file: str | None = None
    sandbox: bool = False


@dataclass
class Preview:
    """One element per document in `items` (DESIGN.md section 7) and one per order that
    gives none; the same sorted into documents, failures and skips for a table."""

    items: list[dict[str, Any]] = field(default_factory=list)
    documents: list[tuple[Document, dict[str, Any]]] = field(default_factory=list)  # daily_summary: the summaries
    members: list[dict[str, Any]] = field(default_factory=list)  # daily_summary: each order's document, naming its summary
    failures: dict[int, str] = field(default_factory=dict)
    summary_failures: dict[str, str] = field(default_factory=dict)  # daily_summary: a day whose summary cannot be made
    skipped: dict[int, str] = field(default_factory=dict)  # order id -> why it is not booked
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # ("gl" | "vat", code) -> the books' description
    more: int = 0  # online: orders due beyond the limit, not shown


def preview(
    spec: Spec,
    raw_orders: Iterable[Listed],
    sink: Sink,
    refunds_of: Callable[[Order], Sequence[ListedRefund]],
    window: due.Window,
    source: Source | None = None,
    only: Sequence[int] = (),
    limit: int | None = None,
    started: Callable[[int], bool] = lambda order_id: False,
    days: DayPreview | None = None,
    taken: Callable[[int], Mapping[tuple[int, str], str]] = lambda order_id: {},
) -> Preview:
    """What would be posted, one element per document (DESIGN.md section 7), and one per
    order that gives none: `{"order", "skipped": why}` or `{"order", "error": message}`, so
    whoever reads the JSON sees every order looked at. The orders the window makes due go
    through `due.plans` and the run's own pipeline against the dry sink, as in a run. With booking.mode
    daily_summary the documents are the day summaries (runner/services/preview_days.py)."""
    result = Preview()
    ordered = sorted(raw_orders, key=lambda o: o.rank)
    for order_id, document, item in events(spec, ordered, sink, refunds_of, window, source, only, limit, started, days, taken):
        if document is not None:
            result.documents.append((document, item))
        elif "summary" in item and "error" in item:
            result.summary_failures[item["summary"]] = item["error"]
        elif "error" in item:
            result.failures[order_id] = item["error"]
        elif "skipped" in item:
            result.skipped[order_id] = (f"refund {item['refund']} " if "refund" in item else "") + item["skipped"]
        else:
            result.members.append(item)
        result.items.append(item)
    result.names = code_names(sink, [doc for doc, _ in result.documents])
    return result


def offline(spec: Spec, raw_orders: list[dict], refunds: Mapping[int, Sequence[ListedRefund]], sink: Sink, only=(), limit=None) -> Preview:
    """An orders file through the spec's window, with the refunds given per order."""
    window = due.Window.of(spec.orders.statuses, spec.orders.since, timezone=spec.timezone)
    return preview(spec, orders_file.listed(raw_orders), sink, lambda order: refunds.get(order.id, ()), window, only=only, limit=limit)


def offline_stream(spec: Spec, path: str, refunds_path: str | None, sink: Sink) -> Iterator[tuple[int, Document | None, dict[str, Any]]]:
    """An orders file as it is read (runner/adapters/woo/orders_file.py): each order's events as soon as
    they are made, in the file's order; refunds from the refunds file or the order itself."""
    window = due.Window.of(spec.orders.statuses, spec.orders.since, timezone=spec.timezone)
    given = read_refunds(refunds_path, [])
    orders = orders_file.listed(orders_file.stream(path, read_orders_file))
    carried: dict[int, list[ListedRefund]] = {}

    def remembered() -> Iterator[Listed]:
        for listed in orders:
            carried.clear()  # the order before was done with its refunds (or skipped)
            full = listed.refunds()
            if full:
                carried[listed.rank] = full
            yield listed

    return events(spec, remembered(), sink, lambda order: given.get(order.id) or carried.pop(order.id, ()), window)


def online(spec: Spec, source: Source, sink: Sink, ledger, only: Sequence[int] = (), limit: int | None = None) -> Preview:
    """The next orders a run would book, listed as a run lists them, with the ids of the
    books; orders the ledger holds as booked are left out, and those the books hold (a lost
    ledger, another machine's run) are shown as already in Exact, as a run finds them, without
    counting against the limit. Past the limit the rest are counted (`Preview.more`) by their
    sale, against the same bulk index: no call per order."""
    window = due.Window.of(spec.orders.statuses, due.start(ledger, spec.orders.since), timezone=spec.timezone)
    sink.open()  # as a run: the account index up to date (reads only; a preview's ledger is a copy), so a collective account is known
    started = lambda order_id: ledger.step(order_id, None, "document") is not None  # noqa: E731
    taken = lambda order_id: {(s.refund, s.step): s.ref for s in ledger.order_steps(order_id) if s.ref}  # noqa: E731
    days = None
    if spec.booking.mode == "daily_summary":  # a day booked already gets a correction; what the ledger keeps for its day is in it too
        taken_ = {tuple(m) for s in ledger.summaries() for m in s["members"]}
        days = DayPreview(spec, sink, ledger.summaries(), [m for m in ledger.members() if (m["order"], m["refund"]) not in taken_])
    more = 0
    if only:
        raw = [source.order(order_id) for order_id in only]
    else:
        unbooked = (o for o in due.Listing(source, window, ledger) if (ledger.step(o.id, None, "document") or {}).get("state") != "done")
        raw, wanted, booker = [], limit or ONLINE_LIMIT, Booker(spec)
        for order in (o for o in unbooked if window.verdict(o, started(o.id)) is None):
            held = days is None and _sale_held(booker, order, source, sink, taken(order.id))
            if held or wanted > 0:
                raw.append(order)  # one the books hold is shown as such, and takes no place of the limit
                wanted -= 0 if held else 1
            else:
                more += 1
        limit = None
    refunds_of = lambda order: source.refunds(order.id) if order.refund_ids else []  # noqa: E731
    result = preview(spec, raw, sink, refunds_of, window, source, only, limit, started, days, taken)
    result.more = more
    return result


def _sale_held(booker: Booker, listed: Listed, source: Source, sink: Sink, taken: Mapping[tuple[int, str], str]) -> bool:
    """Whether the books hold the order's sale and it has no refund (a refund is looked at
    when shown); an order that cannot be booked is not held."""
    try:
        order = due.read_order(listed, source if booker.wants_categories else None)
        return not order.refund_ids and held_by_books(sink, due.sale(booker, order), taken) is not None
    except BookingError:
        return False


def preview_spec(spec: Spec | str | Path, options: PreviewOptions = PreviewOptions(), on_secret: Secrets | None = None) -> Preview:
    """What the spec (a loaded one, or its path) would post: from an orders file, or the
    next orders due in the shop with the administration's ids (the ledger read as a copy)."""
    spec = open_spec(spec, on_secret) if isinstance(spec, str | Path) else spec
    if options.orders_file:
        raw = read_orders_file(options.orders_file)
        refunds = read_refunds(options.refunds_file, raw)
        return offline(spec, raw, refunds, adapters.sink("offline", spec), options.order_ids, options.limit)
    with target(spec, options.sandbox, on_secret) as (spec, _box):
        woo, sink, ledger = parts(spec, read_only=True)
        try:
            shown = online(spec, woo, sink, ledger, options.order_ids, options.limit)
            preview_codes.named(shown.names, shown.documents)  # online: each document's codes beside Exact's ids
            return shown
        finally:
            ledger.close()


def preview_stream(spec: Spec, options: PreviewOptions) -> Iterator[tuple[int, Document | None, dict[str, Any]]]:
    """A preview of `options.orders_file` as it is read, event by event (`offline_stream`):
    100,000 orders never sit in memory."""
    return offline_stream(spec, str(options.orders_file), options.refunds_file, adapters.sink("offline", spec))
