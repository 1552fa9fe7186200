"""Step 2 of `runner init`, and `runner auth`: the Exact Online login, told truthfully at every moment.

- The address is tried before anything else: an unreachable region or sandbox is one clear
  message, not a login URL and a five-minute wait.
- On a loopback redirect URI a small server catches the browser's return, while the person
  may paste the address from the browser's address bar at any moment (a browser on another
  machine never reaches the loopback); what is typed there never leaks into the next question.
- The browser's page is answered only once the login is decided: "Logged in" only when the
  code was exchanged for tokens, else what went wrong and what to do."""

from __future__ import annotations

import html
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx

from runner.adapters.exact import oauth
from runner.adapters.exact.client import ExactApi
from runner.adapters.exact.logins import Logins, whoami
from runner.errors import LoginNeeded, RunnerError, ServiceError
from runner.setup.console import Asking, InputEnded, Stopped
from runner.setup.spec_writer import REGIONS, Setup, check_redirect, check_region
from runner.spec.model import TOKEN_FILE, own_path
from runner.support.http import make_client

DECIDE_TIMEOUT = 600.0  # seconds the browser's page waits for the terminal's verdict (the exchange takes one request)


def reachable(base_url: str) -> str:
    """`base_url` if an HTTP server answers there (any status will do), else one message."""
    try:
        with make_client(base_url, timeout=15) as client:
            client.get("/api/oauth2/auth")
    except httpx.HTTPError as exc:
        raise ServiceError(
            f"cannot reach Exact Online at {base_url} ({type(exc).__name__})",
            "check the region (the licence's country) or the address, and the network; "
            "for the sandbox, start `runner sandbox` and give the Exact address it prints",
        ) from None
    return base_url


class Callback:
    """Listens on a loopback redirect URI from the moment it is made (before the browser is
    sent there); the browser's page waits for `decide`. Only a return that carries this
    login's `state` counts: any other request (another local page's forged `?error=`) is
    answered at once and neither ends the login nor reaches the terminal."""

    def __init__(self, redirect_uri: str, command: str = "runner init", state: str | None = None) -> None:
        self.url: str | None = None
        self.command = command
        self.arrived = threading.Event()
        self._decided = threading.Event()
        self._verdict: tuple[bool, str, str] = (False, "the login was not finished", "look in the terminal")
        parts = urlsplit(redirect_uri)
        callback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                here = urlsplit(self.path)
                query = parse_qs(here.query)
                if here.path != (parts.path or "/") or not {"code", "error"} & set(query):
                    return self.answer(404, "<h1>Not found</h1><p>This is where Exact Online sends the browser back after the login.</p>")
                if state is not None and query.get("state", [""])[0] != state:  # not Exact's answer to this login
                    return self.answer(400, "<h1>Not this login</h1><p>This address does not belong to the login under way.</p>")
                if callback.url is None:
                    callback.url = f"{redirect_uri.split('?')[0]}?{here.query}"
                    callback.arrived.set()
                callback._decided.wait(DECIDE_TIMEOUT)
                ok, message, hint = callback._verdict
                if ok:
                    return self.answer(
                        200, f"<h1>Logged in</h1><p>{html.escape(message)}</p><p>You can close this window and return to the terminal.</p>"
                    )
                body = f"<h1>Login failed</h1><p>{html.escape(message)}</p><p>What to do: {html.escape(hint)}</p><p>The terminal says the same.</p>"
                return self.answer(400, body)

            def answer(self, status: int, body: str) -> None:
                data = f"<!doctype html><html><head><title>{html.escape(callback.command)}</title></head><body>{body}</body></html>".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # noqa: A002 - keep the terminal clean
                pass

        try:
            self.server: HTTPServer | None = HTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Handler)
        except OSError:
            self.server = None  # the port is taken: the person pastes the address instead
            return
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def decide(self, ok: bool, message: str, hint: str = "") -> None:
        if not self._decided.is_set():
            self._verdict = (ok, message, hint)
            self._decided.set()

    def close(self) -> None:
        self.decide(False, f"{self.command} stopped before the login was finished", f"run {self.command} again")
        if self.server is not None:
            self.server.shutdown()  # after the page waiting for the verdict was answered
            self.server.server_close()


