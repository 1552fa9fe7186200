"""The Exact Online login: the authorization-code flow of `runner auth`, and a token file
that survives concurrency and crashes.

A refresh token works once, so refreshing is the dangerous moment: it happens under an
exclusive lock on a lock file, the token file is re-read inside the lock (another process
may have refreshed already), and the new pair is written atomically (temp file, fsync,
rename, mode 0600) before the new access token is used for anything. A token file that is
a symlink (specs sharing one login) is written, and locked, where it points. Which token
file a spec uses (the consultant's login store, or one of its own) is logins.py's business."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from runner.errors import LoginNeeded, ServiceError
from runner.ledger.lock import alive
from runner.support import private
from runner.support.http import make_client

REFRESH_MARGIN = 30  # seconds: Exact refuses a refresh earlier than the last 30 s of a token
MIN_MARGIN = 2  # seconds: a token closer to its end than this is never sent (it could expire on the way)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds

    def to_json(self) -> str:
        return json.dumps({"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_at": self.expires_at})


class TokenStore:
    """The token file of one spec, shared safely by every process that uses it."""

    def __init__(
        self,
        path: Path,
        base_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str = "",
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        login_hint: str = "runner auth SPEC",
    ) -> None:
        self.path = Path(path)
        self.base_url = base_url.rstrip("/")
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.transport, self.clock, self.login_hint = transport, clock, login_hint
        self.refreshed = 0  # refreshes this process did, for reports and tests
        self.margin = float(REFRESH_MARGIN)  # lowered when Exact says a refresh came too early

    def _due(self, tokens: Tokens) -> bool:
        return tokens.expires_at - self.clock() <= self.margin

    # file handling
    @property
    def _real(self) -> Path:
        """The token file itself: specs may share one through symlinks, and then share its
        refresh lock and have it written in place (replacing a link would leave it behind)."""
        return Path(os.path.realpath(self.path))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The refresh lock of the token file (where a symlink points), held by one process at a time."""
        real = self._real
        private.folder(real.parent)
        with private.append(real.with_name(real.name + ".lock")) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def read(self) -> Tokens | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Tokens(data["access_token"], data["refresh_token"], float(data["expires_at"]))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            raise LoginNeeded(f"the token file {self.path} is damaged", f"log in again: {self.login_hint}") from None

    def save(self, tokens: Tokens) -> None:
        """Atomic: a reader (or a crash) sees the old file or the new one, never half."""
        real = self._real
        private.folder(real.parent)
        private.replace(real, [tokens.to_json()], real.with_name(f".{real.name}.{os.getpid()}.tmp"))
        now = self.clock()
        os.utime(real, (now, now))  # the login's age is the file's: on the runner's clock, as age_days reads it
        directory = os.open(real.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        for stale in real.parent.glob(f".{real.name}.*.tmp"):  # left by a process killed mid-save
            pid = stale.name.rsplit(".", 2)[-2]
            if pid.isdigit() and not alive(int(pid)):
                stale.unlink(missing_ok=True)

    def age_days(self) -> float | None:
        """Days since the login was last refreshed (refresh tokens die after 30 unused)."""
        try:
            return (self.clock() - self.path.stat().st_mtime) / 86400
        except FileNotFoundError:
            return None

    # the tokens
    def access_token(self, force_refresh: bool = False) -> str:
        tokens = self.read()
        if tokens is None:
            raise LoginNeeded("not logged in to Exact Online yet", f"log in once: {self.login_hint}")
        if not force_refresh and not self._due(tokens):
            return tokens.access_token
        with self.locked():
            current = self.read()
            if current is None:
                raise LoginNeeded("the Exact login was removed", f"log in again: {self.login_hint}")
            if current.refresh_token != tokens.refresh_token or not (force_refresh or self._due(current)):
                return current.access_token  # someone else refreshed while we waited for the lock
            fresh = self._grant({"grant_type": "refresh_token", "refresh_token": current.refresh_token})
            if fresh is None:  # too early for Exact (its tokens live shorter here): still good; ask again at half the time left
                self.margin = max(MIN_MARGIN, min(self.margin, (current.expires_at - self.clock()) / 2))
                return current.access_token
            self.save(fresh)
            self.refreshed += 1
            return fresh.access_token

    def exchange_code(self, code: str) -> Tokens:
        tokens = self._grant({"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri})
        if tokens is None:
            raise LoginNeeded("Exact refused the login code", f"run {self.login_hint} again")
        with self.locked():
            self.save(tokens)
        return tokens

    def _grant(self, form: dict[str, str]) -> Tokens | None:
        form = {**form, "client_id": self.client_id, "client_secret": self.client_secret}
        try:
            with make_client(self.base_url, self.transport, timeout=60) as client:
                response = client.post("/api/oauth2/token", data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ServiceError(
                f"could not reach Exact Online's login service: {type(exc).__name__}",
                "check the network and exact.base_url, then run the command again",
            ) from None
        body = _json(response)
        if response.status_code == 200 and "access_token" in body:
            return Tokens(body["access_token"], body["refresh_token"], self.clock() + float(body.get("expires_in", "600")))
        error = body.get("error", "")
        if error == "access_denied" and "not expired" in body.get("error_description", ""):
            return None
        if response.status_code in (400, 401) and error in (
            "invalid_grant",
            "invalid_request",
            "invalid_client",
            "unauthorized_client",
            "access_denied",
        ):
            what = body.get("error_description") or error
            for secret in filter(None, (form.get("refresh_token"), form.get("code"), self.client_secret)):
                what = what.replace(secret, "***")  # an answer that echoes what was sent is still shown
            if error in ("invalid_client", "unauthorized_client"):  # a new login would be refused just the same
                raise LoginNeeded(
                    f"Exact refused the app's client id or secret ({what})",
                    f"check EXACT_CLIENT_ID and EXACT_CLIENT_SECRET against the Exact App Center, then log in again: {self.login_hint}",
                )
            raise LoginNeeded(f"the Exact login is no longer valid ({what})", f"log in again: {self.login_hint}")
        raise ServiceError(f"Exact's token service answered {response.status_code}", "try again later; if it persists, log in again")


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
        return body if isinstance(body, dict) else {}
    except ValueError:
        return {}


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str | None = None) -> tuple[str, str]:
    state = state or secrets.token_urlsafe(16)
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code", "state": state, "force_login": "0"})
    return f"{base_url.rstrip('/')}/api/oauth2/auth?{query}", state


def code_from_redirect(url: str, state: str) -> str:
    """The code from the URL Exact redirected to (pasted, or caught on a loopback port)."""
    query = parse_qs(urlsplit(url.strip()).query)
    if "error" in query:
        raise LoginNeeded(f"Exact refused the login: {query['error'][0]}", "run runner auth again and approve the app")
    if query.get("state", [""])[0] != state:
        raise LoginNeeded("the redirect does not belong to this login (state differs)", "run runner auth again and use its URL")
    if "code" not in query:
        raise LoginNeeded("the redirect URL has no code", "paste the whole URL of the page Exact sent you to")
    return query["code"][0]  # parse_qs already URL-decoded it (%21 -> !)


def is_loopback(redirect_uri: str) -> bool:
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
