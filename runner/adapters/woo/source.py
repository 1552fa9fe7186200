"""Reading the shop: orders (100 a page, ordered by id, since date order drifts while
paging), refunds, products and their categories, over the WooCommerce REST API wc/v3.

Basic auth over https (query-string keys as an option, for hosts that strip the
Authorization header); plain http only to a loopback address, which the schema enforces."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx

from runner.errors import ServiceError, SpecError
from runner.support.http import BadJson, TooSlow, fetch, is_json, json_body, make_client, pause, why
from runner.support.redact import safe_url

PER_PAGE = 100
OVERLAP_ROWS = 5  # rows each page shares with the last, to notice a list that shifted
MAX_STEPS_BACK = 20  # a list that keeps shifting is read on after this many steps back
MAX_STALLS = 3  # full pages in a row with nothing new: the shop repeats itself, paging ends
MAX_WAIT = 300  # seconds of Retry-After the runner waits out; longer: stop, the next run resumes


class WooCommerce:
    def __init__(
        self,
        url: str,
        key: str,
        secret: str,
        *,
        query_string_auth: bool = False,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = pause,
    ) -> None:
        self.api = url.rstrip("/") + "/wp-json/wc/v3/"
        self.auth_params = {"consumer_key": key, "consumer_secret": secret} if query_string_auth else {}
        auth = None if query_string_auth else httpx.BasicAuth(key, secret)
        self.http = make_client(transport=transport, timeout=timeout, auth=auth, headers={"Accept": "application/json"})
        self.deadline = 2 * timeout  # a whole answer, however it trickles
        self.sleep = sleep
        self.calls = 0
        self.listed: int | None = None
        self.name = url.rstrip("/")
        self._categories: dict[int, tuple[str, ...]] = {}

    def close(self) -> None:
        self.http.close()

    def _get(self, path: str, params: dict[str, Any] | None = None, optional: bool = False) -> httpx.Response | None:
        """One GET, with a few patient retries for what busy shared hosts do (429, 503,
        a captcha page): the shop is read-only to us, so retrying is always safe.
        `optional`: a route the shop may not have (an older WooCommerce) gives None."""
        url = self.api + path
        for attempt in range(4):
            self.calls += 1
            try:
                response = fetch(self.http, "GET", url, deadline=self.deadline, params={**(params or {}), **self.auth_params})
            except httpx.HTTPError as exc:
                if attempt == 3 or isinstance(exc, (httpx.DecodingError, TooSlow)):
                    raise ServiceError(
                        f"cannot reach the shop at {safe_url(self.api)} ({why(exc)})",
                        "check woocommerce.url, the network and the shop's host; nothing was booked from this run",
                    ) from None
                self.sleep(2**attempt)
                continue
            if response.status_code in (200,) and is_json(response):
                return response
            if response.status_code in (401, 403):
                raise SpecError(
                    f"the shop refused the API key ({_wp_error(response)})",
                    "check WOO_CONSUMER_KEY / WOO_CONSUMER_SECRET (WooCommerce > Settings > Advanced > REST API, read access)",
                )
            if response.status_code == 404 and _wp_code(response) == "rest_no_route":
                if optional:
                    return None
                raise SpecError(
                    f"no WooCommerce REST API at {safe_url(self.api)}",
                    "check woocommerce.url: it is the store root, and WooCommerce must have pretty permalinks",
                )
            if response.status_code == 404:
                raise ServiceError(f"the shop says {path} does not exist ({_wp_error(response)})", "check the order id", status=404)
            if 400 <= response.status_code < 500 and response.status_code != 429 and is_json(response):
                raise ServiceError(  # the shop's own words: retrying the same question gets the same answer
                    f"the shop refused GET {path} (HTTP {response.status_code} {_wp_error(response)})",
                    "fix what the shop names (a status or a date in the spec?)",
                    status=response.status_code,
                )
            if attempt == 3:
                what = f"HTTP {response.status_code}" + ("" if is_json(response) else " with a web page instead of JSON")
                raise ServiceError(
                    f"the shop kept answering {what} for {path}",
                    "the host may be throttling or showing a captcha; try again later",
                    status=response.status_code,
                )
            self.sleep(self._wait(response, attempt))
        raise AssertionError("unreachable")

    def about(self) -> dict[str, str]:
        """What the shop says of itself: the home address and site name of its WordPress
        index (GET /wp-json/, public). A shop that hides its index is asked for one order
        with the keys instead (its description then empty). Either way the shop has
        answered; when it does not, this raises, as every other question to it does."""
        index = self.api[: -len("wc/v3/")]
        self.calls += 1
        try:
            response = fetch(self.http, "GET", index, deadline=self.deadline, params=self.auth_params)
        except httpx.HTTPError as exc:
            raise ServiceError(
                f"cannot reach the shop at {safe_url(self.api)} ({why(exc)})",  # as every other question to it says
                "check woocommerce.url, the network and the shop's host; nothing was booked from this run",
            ) from None
        try:
            body = json_body(response) if response.status_code == 200 and is_json(response) else None
        except BadJson:
            body = None
        if isinstance(body, dict) and "wc/v3" in (body.get("namespaces") or ()):
            return {"home": str(body.get("home") or body.get("url") or ""), "name": str(body.get("name") or "")}
        self._get("orders", {"per_page": 1, "_fields": "id"})
        return {"home": "", "name": ""}

    def _wait(self, response: httpx.Response, attempt: int) -> float:
        """Retry-After when the shop says it (in seconds), within MAX_WAIT; beyond that the
        run stops and the next one asks again."""
        retry_after = response.headers.get("retry-after", "").strip()
        if not retry_after.isdigit():
            return 2**attempt
        if int(retry_after) > MAX_WAIT:
            raise ServiceError(
                f"the shop asks to wait {int(retry_after)} s before asking again (HTTP {response.status_code})",
                "nothing was lost: this run stopped, and a later run carries on",
            )
        return float(retry_after)

    def _pages(self, path: str, params: dict[str, Any], optional: bool = False) -> Iterator[dict] | None:
        """Every row of a list, each once, safe against a list that changes while it is
        read: pages are asked by offset, each overlapping the last by OVERLAP rows. When
        rows vanished meanwhile (an order trashed between two pages) the rest shifts
        forward; a page that shares no row with what was read may have skipped some, so the
        walk steps back a page and reads on from there."""
        first = self._get(path, {**params, "per_page": PER_PAGE, "offset": 0}, optional)
        if first is not None and path == "orders":
            total = first.headers.get("x-wp-total", "")
            self.listed = int(total) if total.isdigit() else None  # for progress only: the walk never trusts it
        return None if first is None else self._walk(path, params, first)

    def _walk(self, path: str, params: dict[str, Any], response: httpx.Response) -> Iterator[dict]:
        seen: set[Any] = set()
        offset, stepped_back, stalls = 0, 0, 0
        while True:
            rows = _rows(response, path, offset)
            fresh = [row for row in rows if row.get("id") not in seen]
            if offset and rows and len(fresh) == len(rows) and stepped_back < MAX_STEPS_BACK:
                offset, stepped_back = max(0, offset - PER_PAGE), stepped_back + 1  # no overlap: a gap is possible
            else:
                yield from fresh
                seen.update(row.get("id") for row in rows)
                stalls = stalls + 1 if rows and not fresh else 0
                if len(rows) < PER_PAGE:
                    return
                if stalls >= MAX_STALLS:  # the shop ignores the offset and repeats rows: a page count cannot be trusted
                    raise ServiceError(
                        f"the shop answered the same {path} again for {MAX_STALLS} pages from offset {offset}: its paging is broken",
                        "a caching plugin or proxy may ignore the offset parameter; exclude /wp-json/ from caching",
                    )
                offset += len(rows) - OVERLAP_ROWS
            response = self._get(path, {**params, "per_page": PER_PAGE, "offset": offset})

    def orders(self, statuses: list[str] | None = None, created_after: str | None = None, modified_after_gmt: str | None = None) -> Iterator[dict]:
        """Orders by ascending id. `created_after` is shop-local (as date_created);
        `modified_after_gmt` is UTC, which the API takes with dates_are_gmt."""
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if statuses:
            params["status"] = ",".join(statuses)
        if created_after:
            params["after"] = created_after
        if modified_after_gmt:
            params.update({"modified_after": modified_after_gmt, "dates_are_gmt": "true"})
        self.listed = None
        yield from self._pages("orders", params)  # each once, none lost to a page shift

    def order(self, order_id: int) -> dict:
        order = _json(self._get(f"orders/{order_id}"), f"orders/{order_id}")
        if not isinstance(order, dict):
            raise ServiceError(
                f"the shop's answer for order {order_id} is not an order: {_sample(order)}", "look at the order in WooCommerce", status=200
            )
        return order

    def refunds_after(self, after_gmt: str | None) -> Iterator[dict] | None:
        """Refunds of every order created after `after_gmt` (UTC), by ascending id, from the
        store-wide list (WooCommerce 9.0+); None when the shop has no such list."""
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if after_gmt:
            params.update({"after": after_gmt, "dates_are_gmt": "true"})
        return self._pages("refunds", params, optional=True)

    def refunds(self, order_id: int) -> list[dict]:
        return _rows(self._get(f"orders/{order_id}/refunds", {"per_page": PER_PAGE}), f"orders/{order_id}/refunds", 0, status=200)

    def categories(self, product_id: int) -> tuple[str, ...]:
        """Category names of a product, read once per product per run."""
        if product_id and product_id not in self._categories:
            try:
                product = _json(self._get(f"products/{product_id}"), f"products/{product_id}")
                listed = product.get("categories") if isinstance(product, dict) else None
                self._categories[product_id] = tuple(str(c.get("name", "")) for c in listed or [] if isinstance(c, dict))
            except ServiceError as exc:
                if exc.status != 404:
                    raise
                self._categories[product_id] = ()  # a deleted product: no categories
        return self._categories.get(product_id, ())

    def taxes(self) -> list[dict]:
        """The shop's tax rates (WooCommerce > Settings > Tax): what its lines can carry."""
        return list(self._pages("taxes", {}))

    def products(self, modified_after: str | None = None) -> Iterator[dict]:
        """Every product, with the variations of variable products as their own entries: named
        as WooCommerce names them in orders ("Leren handschoenen - M", from the variation's
        attributes), with the parent's categories and, for class "parent", its tax class.
        `modified_after` (GMT, YYYY-MM-DDTHH:MM:SS): only products saved later (with all the
        variations of such a variable product)."""
        params = {"orderby": "id", "order": "asc"}
        if modified_after:
            params |= {"modified_after": modified_after, "dates_are_gmt": "true"}
        for product in self._pages("products", params):
            yield product
            if product.get("type") == "variable":
                for variation in self._pages(f"products/{product['id']}/variations", {"orderby": "id", "order": "asc"}):
                    yield variation_entry(product, variation)

    def newest_order(self) -> dict:
        """The latest order ({} in a shop without any): what the shop did at its last checkout."""
        rows = _rows(self._get("orders", {"per_page": 1, "orderby": "date", "order": "desc"}), "orders", 0)
        return rows[0] if rows else {}

    def setting(self, group: str, option: str) -> str | None:
        """One option of WooCommerce > Settings (`tax`, `woocommerce_prices_include_tax`), or
        None where the shop does not say (an older WooCommerce, a key that may not read it)."""
        try:
            response = self._get(f"settings/{group}/{option}", optional=True)
        except (ServiceError, SpecError):
            return None
        value = _json(response, f"settings/{group}/{option}").get("value") if response is not None else None
        return None if value is None else str(value)


