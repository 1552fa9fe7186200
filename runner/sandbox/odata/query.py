"""OData v2 queries as Exact Online answers them (reference 4.3, 4.4): the system query
options of a request checked against an entity set, and collections cut into pages with an
absolute `__next`. Kept apart from odata.py, which holds the types and the values on the wire."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from runner.sandbox.odata.envelope import EntitySet, ODataError, render
from runner.sandbox.odata.filter import Predicate, compile_filter
from runner.sandbox.odata.filter_syntax import FilterError, compared_fields

PAGE_SIZE = 60
QUERY_OPTIONS = {"$filter", "$select", "$top", "$skip", "$skiptoken", "$orderby", "$expand", "$inlinecount"}


@dataclass
class Query:
    """The system query options of one request, parsed and checked against its entity set."""

    predicate: Predicate | None = None
    filter_fields: set[str] = field(default_factory=set)  # every field the filter names, inside functions too
    compared_fields: set[str] = field(default_factory=set)  # those compared as they are with a constant
    select: list[str] | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    top: int | None = None
    skip: int = 0
    skiptoken: str | None = None
    expand: list[str] = field(default_factory=list)
    inlinecount: bool = False


def parse_query(
    query: dict[str, list[str]], es: EntitySet, ci_fields: Iterable[str] = (), substringof: bool = True, blank_padded: bool = False
) -> Query:
    """The system query options of one request, checked against the entity set."""

    def arg(name: str) -> str | None:
        return query[name][-1] if name in query else None

    for name in query:
        if name.startswith("$") and name not in QUERY_OPTIONS:
            raise ODataError(400, f"The query parameter '{name}' begins with a system-reserved '$' character but is not recognized.")
    q = Query()
    if arg("$filter") is not None:
        try:
            q.predicate, q.filter_fields = compile_filter(
                arg("$filter"), es.kinds, es.type_name, ci_fields=ci_fields, substringof=substringof, blank_padded=blank_padded
            )
        except FilterError as exc:
            raise ODataError(400, str(exc)) from None
        q.compared_fields = compared_fields(arg("$filter"))
    if arg("$select") is not None:
        q.select = [s.strip() for s in arg("$select").split(",")]
        for name in q.select:
            if name not in es.fields and name not in es.children:
                raise ODataError(400, f"No property '{name}' exists in type '{es.type_name}'.")
    if arg("$expand") is not None:
        q.expand = [s.strip() for s in arg("$expand").split(",")]
        for name in q.expand:
            if name not in es.children:
                raise ODataError(400, f"No property '{name}' exists in type '{es.type_name}'.")
    for part in (arg("$orderby") or "").split(","):
        if part.strip():
            name, _, direction = part.strip().partition(" ")
            if name not in es.fields or direction.strip() not in ("", "asc", "desc"):
                raise ODataError(400, f"Invalid $orderby '{part.strip()}' for type '{es.type_name}'.")
            q.orderby.append((name, direction.strip() == "desc"))
    for name in ("$top", "$skip"):
        text = arg(name)
        if text is not None:
            if not text.isdigit():
                raise ODataError(400, f"Invalid value '{text}' for {name}: a non-negative integer is required.")
            setattr(q, name[1:], int(text))
    q.skiptoken = arg("$skiptoken")
    inline = arg("$inlinecount")
    if inline not in (None, "allpages", "none"):
        raise ODataError(400, f"Invalid value '{inline}' for $inlinecount.")
    q.inlinecount = inline == "allpages"
    return q


def _sort_key(value: Any) -> tuple:
    return (0,) if value is None else (1, value)


def collection(
    es: EntitySet,
    rows: Iterable[dict],
    q: Query,
    root: str,
    request_url: str,
    query: dict[str, list[str]],
    page_size: int = PAGE_SIZE,
    top_v1: bool = True,
) -> dict:
    """One page of `{"d": {"results": [...], "__next": absolute url}}`, ordered by key, then
    `$orderby`; the skiptoken is the last row's key, so paging is stable under inserts. With
    `top_v1`, a `$top` within the page size (so no `__next` can follow) and no `$inlinecount`
    needs no V2 feature, and WCF Data Services answers it in the V1 shape `{"d": [...]}`."""
    matched = [r for r in rows if q.predicate(r)] if q.predicate else list(rows)
    matched.sort(key=lambda r: r[es.key])
    for name, descending in reversed(q.orderby):
        matched.sort(key=lambda r: _sort_key(r.get(name)), reverse=descending)
    start = q.skip if q.skiptoken is None else _resume(es, matched, q)
    limit = page_size if q.top is None else min(q.top, page_size)
    page = matched[start : start + limit]
    d: dict[str, Any] = {"results": [render(es, r, root, q.select, q.expand) for r in page]}
    if q.inlinecount:
        d["__count"] = str(len(matched))
    left = None if q.top is None else q.top - len(page)
    if page and start + len(page) < len(matched) and (left is None or left > 0):
        params = [(k, v) for k, vs in query.items() if k not in ("$skiptoken", "$skip", "$top") for v in vs]
        if left is not None:
            params.append(("$top", str(left)))
        params.append(("$skiptoken", es.key_literal(page[-1][es.key])))
        d["__next"] = request_url + "?" + urlencode(params, quote_via=quote, safe="$'(),")
    if top_v1 and q.top is not None and q.top <= page_size and not q.inlinecount:
        return {"d": d["results"]}
    return {"d": d}


def _resume(es: EntitySet, matched: list[dict], q: Query) -> int:
    """Where the page after `$skiptoken` starts. Rows in the order of a numeric key (sync's
    Timestamp) go on after the token's value, so a row changed since the last page (it now has a
    higher key) comes again later instead of breaking the paging; other tokens must name a row."""
    token = q.skiptoken or ""
    if es.fields[es.key].kind in ("i", "l") and not q.orderby:
        m = re.fullmatch(r"(-?\d+)L?", token)
        if m is None:
            raise ODataError(400, f"Invalid $skiptoken '{token}'.")
        return bisect_right(matched, int(m[1]), key=lambda r: r[es.key])
    keys = [es.key_literal(r[es.key]) for r in matched]
    if token not in keys:
        raise ODataError(400, f"Invalid $skiptoken '{token}'.")
    return keys.index(token) + 1


def count(rows: Iterable[dict], q: Query) -> int:
    return sum(1 for r in rows if q.predicate is None or q.predicate(r))
