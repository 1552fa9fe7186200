"""WordPress REST plumbing for the WooCommerce simulator: PHP-style query parsing, the
JSON and error envelopes, argument validation (rest_invalid_param), the permission answer,
sorting and paging with X-WP-Total/X-WP-TotalPages/Link, and `_fields`. Shapes follow
WordPress core; see woo.py for the assumptions."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from runner.sandbox.host import Request, Response


@dataclass(frozen=True)
class ApiKey:
    """A REST API key: consumer key and secret, permission level, and the user it acts as."""

    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"  # read | write | read_write
    user_id: int = 1


Query = dict[str, Any]  # PHP's $_GET: str values, list values for `name[]` keys
JSON_HEADERS = {
    "Content-Type": "application/json; charset=UTF-8",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
    "Access-Control-Allow-Headers": "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
}
DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$")


def php_query(request: Request) -> Query:
    """The query as PHP parses it: the last value of a repeated key wins, `key[]` collects."""
    parsed: Query = {}
    for key, values in request.query.items():
        if key.endswith("[]"):
            parsed.setdefault(key[:-2], [])
            if isinstance(parsed[key[:-2]], list):
                parsed[key[:-2]].extend(values)
        else:
            parsed[key] = values[-1]
    return parsed


def wp_json(payload: Any) -> bytes:
    """wp_json_encode's bytes: slashes escaped as `\\/`, non-ASCII as `\\uXXXX`."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def respond(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, wp_json(payload), {**JSON_HEADERS, **(headers or {})})


def wp_error(status: int, code: str, message: str, headers: dict[str, str] | None = None, **data: Any) -> Response:
    """The WordPress error body: {"code", "message", "data": {"status", ...}}."""
    return respond(status, {"code": code, "message": message, "data": {"status": status, **data}}, headers)


def no_route() -> Response:
    return wp_error(404, "rest_no_route", "No route was found matching the URL and request method")


def wp_list(items: Sequence[str]) -> str:
    """wp_sprintf's %l: "a and b", "a, b, and c" (used in enum messages)."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


class Args:
    """Validates request arguments as WordPress does before a handler runs; every problem is
    collected so one 400 names them all (rest_invalid_param with data.params and details)."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.params: dict[str, str] = {}
        self.details: dict[str, dict[str, Any]] = {}

    def _bad(self, name: str, code: str, message: str) -> None:
        self.params.setdefault(name, message)
        self.details.setdefault(name, {"code": code, "message": message, "data": None})

    def integer(self, name: str, default: int | None, minimum: int | None = None, maximum: int | None = None) -> int | None:
        value = self.query.get(name)
        if value is None or value == "" and default is not None:
            return default
        if isinstance(value, list) or not re.fullmatch(r"-?\d+", str(value).strip()):
            self._bad(name, "rest_invalid_type", f"{name} is not of type integer.")
            return default
        number = int(value)
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            self._bad(name, "rest_out_of_bounds", f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)")
        elif minimum is not None and number < minimum:
            self._bad(name, "rest_out_of_bounds", f"{name} must be greater than or equal to {minimum}")
        return number

    def enum(self, name: str, options: Sequence[str], default: str) -> str:
        value = self.query.get(name, default)
        if isinstance(value, list) or value not in options:
            self._bad(name, "rest_not_in_enum", f"{name} is not one of {wp_list(options)}.")
            return default
        return value

    def listing(self, name: str, options: Sequence[str] | None = None, integers: bool = False) -> list[Any] | None:
        """An array argument: `name[]=a&name[]=b` or `name=a,b` (wp_parse_list)."""
        value = self.query.get(name)
        if value is None:
            return None
        items = value if isinstance(value, list) else [v for v in re.split(r"[\s,]+", value) if v]
        for n, item in enumerate(items):
            if integers and not re.fullmatch(r"\d+", item):
                self._bad(name, "rest_invalid_type", f"{name}[{n}] is not of type integer.")
            elif options is not None and item not in options:
                self._bad(name, "rest_not_in_enum", f"{name}[{n}] is not one of {wp_list(options)}.")
        return [int(i) for i in items if re.fullmatch(r"\d+", i)] if integers else items

    def date(self, name: str) -> str | None:
        """An ISO 8601 date-time; the result drops any offset (WooCommerce does not honour it)."""
        value = self.query.get(name)
        if value is None:
            return None
        match = DATE_TIME.match(str(value))
        if not match:
            self._bad(name, "rest_invalid_date", "Invalid date.")
            return None
        return f"{match.group(1)}T{match.group(2)}"

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.query.get(name)
        if value is None:
            return default
        if str(value).lower() in ("1", "true", "yes"):
            return True
        if str(value).lower() in ("0", "false", "no", ""):
            return False
        self._bad(name, "rest_invalid_type", f"{name} is not of type boolean.")
        return default

    def error(self) -> Response | None:
        if not self.params:
            return None
        return wp_error(400, "rest_invalid_param", f"Invalid parameter(s): {', '.join(self.params)}", params=self.params, details=self.details)