def variation_entry(product: dict, variation: dict) -> dict:
    """A variation as a product of its own: the parent's name with the attribute values, as
    WooCommerce titles a variation ("Shirt - M, Blue"; an "any" attribute has no value)."""
    options = [str(a.get("option") or "").strip() for a in variation.get("attributes") or [] if isinstance(a, dict)]
    options = [o for o in options if o]
    parent_name = product.get("name") or ""
    name = f"{parent_name} - {', '.join(options)}" if options else variation.get("name") or parent_name
    tax_class = variation.get("tax_class")
    return {
        **variation,
        "parent_id": product["id"],
        "parent_name": parent_name,
        "name": name,
        "tax_class": product.get("tax_class", "") if tax_class in (None, "parent") else tax_class,
        "categories": product.get("categories", []),
    }


def _json(response: httpx.Response, path: str, status: int | None = 200):
    """An answer's JSON; an answer that is none is the shop's failure for that request
    (`status` 200: it answered, so only what was asked for fails, not the run)."""
    try:
        return json_body(response)
    except BadJson as exc:
        raise ServiceError(f"the shop's answer for {path} cannot be read: {exc}", "look at the shop's PHP error log", status=status) from None


def _rows(response: httpx.Response, path: str, offset: int, status: int | None = None) -> list[dict]:
    """A page of a list: a JSON array of objects, or a clear error naming what came instead."""
    rows = _json(response, path, status)
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ServiceError(
            f"the shop's answer for {path} (offset {offset}) is not a list of rows: {_sample(rows)}",
            "a plugin may be changing the REST API's answers; look at the shop's PHP error log",
            status=status,
        )
    return rows


def _sample(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 120 else shown[:117] + "..."


def _wp_code(response: httpx.Response) -> str:
    try:
        return response.json().get("code", "") if is_json(response) else ""
    except ValueError:
        return ""


def _wp_error(response: httpx.Response) -> str:
    try:
        body = response.json() if is_json(response) else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        return str(response.status_code)
    said = f"{body.get('code', response.status_code)}: {body.get('message', '')}".strip(": ")
    params = (body.get("data") or {}).get("params") if isinstance(body.get("data"), dict) else None
    if isinstance(params, dict) and params:  # WordPress puts what is wrong with each parameter here
        said += " (" + "; ".join(f"{name}: {detail}" for name, detail in params.items()) + ")"
    return said


def source_from_spec(spec, transport: httpx.BaseTransport | None = None) -> WooCommerce:
    spec.require_env("woocommerce")
    woo = spec.woocommerce
    return WooCommerce(
        woo.url,
        woo.consumer_key,
        woo.consumer_secret,
        query_string_auth=woo.query_string_auth,
        timeout=float(woo.timeout),  # seconds, not money
        transport=transport,
    )
