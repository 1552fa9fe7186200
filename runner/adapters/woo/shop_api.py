"""The conversation with a shop's REST API (wc/v3): one GET with patient retries and the
shop's refusals in its own words, and a list read page by page, each row once, safe against a
list that shifts while it is read. What is asked of the shop is source.py's business.

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


class ShopApi:
    """A WooCommerce REST API client: basic auth (or query-string keys) and the reading rules above."""

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
            rows = answer_rows(response, path, offset)
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


def answer_json(response: httpx.Response, path: str, status: int | None = 200):
    """An answer's JSON; an answer that is none is the shop's failure for that request
    (`status` 200: it answered, so only what was asked for fails, not the run)."""
    try:
        return json_body(response)
    except BadJson as exc:
        raise ServiceError(f"the shop's answer for {path} cannot be read: {exc}", "look at the shop's PHP error log", status=status) from None


def answer_rows(response: httpx.Response, path: str, offset: int, status: int | None = None) -> list[dict]:
    """A page of a list: a JSON array of objects, or a clear error naming what came instead."""
    rows = answer_json(response, path, status)
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ServiceError(
            f"the shop's answer for {path} (offset {offset}) is not a list of rows: {sample(rows)}",
            "a plugin may be changing the REST API's answers; look at the shop's PHP error log",
            status=status,
        )
    return rows


def sample(value: Any) -> str:
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
