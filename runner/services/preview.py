"""Preview: what a spec would post, without posting. Offline from an orders file (codes
stand in for GUIDs), or online from the shop with the administration's real ids, read-only.
Both take the orders, the verdicts and the documents from runner/pipeline/due.py, as a run does."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from runner.adapters.woo import orders_file
from runner.domain import daily_split
from runner.domain.booking import Booker, Document
from runner.domain.listed import Listed, ListedRefund
from runner.domain.model import Order
from runner.errors import BookingError, SpecError
from runner.pipeline import due, exactly_once
from runner.pipeline.ports import Posting, Sink, Source
from runner.services.preview_days import DayPreview

ONLINE_LIMIT = 25  # an online preview without --limit shows the next 25 due orders


@dataclass
class Preview:
    items: list[dict[str, Any]] = field(default_factory=list)
    documents: list[tuple[Document, dict[str, Any]]] = field(default_factory=list)  # daily_summary: the summaries
    members: list[dict[str, Any]] = field(default_factory=list)  # daily_summary: each order's document, naming its summary
    failures: dict[int, str] = field(default_factory=dict)
    summary_failures: dict[str, str] = field(default_factory=dict)  # daily_summary: a day whose summary cannot be made
    skipped: dict[int, str] = field(default_factory=dict)  # order id -> why it is not booked
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # ("gl" | "vat", code) -> the books' description
    more: int = 0  # online: orders due beyond the limit, not shown


def preview(
    spec,
    raw_orders: Iterable[Listed],
    sink: Sink,
    refunds_of: Callable[[Order], Sequence[ListedRefund]],
    window: due.Window,
    source: Source | None = None,
    only: Sequence[int] = (),
    limit: int | None = None,
    started: Callable[[int], bool] = lambda order_id: False,
    days: DayPreview | None = None,
    taken: Callable[[int], set[str]] = lambda order_id: set(),
) -> Preview:
    """What would be posted, one element per document (DESIGN.md section 7), and one per
    order that gives none: `{"order", "skipped": why}` or `{"order", "error": message}`, so
    whoever reads the JSON sees every order looked at. The orders the window makes due go
    through `due.plans` and the sink's own requests, as in a run. With booking.mode
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


def events(
    spec,
    raw_orders: Iterable[Listed],
    sink: Sink,
    refunds_of: Callable[[Order], Sequence[ListedRefund]],
    window: due.Window,
    source: Source | None = None,
    only: Sequence[int] = (),
    limit: int | None = None,
    started: Callable[[int], bool] = lambda order_id: False,
    days: DayPreview | None = None,
    taken: Callable[[int], set[str]] = lambda order_id: set(),
) -> Iterator[tuple[int, Document | None, dict[str, Any]]]:
    """The preview as it is made, order by order in the order given: (order id, document,
    item) per document, (order id, None, {"order", "skipped" | "error"}) per order without.
    booking.mode daily_summary: (order id, None, item naming its summary) per document, then
    (0, summary, item) per day summary at the end. A document the books hold (the sink's
    `find`, as a run asks it; `taken`: the ids the ledger holds for the order's other
    documents) is (order id, None, {"order", "skipped": "already in Exact (...)"})."""
    booker, wanted, seen, shown = Booker(spec), set(only), set(), 0
    if days is None and spec.booking.mode == "daily_summary":
        days = DayPreview(spec, sink)
    for listed in raw_orders:
        order_id = listed.rank
        if wanted:  # only then kept: a streamed preview of 100,000 orders keeps no id
            if order_id not in wanted:
                continue
            seen.add(order_id)
        if (why := window.verdict(listed, started(order_id))) is not None:
            yield order_id, None, {"order": order_id, "skipped": why}
            continue
        if limit is not None and shown >= limit:
            break
        shown += 1
        refused: list[tuple[int, BookingError]] = []  # refunds that fail alone: the order's other documents are shown
        try:
            order = due.read_order(listed, source if booker.wants_categories else None)
            every = due.plans(booker, order, refunds_of(order), refused)
            planned = [p for p in every if window.includes(p.document) or started(order_id)]
            items = [_item(sink, p, days, taken(order_id), order) for p in planned]
        except BookingError as exc:  # with what to do, as a run says it
            said = f"{exc.message}; what to do: {exc.hint}" if exc.hint else exc.message
            yield order_id, None, {"order": order_id, "error": said}
            continue
        if not items:
            yield order_id, None, {"order": order_id, "skipped": window.why_not(every[0].document)}
        for document, item in items:
            yield order_id, None if (days and "summary" in item) or "skipped" in item else document, item
        for refund_id, exc in refused:
            said = f"{exc.message}; what to do: {exc.hint}" if exc.hint else exc.message
            yield order_id, None, {"order": order_id, "refund": refund_id, "error": said}
    for order_id in sorted(wanted - seen):
        yield order_id, None, {"order": order_id, "skipped": "not found"}
    if days:
        for summary, item in days.summaries():
            yield 0, summary, item