def code_of(redirect: str, state: str) -> str:
    """The code in the address Exact sent the browser to; a refusal says what Exact said. (A
    return caught on the loopback callback carries this login's state: Callback takes no other.)"""
    query = parse_qs(urlsplit(redirect.strip()).query)
    if "error" in query:
        said = query["error"][0] + (f": {query['error_description'][0]}" if "error_description" in query else "")
        hint = "approve the app when Exact asks (log in as a user who may use the administration)"
        raise LoginNeeded(f"Exact did not approve the login ({said})", hint)
    try:
        return oauth.code_from_redirect(redirect, state)
    except LoginNeeded as exc:
        raise LoginNeeded(exc.message, "paste the whole address from the browser's address bar, of the login this run printed") from None


def wait_for_redirect(wizard: Asking, callback: Callback, timeout: float) -> str:
    """The browser's return, or the address the person pastes first, whichever comes first."""
    wizard.say(f"  waiting for Exact to send the browser back to {callback_address(callback)} ...")
    wizard.say("  (or paste the address the browser shows after the login here, and press Enter)")
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            typed = wizard.console.line_until(callback.arrived, left)
        except InputEnded:
            if wizard.console.open_url is None:  # nothing can paste, no browser was sent: nothing can come back
                raise Stopped(
                    "no login can come back: the input ended and no browser was opened (--no-browser)",
                    f"run {callback.command} in a terminal and paste the address the browser shows after the login, "
                    "or give that address on the standard input, or leave out --no-browser on a machine with a browser",
                ) from None
            typed = None if callback.arrived.wait(left) else ""  # a script's input is over: the browser's return decides
        if typed and typed.strip():
            return typed.strip()
        if callback.url is not None:
            return callback.url
    raise LoginNeeded(
        f"no login came back within {timeout / 60:.0f} minutes",
        f"open the address above in a browser on this machine, or paste where the browser ended up; run {callback.command} again",
    )


def callback_address(callback: Callback) -> str:
    server = callback.server
    return f"http://{server.server_address[0]}:{server.server_address[1]}" if server else "the redirect URI"


def login(wizard: Asking, store: oauth.TokenStore, timeout: float, command: str = "runner init") -> None:
    """Print (and open) the address; take the browser's return on a loopback redirect URI or
    the pasted address; exchange the code; tell the browser. `command` is who asks."""
    url, state = oauth.authorize_url(store.base_url, store.client_id, store.redirect_uri)
    # listening before anyone is sent there
    callback = Callback(store.redirect_uri, command, state) if oauth.is_loopback(store.redirect_uri) else None
    if callback is not None and callback.server is None:
        wizard.say(f"  note: cannot listen on {store.redirect_uri} (the port is taken); you will paste the address instead")
        callback = None
    wizard.say(f"  Open this address, log in to Exact Online and approve the app:\n\n  {url}\n")
    if wizard.console.open_url:
        wizard.console.open_url(url)
    try:
        if callback is not None:
            code = code_of(wait_for_redirect(wizard, callback, timeout), state)
        else:
            code = wizard.ask(None, "Paste the address Exact sent your browser to", lambda value: code_of(value, state))
        store.exchange_code(code)
        if callback is not None:
            callback.decide(True, f"{command} has the Exact Online login; it is kept in the login store of this computer.")
    except RunnerError as exc:
        if callback is not None:
            callback.decide(False, exc.message, exc.hint or "")
        raise
    finally:
        if callback is not None:
            callback.close()


def exact(wizard: Asking, setup: Setup) -> ExactApi:
    """The step: the address (tried at once), the app's keys, the login; typed answers are
    asked again after a failed login, with the last ones as defaults."""
    retry = wizard.interactive("region", "client_id", "client_secret", "redirect_uri")
    while True:
        keep = " (Enter keeps the last one)" if setup.client_secret else ""
        setup.base_url = wizard.ask(
            "region",
            f"Exact Online region ({' '.join(REGIONS)}) or address",
            lambda v: reachable(check_region(v)),
            setup.base_url or "nl",
        )
        setup.client_id = wizard.ask("client_id", "Exact app client id (App Center > your app)", default=setup.client_id or None)
        setup.client_secret = wizard.ask("client_secret", f"Exact app client secret{keep}", default=setup.client_secret or None, hidden=True)
        wizard.secret(setup.client_secret)
        setup.redirect_uri = wizard.ask("redirect_uri", "Redirect URI registered for the app", check_redirect, setup.redirect_uri)
        reused = existing_login(wizard, setup)
        if reused is not None:
            return reused
        try:
            store = shared_login(wizard, setup.base_url, setup.client_id, setup.client_secret, setup.redirect_uri, "runner init")
        except (LoginNeeded, ServiceError) as exc:
            hint = exc.hint or "check the client id, secret and redirect URI in the Exact App Center"
            if not retry:
                raise LoginNeeded(exc.message, hint) from None
            wizard.say(f"  {exc.message}\n  what to do: {hint}; try again (Enter keeps each answer):")
            continue
        setup.user = user_of(store)
        link_default(setup.path, store.path)
        wizard.say(f"  logged in as {setup.user}; the login is kept in {store.path} (mode 0600), for every client of this Exact user")
        return ExactApi(setup.base_url, 0, store.access_token)