def page_of(
    request: Request, query: Query, items: list[Any], page: int, per_page: int, offset: int | None, render: Callable[[Any], Any], route: str
) -> Response:
    """One page of a collection with X-WP-Total, X-WP-TotalPages and a prev/next Link header
    (absolute URLs keeping the request's query, only `page` changed). Past the end: []."""
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    start = max(0, offset) if offset is not None else (page - 1) * per_page
    body = [render(item) for item in items[start : start + per_page]]
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = []
    base = f"{request.base_url}/wp-json{route}"
    if page > 1:
        links.append(f'<{_with_page(base, query, min(page - 1, pages))}>; rel="prev"')
    if pages > page:
        links.append(f'<{_with_page(base, query, page + 1)}>; rel="next"')
    if links:
        headers["Link"] = ", ".join(links)
    return respond(200, body, headers)


def _with_page(base: str, query: Query, page: int) -> str:
    """add_query_arg over urlencode_deep'ed params: arrays as key%5B0%5D=…, page replaced."""
    pairs: list[str] = []
    merged = {**query, "page": str(page)} if "page" in query else {**query}
    for key, value in merged.items():
        if isinstance(value, list):
            pairs += [f"{key}%5B{n}%5D={quote_plus(v)}" for n, v in enumerate(value)]
        else:
            pairs.append(f"{key}={quote_plus(str(value))}")
    if "page" not in query:
        pairs.append(f"page={page}")
    return f"{base}?{'&'.join(pairs)}"


def only_fields(item: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """`_fields=a,b.c`: keep the named top-level keys (and dotted keys of nested objects)."""
    if not fields:
        return item
    kept: dict[str, Any] = {}
    for key, value in item.items():
        nested = [f.split(".", 1)[1] for f in fields if f.startswith(key + ".")]
        if key in fields:
            kept[key] = value
        elif nested and isinstance(value, dict):
            kept[key] = only_fields(value, nested)
    return kept


@dataclass(frozen=True)
class Listing:
    """The arguments every collection shares."""

    page: int
    per_page: int
    offset: int | None
    order: str
    orderby: str
    include: list[int] | None
    exclude: list[int] | None
    fields: list[str] | None


def listing(a: Args, orderby: Sequence[str], default_orderby: str, default_order: str) -> Listing:
    return Listing(
        page=a.integer("page", 1, minimum=1) or 1,
        per_page=a.integer("per_page", 10, 1, 100) or 10,
        offset=a.integer("offset", None),
        order=a.enum("order", ("asc", "desc"), default_order),
        orderby=a.enum("orderby", orderby, default_orderby),
        include=a.listing("include", integers=True),
        exclude=a.listing("exclude", integers=True),
        fields=a.listing("_fields"),
    )


def denied(key: ApiKey | None, one: bool) -> Response | None:
    """The permission callback: without a user WordPress answers 401 cannot_view."""
    if key is not None:
        return None
    message = "Sorry, you cannot view this resource." if one else "Sorry, you cannot list resources."
    return wp_error(401, "woocommerce_rest_cannot_view", message)


def serve(
    request: Request,
    query: Query,
    items: list[dict[str, Any]],
    opts: Listing,
    keys: dict[str, Callable],
    route: str,
    render: Callable[[dict[str, Any]], dict[str, Any]] = lambda i: i,
    tiebreak: Callable[[dict[str, Any]], Any] = lambda i: i["id"],
) -> Response:
    """Filter by include/exclude, sort (id as tie-break), and answer one page."""
    if opts.include is not None:
        items = [i for i in items if i["id"] in opts.include]
    if opts.exclude:
        items = [i for i in items if i["id"] not in opts.exclude]
    if opts.orderby == "include" and opts.include:
        items = sorted(items, key=lambda i: opts.include.index(i["id"]))  # type: ignore[union-attr]
    else:
        sort_key = keys.get(opts.orderby, keys["id"])
        items = sorted(items, key=lambda i: (sort_key(i), tiebreak(i)), reverse=opts.order == "desc")
    return page_of(request, query, items, opts.page, opts.per_page, opts.offset, lambda i: only_fields(render(i), opts.fields), route)


def single(key: ApiKey | None, query: Query, found: list[dict[str, Any]], code: str, message: str) -> Response:
    a = Args(query)
    fields = a.listing("_fields")
    if (problem := a.error() or denied(key, True)) is not None:
        return problem
    if not found:
        return wp_error(404, code, message)
    return respond(200, only_fields(found[0], fields))
