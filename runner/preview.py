"""Preview: what a spec would post, without posting. Offline from an orders file (codes
stand in for GUIDs), or online from the shop with the administration's real ids, read-only."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from runner.core.booking import Booker, Document
from runner.core.model import Order, parse_order, parse_refund, reached_trigger
from runner.errors import BookingError, SpecError
from runner.exact.payloads import Ids, customer_preview, document_payload, master_data_problems, payment_payload

ONLINE_LIMIT = 25  # an online preview without --limit shows the next 25 due orders


@dataclass
class Selection:
    orders: list[Order]
    skipped: dict[int, str] = field(default_factory=dict)  # order id -> why it is not booked


def select(raw_orders: Iterable[Mapping[str, Any]], spec, only: Sequence[int] = (), limit: int | None = None) -> tuple[Selection, dict[int, str]]:
    """The orders the spec books: a trigger status, created on or after orders.since."""
    orders_cfg = spec.section("orders")
    statuses, since = set(orders_cfg["statuses"]), orders_cfg.get("since")
    wanted = set(only)
    selection, failures = Selection([]), {}
    for raw in sorted(raw_orders, key=lambda o: int(o.get("id") or 0)):
        order_id = int(raw.get("id") or 0)
        if wanted and order_id not in wanted:
            continue
        if not reached_trigger(raw, statuses):
            selection.skipped[order_id] = f"status '{raw.get('status')}' is not one of orders.statuses ({', '.join(sorted(statuses))})"
            continue
        if since and (raw.get("date_created") or "")[:10] < since:
            selection.skipped[order_id] = f"created {str(raw.get('date_created'))[:10]}, before orders.since ({since})"
            continue
        if limit is not None and len(selection.orders) >= limit:
            break
        try:
            selection.orders.append(parse_order(raw))
        except BookingError as exc:
            failures[order_id] = exc.message
    for order_id in wanted - {o.id for o in selection.orders} - set(selection.skipped) - set(failures):
        selection.skipped[order_id] = "not found"
    return selection, failures


@dataclass
class Preview:
    items: list[dict[str, Any]] = field(default_factory=list)
    documents: list[tuple[Document, dict[str, Any]]] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)


def preview(spec, selection: Selection, refunds: Mapping[int, Sequence[Mapping[str, Any]]], ids_for=None, check=None) -> Preview:
    """What would be posted, one element per document (DESIGN.md section 7). `ids_for`
    gives the administration's ids for an order; offline, codes stand in for them."""
    booker = Booker(spec)
    result = Preview(skipped=dict(selection.skipped))
    for order in selection.orders:
        try:
            customer = booker.customer(order)
            ids = ids_for(order, customer) if ids_for else Ids(customer=f"<account {customer.collective or customer.email}>")
            docs = [booker.book_order(order)]
            docs += [booker.book_refund(order, parse_refund(r, order)) for r in refunds.get(order.id, ())]
            items = []
            for doc in docs:
                endpoint, payload = document_payload(doc, ids)
                payment = booker.payment(order, doc)
                problems = check(doc, payment) if check else []
                if problems:
                    raise BookingError("; ".join(problems))
                item = {"order": order.id}
                if doc.refund_id is not None:
                    item["refund"] = doc.refund_id
                item.update(
                    {
                        "endpoint": endpoint,
                        "payload": payload,
                        "customer": customer_preview(customer),
                        "payment": _payment(payment, ids),
                        "warnings": list(doc.warnings),
                    }
                )
                items.append((doc, item))
        except BookingError as exc:
            result.failures[order.id] = exc.message
            continue
        for doc, item in items:
            result.items.append(item)
            result.documents.append((doc, item))
    return result


def _payment(plan, ids: Ids) -> dict[str, Any] | None:
    if plan is None:
        return None
    endpoint, payload = payment_payload(plan, ids)
    return {"endpoint": endpoint, "payload": payload}


def online(spec, woo, sink, ledger, only: Sequence[int] = (), limit: int | None = None) -> Preview:
    """The next orders a run would book, read from the shop, with GUIDs from Exact; orders
    the ledger holds as booked are left out."""
    orders_cfg = spec.section("orders")
    if only:
        raw = [woo.order(order_id) for order_id in only]
    else:
        start = orders_cfg.get("since")
        due = (
            o
            for o in woo.orders(sorted(set(orders_cfg["statuses"]) | {"refunded"}), created_after=f"{start}T00:00:00" if start else None)
            if (ledger.step(o["id"], None, "document") or {}).get("state") != "done"
        )
        raw = list(islice(due, limit or ONLINE_LIMIT))
    selection, failures = select(raw, spec, only, limit)
    refunds = {o.id: woo.refunds(o.id) for o in selection.orders if o.refund_ids}
    admin = sink.admin()

    def ids_for(order: Order, customer) -> Ids:
        known = ledger.customer(f"code:{customer.collective}" if customer.collective else customer.email)
        account = known["id"] if known else f"<new account {customer.email}>"
        return Ids(customer=account, gl=admin.gl_ids, cash_journals=admin.cash_journals)

    result = preview(spec, selection, refunds, ids_for, lambda doc, pay: master_data_problems(doc, admin.master, pay))
    result.failures.update(failures)
    return result


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


def read_refunds(path: str | None, orders: list[dict]) -> dict[int, list[dict]]:
    """Refunds per order: from a refunds file ({order id: [refund, ...]}) or, when the
    orders embed full refund objects, from the orders themselves."""
    refunds: dict[int, list[dict]] = {}
    for order in orders:
        full = [r for r in order.get("refunds") or [] if isinstance(r, dict) and "amount" in r]
        if full:
            refunds[int(order["id"])] = full
    if path:
        data = _read_json_or_yaml(path, "refunds file")
        if not isinstance(data, dict):
            raise SpecError(f"refunds file {path} must map order ids to lists of refunds", "see tests/data/woo-sample-refunds.json")
        refunds.update({int(k): list(v) for k, v in data.items()})
    return refunds