def vies(wizard: Asking, setup: Setup) -> None:
    """Exact at a local address is a sandbox: its runs check VAT numbers at the sandbox's VIES
    (`runner sandbox` prints it), never at the EU's; there is no default to accept."""
    if oauth.is_loopback(setup.base_url) or "vies_url" in wizard.options:
        question = 'VAT number check (VIES) address: the "VIES sandbox:" address `runner sandbox` printed'
        setup.vies_url = wizard.ask("vies_url", question, check_vies)


def check_vies(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ServiceError(f"'{value}' is not an address", 'give the "VIES sandbox:" address `runner sandbox` printed (http://127.0.0.1:...)')
    return value.rstrip("/")


def shared_login(wizard: Asking, base_url: str, client_id: str, client_secret: str, redirect_uri: str, command: str) -> oauth.TokenStore:
    """A new login, kept in the login store under the Exact user it belongs to (the login of
    that user and app it replaces was revoked by Exact the moment this one was made)."""
    logins = Logins()
    pending = logins.pending(base_url, client_id, client_secret, redirect_uri, login_hint=command)
    try:
        login(wizard, pending, wizard.redirect_timeout, command)
        return logins.keep(pending, whoami(pending))
    finally:
        pending.path.unlink(missing_ok=True)
        pending.path.with_name(pending.path.name + ".lock").unlink(missing_ok=True)


def user_of(store: oauth.TokenStore) -> str:
    prefix = Logins.prefix(store.base_url, store.client_id)
    return store.path.name[len(prefix) : -len(".json")]


def link_default(spec_path, login_path) -> None:
    """Where a spec's own token file used to be, a link to the shared login (for whoever
    looks there); a file of before there is replaced (Exact revoked its login)."""
    link = spec_path.parent / own_path(spec_path, TOKEN_FILE)
    try:
        link.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(login_path)
    except OSError:
        pass  # a convenience only: the spec finds its login in the store


def existing_login(wizard: Asking, setup: Setup) -> ExactApi | None:
    """The login store's login of this app on this host that works, if there is one: used
    as it is (a new login would end it, and with it every other client's runs)."""
    logins = Logins()
    users = logins.users(setup.base_url, setup.client_id)
    if setup.user in users:  # the one the set-up had before it stopped, first
        users = {setup.user: users[setup.user], **users}
    for user, path in users.items():
        store = oauth.TokenStore(path, setup.base_url, setup.client_id, setup.client_secret, setup.redirect_uri, login_hint="runner init")
        api = ExactApi(setup.base_url, 0, store.access_token)
        try:
            next(api.get("current/Me", "CurrentDivision"), None)
        except (LoginNeeded, ServiceError) as exc:
            wizard.say(f"  the login of {user} in {path} does not work ({exc.message})")
            continue
        setup.user = user
        link_default(setup.path, path)
        shared = ", ".join(str(p) for p in logins.specs(path)) or "no other spec yet"
        wizard.say(f"  logged in already as {user}: the login of this app is shared, no new login needed (kept in {path}; used by {shared})")
        return api
    return None


def still_logged_in(wizard: Asking, setup: Setup) -> ExactApi | None:
    """The login of the stopped set-up, if it still works."""
    path = Logins().path(setup.base_url, setup.client_id, setup.user) if setup.user else setup.path.parent / own_path(setup.path, TOKEN_FILE)
    store = oauth.TokenStore(path, setup.base_url, setup.client_id, setup.client_secret, login_hint="runner init")
    api = ExactApi(setup.base_url, 0, store.access_token)
    try:
        next(api.get("current/Me", "CurrentDivision"), None)
    except (LoginNeeded, ServiceError) as exc:
        wizard.say(f"  the login from before does not work any more ({exc.message}); log in again:")
        return None
    wizard.say(f"  logged in already (the login from before, in {store.path})")
    return api
