"""Exact Online's gatekeeping (reference 2 and 3): the OAuth2 authorization-code flow with
rotating single-use refresh tokens, Bearer checks, the minutely/daily rate limits with their
`X-RateLimit-*` headers, and the 10-errors-per-endpoint-per-hour budget. Everything reads the
injected clock, so tests expire tokens and windows without sleeping."""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus, urlencode

from runner.sandbox.exact.seed import ExactConfig
from runner.sandbox.host import Request, Response, json_response

TOO_EARLY = "Rate limit exceeded: access_token not expired"
DAILY_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
MINUTELY_HEADERS = ("X-RateLimit-Minutely-Limit", "X-RateLimit-Minutely-Remaining", "X-RateLimit-Minutely-Reset")


@dataclass
class Grant:
    """One token chain of the app's user: the current access token and its single refresh token."""

    client_id: str
    divisions: tuple[int, ...]
    access_token: str
    access_expires: float
    refresh_token: str
    refresh_expires: float
    alive: bool = True


def oauth_error(status: int, error: str, description: str | None = None, headers: dict[str, str] | None = None) -> Response:
    body = {"error": error} if description is None else {"error": error, "error_description": description}
    return json_response(status, body, {"Cache-Control": "no-store", **(headers or {})})


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None] | None:
    """The client's id and secret from HTTP Basic (which RFC 6749 2.3.1 says a server must take;
    three of four client libraries send it) or from the form (Exact's documented way); both at
    once is refused (RFC 6749 2.3: one method per request) [U: which Exact takes]."""
    basic = request.headers.get("authorization", "")
    if not basic.lower().startswith("basic "):
        return form.get("client_id"), form.get("client_secret")
    if "client_secret" in form:
        return None
    try:
        client_id, _, secret = base64.b64decode(basic[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def oauth_message(response: Response) -> str:
    """The text of a token-endpoint error answer, for the simulator's error log."""
    try:
        body = json.loads(response.body)
        return body.get("error_description") or body.get("error", "")
    except ValueError:
        return response.body.decode("utf-8", "replace")


def _exact_time(moment: float) -> str:
    """The US-style stamp of Exact's expiry message: `10/11/2022 9:18:20 PM`."""
    t = datetime.fromtimestamp(moment, tz=UTC)
    return f"{t.month}/{t.day}/{t.year} {(t.hour % 12) or 12}:{t.minute:02d}:{t.second:02d} {'AM' if t.hour < 12 else 'PM'}"


class OAuthServer:
    """`/api/oauth2/auth` approves at once (no consent UI); `/api/oauth2/token` is form-only."""

    def __init__(self, config: ExactConfig, clock: Callable[[], float], token: Callable[[str, int], str]) -> None:
        self.config, self.clock, self.token = config, clock, token
        self.codes: dict[str, tuple[float, str, tuple[int, ...]]] = {}  # code -> (issued, redirect_uri, divisions)
        self.access: dict[str, tuple[Grant, float]] = {}  # access token -> (chain, expiry)
        self.refresh: dict[str, Grant] = {}  # current refresh tokens only
        self.old_refresh: set[str] = set()
        self.grants: list[Grant] = []

    def authorize(self, request: Request) -> Response:
        cfg = self.config
        if request.arg("client_id") != cfg.client_id:
            return _page(400, "Unknown client_id.")
        if request.arg("redirect_uri") != cfg.redirect_uri:
            return _page(400, "The redirect_uri does not match the one registered for this app.")
        if request.arg("response_type") != "code":
            return _page(400, "Only response_type=code is supported by the sandbox.")
        code = self.token("XTzM!IAAA", 60)
        self.codes[code] = (self.clock(), cfg.redirect_uri, tuple(cfg.granted_divisions))
        params = {"code": code, **({"state": request.arg("state")} if request.arg("state") is not None else {})}
        return Response(302, b"", {"Location": f"{cfg.redirect_uri}?{urlencode(params)}"})

    def token_endpoint(self, request: Request) -> Response:
        if request.method != "POST":
            return oauth_error(405, "invalid_request", "The token endpoint only accepts POST.")
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return oauth_error(400, "invalid_request", "The request body must be application/x-www-form-urlencoded.")
        form = request.form()
        if client_credentials(request, form) != (self.config.client_id, self.config.client_secret):
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        return oauth_error(400, "unsupported_grant_type")

    def _exchange_code(self, form: dict[str, str]) -> Response:
        found = self.codes.pop(form.get("code", ""), None)  # single use, even when the exchange fails
        if found is None:
            return oauth_error(400, "invalid_grant", "The authorization code is invalid or has already been used.")
        issued, redirect_uri, divisions = found
        if self.clock() - issued > self.config.code_lifetime:
            return oauth_error(400, "invalid_grant", "The authorization code has expired.")
        if form.get("redirect_uri") != redirect_uri:
            return oauth_error(400, "invalid_grant", "The redirect_uri does not match the authorization request.")
        return self._answer(self.issue(divisions))

    def _refresh(self, refresh_token: str) -> Response:
        grant = self.refresh.get(refresh_token)
        if grant is None or not grant.alive:
            if refresh_token in self.old_refresh or grant is not None:
                return oauth_error(400, "invalid_grant", "Old refresh token used.")
            return oauth_error(400, "invalid_grant", "Token is not allowed, because of invalid or empty chainId")
        now = self.clock()
        if now >= grant.refresh_expires:
            grant.alive = False
            expired, at = _exact_time(grant.refresh_expires), _exact_time(now)
            return oauth_error(400, "invalid_request", f"The refresh token expired at {expired} and it is now {at}.")
        if grant.access_expires - now > self.config.refresh_window:
            return oauth_error(self.config.too_early_status, "access_denied", TOO_EARLY, {"Reason": f"TooEarlyToRefreshTokens: {TOO_EARLY}"})
        del self.refresh[refresh_token]
        self.old_refresh.add(refresh_token)
        self._rotate(grant)
        return self._answer(grant)

    def issue(self, divisions: tuple[int, ...] | None = None) -> Grant:
        """A fresh token chain; with `single_grant`, earlier chains of this user+app die."""
        if self.config.single_grant:
            for old in self.grants:
                old.alive = False
        grant = Grant(self.config.client_id, tuple(divisions or self.config.granted_divisions), "", 0.0, "", 0.0)
        self.grants.append(grant)
        self._rotate(grant)
        return grant

    def _rotate(self, grant: Grant) -> None:
        now = self.clock()
        grant.access_token = self.token("AAEAA", 120)
        grant.access_expires = now + self.config.access_token_lifetime
        grant.refresh_token = self.token("Gcp7!IAAA", 100)
        grant.refresh_expires = now + self.config.refresh_token_lifetime
        self.access[grant.access_token] = (grant, grant.access_expires)
        self.refresh[grant.refresh_token] = grant

    def _answer(self, grant: Grant) -> Response:
        return json_response(200, self.as_dict(grant), {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def as_dict(self, grant: Grant) -> dict[str, str]:
        return {
            "access_token": grant.access_token,
            "token_type": "bearer",
            "expires_in": str(self.config.access_token_lifetime),
            "refresh_token": grant.refresh_token,
        }

    def authenticate(self, request: Request) -> Grant | None:
        """The chain behind a valid `Authorization: Bearer` token, else None (answer 401)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        found = self.access.get(token.strip()) if scheme.lower() == "bearer" else None
        if found is None or not found[0].alive or self.clock() >= found[1]:
            return None
        return found[0]


def _page(status: int, message: str) -> Response:
    html = f"<!DOCTYPE html><html><body><h1>Exact Online</h1><p>{message}</p></body></html>"
    return Response(status, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})


class RateLimiter:
    """60/minute aligned to clock minutes and 5000/day reset at 00:00 UTC, per (client, division)."""

    def __init__(self, config: ExactConfig, clock: Callable[[], float]) -> None:
        self.config, self.clock = config, clock
        self.windows: dict[tuple[str, int], list[int]] = {}  # key -> [minute, used, day, used]

    def take(self, key: tuple[str, int]) -> tuple[bool, dict[str, str]]:
        """Count one call; (False, headers) when a limit is hit: a 429 carries only its own three."""
        now = self.clock()
        minute, day = int(now // 60), int(now // 86400)
        w = self.windows.setdefault(key, [minute, 0, day, 0])
        if w[0] != minute:
            w[0], w[1] = minute, 0
        if w[2] != day:
            w[2], w[3] = day, 0
        daily, minutely = self.config.daily_limit, self.config.minutely_limit
        if w[3] >= daily:
            return False, dict(zip(DAILY_HEADERS, (str(daily), "0", str((day + 1) * 86_400_000))))
        if w[1] >= minutely:
            return False, dict(zip(MINUTELY_HEADERS, (str(minutely), "0", str((minute + 1) * 60_000))))
        w[1] += 1
        w[3] += 1
        return True, {
            **dict(zip(DAILY_HEADERS, (str(daily), str(daily - w[3]), str((day + 1) * 86_400_000)))),
            **dict(zip(MINUTELY_HEADERS, (str(minutely), str(minutely - w[1]), str((minute + 1) * 60_000)))),
        }


class ErrorBudget:
    """Error responses per (client, division, endpoint) in a rolling hour; at the limit the
    endpoint is blocked until the oldest of those errors is an hour old."""

    def __init__(self, config: ExactConfig, clock: Callable[[], float]) -> None:
        self.config, self.clock = config, clock
        self.hits: dict[tuple, deque[float]] = {}

    def _recent(self, key: tuple) -> deque[float]:
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= self.clock() - 3600:
            hits.popleft()
        return hits

    def record(self, key: tuple) -> None:
        self._recent(key).append(self.clock())

    def blocked(self, key: tuple) -> bool:
        return len(self._recent(key)) >= self.config.error_budget
