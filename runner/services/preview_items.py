"""A preview's items, order by order: the orders a window makes due go through
runner/pipeline/due.py as in a run, and each document through the run's own exactly-once
pipeline against the dry sink (runner/services/rehearsal.py); a document the books hold
already is shown as such (the sink's `find`, as a run asks it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from runner.domain import daily_split
from runner.domain.booking import Booker, Document
from runner.domain.listed import Listed, ListedRefund
from runner.domain.model import Order
from runner.errors import BookingError
from runner.pipeline import due
from runner.pipeline.ports import Posting, Sink, Source
from runner.services.preview_days import DayPreview
from runner.services.rehearsal import rehearse
from runner.spec.model import Spec


def events(
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
) -> Iterator[tuple[int, Document | None, dict[str, Any]]]:
    """The preview as it is made, order by order in the order given: (order id, document,
    item) per document, (order id, None, {"order", "skipped" | "error"}) per order without.
    booking.mode daily_summary: (order id, None, item naming its summary) per document, then
    (0, summary, item) per day summary at the end. A document the books hold (the sink's
    `find`, as a run asks it; `taken`: the ids the ledger holds for the order's documents,
    by (refund, step)) is (order id, None, {"order", "skipped": "already in Exact (...)"})."""
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
    sink: Sink, planned: due.Planned, days: DayPreview | None = None, taken: Mapping[tuple[int, str], str] | None = None, order=None
) -> tuple[Document, dict[str, Any]]:
    doc, plan = planned.document, planned.customer
    home = days.spec.woocommerce.country if days is not None else ""
    if days is not None and order is not None and daily_split.per_order(order, plan.context, home, doc.lines):
        plan, days = replace(plan, collective=""), None  # reverse charge: per order, on the customer's own account
    if days is None and (held := held_by_books(sink, planned, taken or {})):
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
    requests = rehearse(sink, Posting(doc, plan, account, planned.payment))  # the steps as a run takes them
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


def held_by_books(sink: Sink, planned: due.Planned, taken: Mapping[tuple[int, str], str]) -> str | None:
    """ "already in Exact (entry 70/26700012)" when the books hold the document, asked as a run
    asks them (the sink's `find` on its index, read in bulk: no call per order); else None.
    The ids the ledger holds for the order's other documents are not this one; its own id is
    (an order the ledger holds as booked, previewed with --order, shows as in Exact)."""
    doc = planned.document
    others = {ref for key, ref in taken.items() if key != (doc.refund_id or 0, "document")}
    found = sink.find("document", Posting(doc, planned.customer, ""), {}, others)
    if found is None:
        return None
    kind = "invoice" if doc.target == "sales_invoice" else "entry"
    number = found.get("number")
    return f"already in Exact ({kind} {doc.journal}/{number})" if number is not None else f"already in Exact ({kind} {found.get('ref')})"