def code_names(sink: Sink, documents: Iterable[Document]) -> dict[tuple[str, str], str]:
    """The GL accounts and VAT codes the documents use, with the books' description of each,
    so a consultant reads `8000 Omzet hoog tarief` where Exact's payload holds a GUID."""
    names: dict[tuple[str, str], str] = {}
    for doc in documents:
        for line in (*doc.lines, *((doc.closing,) if doc.closing else ())):
            for key in (("gl", line.gl_account), ("vat", line.vat_code)):
                if key not in names:
                    names[key] = sink.describe(*key)
    return names


def _item(
    sink: Sink, planned: due.Planned, days: DayPreview | None = None, taken: set[str] | None = None, order=None
) -> tuple[Document, dict[str, Any]]:
    doc, plan = planned.document, planned.customer
    home = days.spec.woocommerce.country if days is not None else ""
    if days is not None and order is not None and daily_split.per_order(order, plan.context, home, doc.lines):
        plan, days = replace(plan, collective=""), None  # reverse charge: per order, on the customer's own account
    if days is None and (held := held_by_books(sink, planned, taken or set())):
        return doc, {"order": doc.order_id, **({"refund": doc.refund_id} if doc.refund_id is not None else {}), "skipped": held}
    problems = sink.problems(doc, planned.payment)
    if problems:
        raise BookingError("; ".join(problems))
    if days is not None:  # summed into its day: the order's item names the summary
        if not plan.collective:
            raise BookingError(
                f"order {doc.order_number}: customers.collective gives no account, and a daily summary is booked on one",
                'make customers.collective name the collective account for every order (e.g. "999")',
            )
        return doc, days.add(planned, daily_split.country(order, home) if order is not None else "")
    account = sink.customer(plan) or f"<new account {plan.email}>"
    posting = Posting(doc, plan, account, planned.payment)
    requests = exactly_once.requests(sink, posting)  # the steps as a run takes them
    item: dict[str, Any] = {"order": doc.order_id}
    if doc.refund_id is not None:
        item["refund"] = doc.refund_id
    item.update(
        {
            **requests["document"],
            "customer": {"collective": plan.collective} if plan.collective else {"match": {"email": plan.email}, "create_if_missing": plan.account},
            "payment": requests.get("payment"),
            "warnings": list(doc.warnings),
        }
    )
    return doc, item


def held_by_books(sink: Sink, planned: due.Planned, taken: set[str]) -> str | None:
    """ "already in Exact (entry 70/26700012)" when the books hold the document, asked as a run
    asks them (the sink's `find` on its index, read in bulk: no call per order); else None."""
    doc = planned.document
    found = sink.find("document", Posting(doc, planned.customer, ""), {}, taken)
    if found is None:
        return None
    kind = "invoice" if doc.target == "sales_invoice" else "entry"
    number = found.get("number")
    return f"already in Exact ({kind} {doc.journal}/{number})" if number is not None else f"already in Exact ({kind} {found.get('ref')})"


