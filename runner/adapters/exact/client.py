"""Talking OData to Exact Online: the envelope, `__next` paging, quoted filters, error
bodies turned into Exact's own words, and a rate governor fed by the X-RateLimit headers.

What goes wrong is sorted into the generic errors of runner.errors, because the engine
must treat them differently: `Rejected` (Exact said no; nothing was written),
`OutcomeUnknown` (a POST may or may not have landed; look before posting again) and
`QuotaExhausted` (stop cleanly, resume on the next run). A 429 of the minute window is
waited out, never a failure."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from runner.errors import LoginNeeded, OutcomeUnknown, QuotaExhausted, Rejected, ServiceError, SpecError, UsageError
from runner.support.http import BadJson, TooSlow, fetch, is_json, json_body, make_client, may_have_landed, pause, why
from runner.support.redact import safe_url


def quote(value: str) -> str:
    """An OData string literal: single quotes, inner quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


DAILY_CALLS = 5_000  # Exact's calls per administration per day
SHORTEST_SCHEDULE = 5 * 60  # seconds: an idle run every 5 minutes spends 288 calls a day, under 6 %


def check_schedule(every: str, seconds: float, base_url: str) -> None:
    """A schedule that would spend Exact's daily calls on idle runs is refused; a loopback
    address (the sandbox) is not Exact and not held to it."""
    if seconds >= SHORTEST_SCHEDULE or (urlsplit(base_url).hostname or "") in ("127.0.0.1", "localhost", "::1"):
        return
    raise UsageError(
        f"--every {every} is too often for Exact: every run makes a call even when nothing is due, {round(86400 / seconds):,} a day "
        f"of the {DAILY_CALLS:,} Exact allows per administration, and booking needs the rest",
        f"schedule every {SHORTEST_SCHEDULE // 60}m or more ({86400 // SHORTEST_SCHEDULE} idle calls a day at most; 15m is usual)",
    )


@dataclass
class RateGovernor:
    """Keeps the runner inside Exact's minutely and daily windows from the headers it got."""

    reserve: int = 50
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = pause  # time.sleep, unless support.http.pausing says otherwise
    minutely_remaining: int | None = None
    minutely_limit: int | None = None
    minutely_reset: float = 0.0  # epoch seconds
    daily_remaining: int | None = None
    daily_limit: int | None = None
    daily_reset: float = 0.0  # epoch seconds: when Exact's day starts over
    waited: float = 0.0
    on_wait: Callable[[float], None] | None = None  # told the seconds before each wait for the minute window (the CLI says it)

    def before_call(self) -> None:
        if self.daily_remaining is not None and self.daily_remaining <= self.reserve:
            raise QuotaExhausted(
                f"only {self.daily_remaining} Exact calls are left today (reserve {self.reserve})",
                "nothing is lost: the next run after midnight UTC carries on where this one stopped",
                resets_at=self.daily_reset,
            )
        if self.minutely_remaining is not None and self.minutely_remaining <= 0:
            self._wait_for_minute()

    def _wait_for_minute(self) -> None:
        pause = min(max(0.0, self.minutely_reset - self.clock()), 60.0) + 1.0  # a minute window, whatever the header says
        self.waited += pause
        if self.on_wait:
            self.on_wait(pause)
        self.sleep(pause)
        self.minutely_remaining = None

    def observe(self, headers: httpx.Headers) -> None:
        if "x-ratelimit-minutely-remaining" in headers:
            self.minutely_remaining = int(headers["x-ratelimit-minutely-remaining"])
            self.minutely_reset = int(headers.get("x-ratelimit-minutely-reset", 0)) / 1000
            self.minutely_limit = int(headers.get("x-ratelimit-minutely-limit", 0)) or self.minutely_limit
        if "x-ratelimit-remaining" in headers:
            self.daily_remaining = int(headers["x-ratelimit-remaining"])
            self.daily_limit = int(headers.get("x-ratelimit-limit", 0)) or self.daily_limit
            self.daily_reset = int(headers.get("x-ratelimit-reset", 0)) / 1000 or self.daily_reset

    def on_429(self, headers: httpx.Headers) -> None:
        self.observe(headers)
        if "x-ratelimit-minutely-remaining" in headers:
            self._wait_for_minute()
        else:
            self.daily_remaining = 0
            self.before_call()


