"""Who may use the desk: one token from the environment (`RUNNER_SERVE_TOKEN`), typed on the
login page (a session cookie: HttpOnly, SameSite=Strict, Secure behind https) or sent by a
script as `Authorization: Bearer`. A second token (`RUNNER_SERVE_VIEW_TOKEN`) logs the shop
owner in read-only. Every POST from a browser session carries the session's CSRF token; a
Bearer request is not a browser's, so it needs none. Sessions live in this process only:
restarting `runner serve` logs everyone out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

COOKIE = "desk_session"
PRE_COOKIE = "desk_login"  # the login form's own CSRF pair, before there is a session


@dataclass(frozen=True)
class Who:
    """A request's user: `full` may press buttons, a view-only login may not."""

    session: str
    full: bool
    bearer: bool = False


@dataclass
class Gate:
    token: str
    view_token: str = ""
    read_only: bool = False  # `serve --read-only`: nobody presses buttons
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _sessions: dict[str, bool] = field(default_factory=dict)  # session id -> full access

    def check(self, offered: str) -> bool | None:
        """Which access a token gives: True full, False view-only, None none."""
        if offered and hmac.compare_digest(offered.encode(), self.token.encode()):
            return not self.read_only
        if self.view_token and offered and hmac.compare_digest(offered.encode(), self.view_token.encode()):
            return False
        return None

    def open(self, full: bool) -> str:
        session = secrets.token_urlsafe(32)
        self._sessions[session] = full
        return session

    def close(self, session: str) -> None:
        self._sessions.pop(session, None)

    def who(self, cookie: str | None, authorization: str | None) -> Who | None:
        if authorization and authorization.lower().startswith("bearer "):
            access = self.check(authorization[7:].strip())
            return None if access is None else Who("", access, bearer=True)
        if cookie and cookie in self._sessions:
            return Who(cookie, self._sessions[cookie])
        return None

    def csrf(self, session: str) -> str:
        """The token every form of this session posts back; derived, so nothing to store."""
        return hmac.new(self._key, b"csrf:" + session.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, who: Who, offered: str) -> bool:
        return who.bearer or (bool(offered) and hmac.compare_digest(offered, self.csrf(who.session)))