def offline(spec, raw_orders: list[dict], refunds: Mapping[int, Sequence[ListedRefund]], sink: Sink, only=(), limit=None) -> Preview:
    """An orders file through the spec's window, with the refunds given per order."""
    window = due.Window.of(spec.orders.statuses, spec.orders.since, timezone=spec.timezone)
    return preview(spec, orders_file.listed(raw_orders), sink, lambda order: refunds.get(order.id, ()), window, only=only, limit=limit)


def offline_stream(spec, path: str, refunds_path: str | None, sink: Sink) -> Iterator[tuple[int, Document | None, dict[str, Any]]]:
    """An orders file as it is read (runner/adapters/woo/orders_file.py): each order's events as soon as
    they are made, in the file's order; refunds from the refunds file or the order itself."""
    window = due.Window.of(spec.orders.statuses, spec.orders.since, timezone=spec.timezone)
    given = read_refunds(refunds_path, [])
    orders = orders_file.listed(orders_file.stream(path, read_orders_file))
    embedded: dict[int, list[ListedRefund]] = {}

    def remembered() -> Iterator[Listed]:
        for listed in orders:
            embedded.clear()  # the order before was done with its refunds (or skipped)
            full = listed.refunds()
            if full:
                embedded[listed.rank] = full
            yield listed

    return events(spec, remembered(), sink, lambda order: given.get(order.id) or embedded.pop(order.id, ()), window)


def online(spec, source: Source, sink: Sink, ledger, only: Sequence[int] = (), limit: int | None = None) -> Preview:
    """The next orders a run would book, listed as a run lists them, with the ids of the
    books; orders the ledger holds as booked are left out, and those the books hold (a lost
    ledger, another machine's run) are shown as already in Exact, as a run finds them, without
    counting against the limit. Past the limit the rest are counted (`Preview.more`) by their
    sale, against the same bulk index: no call per order."""
    window = due.Window.of(spec.orders.statuses, due.start(ledger, spec.orders.since), timezone=spec.timezone)
    sink.open()  # as a run: the account index up to date (reads only; a preview's ledger is a copy), so a collective account is known
    started = lambda order_id: ledger.step(order_id, None, "document") is not None  # noqa: E731
    taken = lambda order_id: {s["ref"] for s in ledger.order_steps(order_id) if s.get("ref")}  # noqa: E731
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


def _sale_held(booker: Booker, listed: Listed, source: Source, sink: Sink, taken: set[str]) -> bool:
    """Whether the books hold the order's sale and it has no refund (a refund is looked at
    when shown); an order that cannot be booked is not held."""
    try:
        order = due.read_order(listed, source if booker.wants_categories else None)
        return not order.refund_ids and held_by_books(sink, due.sale(booker, order), taken) is not None
    except BookingError:
        return False


def _read_json_or_yaml(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {what} {path}: {exc.strerror}", "check the path") from None
    try:
        return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"{what} {path} is not valid JSON or YAML: {exc}", f"pass the {what} in the REST API's shape") from None


def read_orders_file(path: str) -> list[dict]:
    data = _read_json_or_yaml(path, "orders file")
    if isinstance(data, dict) and "id" in data:
        data = [data]
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise SpecError(f"orders file {path} must hold a list of orders as GET /wc/v3/orders returns them", "export the orders from the REST API")
    return data


def read_refunds(path: str | None, orders: list[dict]) -> dict[int, list[ListedRefund]]:
    """Refunds per order: from a refunds file ({order id: [refund, ...]}) or, when the
    orders embed full refund objects, from the orders themselves."""
    refunds = {listed.rank: full for listed in orders_file.listed(orders) if (full := listed.refunds())}
    if path:
        data = _read_json_or_yaml(path, "refunds file")
        if not isinstance(data, dict):
            raise SpecError(f"refunds file {path} must map order ids to lists of refunds", "see tests/data/woo-sample-refunds.json")
        refunds.update({int(k): orders_file.refunds(v) for k, v in data.items()})
    return refunds