@dataclass
class ErrorBudget:
    """Exact blocks an app for an hour after 10 error answers on one endpoint. The runner
    stops sending to an endpoint at `limit` of them within the hour; `recent` outlives the
    run (the sink keeps it in the ledger), so a run every 15 minutes cannot add up to 10."""

    limit: int = 5
    clock: Callable[[], float] = time.time
    recent: dict[str, list[float]] = field(default_factory=dict)  # endpoint -> times of error answers
    saved: Callable[[dict[str, list[float]]], None] = lambda recent: None

    def _within_hour(self, endpoint: str) -> list[float]:
        return [t for t in self.recent.get(endpoint, []) if t > self.clock() - 3600]

    def check(self, endpoint: str) -> None:
        times = self._within_hour(endpoint)
        if len(times) >= self.limit:
            again = time.strftime("%H:%M UTC", time.gmtime(times[0] + 3600))
            raise Rejected(
                f"not sent: Exact refused {len(times)} requests to {endpoint} within the hour and blocks "
                f"the app at 10, so the runner sends none there until {again}",
                "fix what Exact said about the orders before (`runner status SPEC` shows it); they are retried by themselves",
            )

    def record(self, endpoint: str) -> None:
        self.recent[endpoint] = self._within_hour(endpoint) + [self.clock()]
        self.saved(self.recent)


