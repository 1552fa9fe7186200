"""Which Exact login a spec uses. Exact gives a user one login per app: a new login of the same
user and app revokes the one before. So a consultant's logins are kept per Exact host, app and
user in one login store in their config folder (`Logins`), and every spec of that user uses the
same one; a spec that names an `exact.token_file` of its own (a client with their own Exact
user) keeps it."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from runner.adapters.exact.oauth import TokenStore
from runner.errors import ServiceError, SpecError
from runner.spec.model import Spec
from runner.support import private

LOGINS_ENV = "RUNNER_LOGINS"  # the login store's folder, for tests or a consultant who keeps it elsewhere


def logins_folder() -> Path:
    """$RUNNER_LOGINS, else $XDG_CONFIG_HOME/woo-exact-runner/logins (~/.config by default)."""
    if os.environ.get(LOGINS_ENV):
        return Path(os.environ[LOGINS_ENV]).expanduser()
    return Path(os.environ.get("XDG_CONFIG_HOME") or "~/.config").expanduser() / "woo-exact-runner" / "logins"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+]+", "_", text.strip()) or "_"


class Logins:
    """The consultant's login store: one token file per Exact host, app and user
    (`start.exactonline.nl-<client id>-<user>.json`), mode 0600 in a 0700 folder, and beside
    each the specs that use it (`….specs`, a line per spec), for `runner auth` to name."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder else logins_folder()

    @staticmethod
    def prefix(base_url: str, client_id: str) -> str:
        return f"{_safe(urlsplit(base_url.rstrip('/')).netloc or base_url)}-{_safe(client_id)}-"

    def path(self, base_url: str, client_id: str, user: str) -> Path:
        return self.folder / f"{self.prefix(base_url, client_id)}{_safe(user)}.json"

    def users(self, base_url: str, client_id: str) -> dict[str, Path]:
        """The users logged in for this app on this host, by the name in their file."""
        prefix = self.prefix(base_url, client_id)
        try:
            found = sorted(p for p in self.folder.glob(f"{glob_escape(prefix)}*.json") if p.is_file())
        except OSError:
            return {}
        return {p.name[len(prefix) : -len(".json")]: p for p in found}

    def specs(self, login: Path) -> list[Path]:
        """The specs that used `login` and are still there, in the order they first did."""
        try:
            lines = login.with_name(login.name + ".specs").read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        return [Path(line) for line in dict.fromkeys(lines) if line and Path(line).is_file()]

    def note_spec(self, login: Path, spec_path: Path) -> None:
        """`spec_path` uses `login` (a line appended once; a race at worst writes it twice)."""
        spec = str(Path(spec_path).resolve())
        try:
            known = login.with_name(login.name + ".specs").read_text(encoding="utf-8").splitlines()
        except OSError:
            known = []
        if spec not in known:
            private.folder(login.parent)
            with private.append(login.with_name(login.name + ".specs")) as handle:
                handle.write(spec + "\n")

    def keep(self, pending: TokenStore, user: str) -> TokenStore:
        """A login just made (in `pending`'s file) becomes the store's login of `user`: moved
        into place under that login's refresh lock, so a process refreshing the login it
        replaces re-reads and takes the new pair."""
        final = TokenStore(
            self.path(pending.base_url, pending.client_id, user),
            pending.base_url,
            pending.client_id,
            pending.client_secret,
            pending.redirect_uri,
            pending.transport,
            pending.clock,
            pending.login_hint,
        )
        with final.locked():
            os.replace(pending.path, final.path)
        pending.path.with_name(pending.path.name + ".lock").unlink(missing_ok=True)
        return final

    def pending(self, base_url: str, client_id: str, client_secret: str, redirect_uri: str, login_hint: str) -> TokenStore:
        """Where a new login is written until Exact has said whose it is."""
        path = self.folder / f".{self.prefix(base_url, client_id)}pending-{os.getpid()}.json"
        return TokenStore(path, base_url, client_id, client_secret, redirect_uri, login_hint=login_hint)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


@dataclass(frozen=True)
class SpecLogin:
    """Which login a spec uses: `path`, and whether it is the shared store's (`shared`) or
    a file of the spec's own; `user` when the store's login is known by its user."""

    path: Path
    shared: bool
    user: str = ""


def own_token_file(spec: Spec) -> bool:
    """Whether the spec names a token file of its own: any `exact.token_file` but the path
    `runner init` used to write (the spec's default, which now means the shared login)."""
    from runner.spec.model import TOKEN_FILE, own_path

    named = spec.exact.token_file
    return bool(named) and os.path.normpath(spec.file(named)) != os.path.normpath(spec.file(own_path(spec.path, TOKEN_FILE)))


def login_of(spec: Spec, logins: Logins | None = None) -> SpecLogin:
    """The login a spec uses. `exact.token_file` of its own: that file. Otherwise the login
    store's login for the spec's Exact host and app: of `exact.user` when the spec names
    one, else the only user logged in there. A spec's default token file from before the
    store (`.runner/exact-token.json`) is used where it is while the store has no login of
    this app; once it has one (any `runner init` or `runner auth` of the app puts it there),
    that one is used: the old file's login was revoked by it if it was the same user."""
    if own_token_file(spec):
        return SpecLogin(spec.token_file, shared=False)
    exact, logins = spec.exact, logins or Logins()
    if exact.user:
        return SpecLogin(logins.path(exact.base_url, exact.client_id, exact.user), shared=True, user=exact.user)
    users = logins.users(exact.base_url, exact.client_id)
    if len(users) > 1:
        raise SpecError(
            f"several Exact users are logged in for this app in {logins.folder}: {', '.join(users)}",
            f"name the one this client uses in the spec: exact.user: {next(iter(users))}",
        )
    if users:
        user, path = next(iter(users.items()))
        return SpecLogin(path, shared=True, user=user)
    before = spec.token_file
    if before.exists():
        return SpecLogin(before, shared=False)
    return SpecLogin(before, shared=True)  # nobody logged in yet: the hint says runner auth


def store_from_spec(spec: Spec, transport: httpx.BaseTransport | None = None, clock: Callable[[], float] = time.time) -> TokenStore:
    spec.require_env("exact")
    exact, login = spec.exact, login_of(spec)
    if login.shared and login.user and login.path.exists():
        Logins(login.path.parent).note_spec(login.path, spec.path)
    return TokenStore(
        login.path,
        exact.base_url,
        exact.client_id,
        exact.client_secret,
        exact.redirect_uri,
        transport=transport,
        clock=clock,
        login_hint="runner auth SPEC",
    )


def whoami(store: TokenStore) -> str:
    """The Exact user a login belongs to (current/Me's UserName)."""
    from runner.adapters.exact.client import ExactApi

    me = next(ExactApi(store.base_url, 0, store.access_token, transport=store.transport).get("current/Me", "UserName,Email"), None) or {}
    user = str(me.get("UserName") or me.get("Email") or "").strip()
    if not user:
        raise ServiceError(
            "Exact did not say whose login this is (current/Me has no UserName)", "log in again; if it persists, name exact.token_file"
        )
    return user