@dataclass
class ExactApi:
    """One division's REST API. `token` gives a bearer token; `token(True)` refreshes."""

    base_url: str
    division: int
    token: Callable[..., str]
    transport: httpx.BaseTransport | None = None
    governor: RateGovernor = field(default_factory=RateGovernor)
    budget: ErrorBudget = field(default_factory=ErrorBudget)
    timeout: float = 60.0
    calls: int = 0

    def __post_init__(self) -> None:
        self.root = f"{self.base_url.rstrip('/')}/api/v1/"
        self.http = make_client(transport=self.transport, timeout=self.timeout)

    def close(self) -> None:
        self.http.close()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.root}{path if path.startswith('current/') else f'{self.division}/{path}'}"

    def get(
        self, path: str, select: str, filter: str | None = None, top: int | None = None, expand: str | None = None, orderby: str | None = None
    ) -> Iterator[dict]:
        """Every row, page by page along `__next` (always sequential: Exact warns that
        parallel paging loses and repeats rows). `expand` brings line collections along;
        `orderby` costs Exact time, so only with a small `top`."""
        params = {"$select": select}
        for name, value in (("$filter", filter), ("$top", str(top) if top else None), ("$expand", expand), ("$orderby", orderby)):
            if value:
                params[name] = value
        url: str | None = self.url(path)
        while url:
            body = self._send("GET", url, params=params)
            data = body.get("d", {})
            rows = data if isinstance(data, list) else data.get("results", [data]) if isinstance(data, dict) else None
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                raise ServiceError(f"Exact's answer to GET {_path(url)} is not a list of rows", "try again later; nothing was written")
            yield from rows
            url, params = self._next(data.get("__next") if isinstance(data, dict) else None), None

    def _next(self, link: str | None) -> str | None:
        """The next page, only on Exact's own scheme and host: the bearer token goes with it."""
        if not link:
            return None
        here, there = httpx.URL(self.root), httpx.URL(link)
        if (there.scheme, there.host, there.port) != (here.scheme, here.host, here.port):
            raise ServiceError(
                f"Exact's next-page link points at another host ({safe_url(f'{there.scheme}://{there.host}')}); not followed",
                "check exact.base_url: it must be the Exact Online address of your country",
            )
        return link

    def first(self, path: str, select: str, filter: str) -> dict | None:
        return next(self.get(path, select, filter, top=1), None)

    def post(self, path: str, payload: dict) -> dict:
        body = self._send("POST", self.url(path), json=payload)
        return body.get("d", {})

    def put(self, path: str, payload: dict) -> None:
        self._send("PUT", self.url(path), json=payload)

    def delete(self, path: str) -> None:
        self._send("DELETE", self.url(path))

    def _send(self, method: str, url: str, params: dict | None = None, json: Any = None, retried: bool = False) -> dict:
        headers = {"Accept": "application/json"}
        if method in ("POST", "PUT"):
            headers.update({"Content-Type": "application/json", "Prefer": "return=representation"})
        for attempt in range(5):
            if method != "GET":  # lookups stay allowed: they are what keeps a lost answer from a second POST
                self.budget.check(_endpoint(url))
            self.governor.before_call()
            # the token is taken after any wait for the minute window, so it has not expired meanwhile
            token = self.token(retried and attempt == 0)
            headers["Authorization"] = f"Bearer {token}"
            self.calls += 1
            try:
                response = fetch(self.http, method, url, deadline=2 * self.timeout, params=params, json=json, headers=headers)
            except httpx.HTTPError as exc:
                if method == "GET" and attempt < 2 and not isinstance(exc, (httpx.DecodingError, TooSlow)):
                    continue
                if method != "GET" and may_have_landed(exc):
                    raise OutcomeUnknown(
                        f"no answer from Exact for {method} {_path(url)} ({why(exc)})",
                        "the next run looks the document up in Exact before posting it again",
                    ) from None
                raise ServiceError(f"cannot reach Exact Online ({why(exc)})", "check the network and exact.base_url") from None
            self.governor.observe(response.headers)
            if response.status_code == 429:
                self.governor.on_429(response.headers)
                continue
            if response.status_code == 401 and not retried:
                self.budget.record(_endpoint(url))
                return self._send(method, url, params, json, retried=True)
            if response.status_code >= 500:
                if method == "GET" and attempt < 2 and not _odata_error(response):
                    self.governor.sleep(0.5 * (attempt + 1))
                    continue
                if method != "GET":  # a 5xx, with a message or without, may come after the work was committed
                    said = _odata_error(response)
                    said = said.replace(token, "***") if token else said  # should Exact ever echo it back
                    self.budget.record(_endpoint(url))
                    raise OutcomeUnknown(
                        f"Exact answered {response.status_code} " + (f"({said})" if said else "without a message") + f" for {method} {_path(url)}",
                        "the next run looks the document up in Exact before posting it again",
                        status=response.status_code,
                        answered=True,
                        answer=said,
                    )
            if response.status_code >= 500 and method == "GET":
                said = _odata_error(response)
                raise ServiceError(
                    f"Exact is unavailable (HTTP {response.status_code}" + (f": {said}" if said else "") + f" for GET {_path(url)})",
                    "nothing is lost: nothing was written, and the next run carries on",
                    status=response.status_code,
                )
            return self._answer(response, method, url, token)
        raise ServiceError(f"Exact kept refusing {method} {_path(url)}", "try again later")

    def _answer(self, response: httpx.Response, method: str, url: str, token: str) -> dict:
        status = response.status_code
        if status in (200, 201):
            try:
                body = json_body(response) if is_json(response) else {}
            except BadJson as exc:
                body = exc
            if not isinstance(body, dict):  # a write it answered is done, but its ids are not known
                if method != "GET":
                    raise OutcomeUnknown(f"Exact's answer to {method} {_path(url)} cannot be read", "the next run looks it up", answered=True)
                raise ServiceError(f"Exact's answer to GET {_path(url)} cannot be read ({body})", "try again later; nothing was written")
            return body
        if status == 204:
            return {}
        message = _odata_error(response) or f"HTTP {status}"
        message = message.replace(token, "***") if token else message  # should Exact ever echo it back
        self.budget.record(_endpoint(url))
        if status == 401:
            raise LoginNeeded(f"Exact refused the login ({message})", "log in again: runner auth SPEC")
        if status == 403 and "WrongDivision" in message:
            raise SpecError(
                f"this Exact login may not use division {self.division} ({message})",
                "run `runner divisions SPEC` and put one of those codes in exact.division",
            )
        raise Rejected(message, "fix what Exact names (in the spec or in Exact), then `runner retry SPEC`", status=status)


def _odata_error(response: httpx.Response) -> str:
    if not is_json(response):
        return ""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return ""
    message = error.get("message", {}) if isinstance(error, dict) else {}
    value = message.get("value", "") if isinstance(message, dict) else str(message)
    return value.replace("\r\n", "; ").strip()


def _path(url: str) -> str:
    return safe_url(url.split("/api/v1/", 1)[-1].split("?", 1)[0])


def _endpoint(url: str) -> str:
    """What Exact counts errors per: the entity set, without division, key or query."""
    return re.sub(r"^\d+/|\(.*$", "", _path(url))
