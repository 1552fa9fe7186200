"""WooCommerce REST authentication (WC_REST_Authentication) for the simulator: Basic auth,
`consumer_key`/`consumer_secret` query parameters and one-legged OAuth 1.0a, with the
error table of reference section 1.1 and per-key read/write permissions.

Assumptions:
- The sandbox stands for a store whose TLS is terminated by a proxy that reports HTTPS to
  PHP, so Basic and query-string auth work on http://127.0.0.1 (a store that does not see
  HTTPS would skip them and answer as if no key was sent).
- OAuth signatures are checked against the URL the client used (http://127.0.0.1:PORT/…),
  which is what the official Python client signs on http URLs. A real store signs with
  its own home URL and scheme, so behind such a proxy it would expect https.
- WWW-Authenticate is sent whenever Basic/query auth failed (reference 1.1). Current
  WooCommerce code only sends it while `auth_method` is still basic_auth, which the OAuth
  fallback overwrites, so a real store may omit it: clients must not depend on it.
- Nonces are remembered per key as timestamp -> nonce for 15 minutes, like WooCommerce
  (two requests with the same timestamp overwrite each other's entry)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from runner.sandbox.host import Request, Response
from runner.sandbox.woo.wp import ApiKey, Query, wp_error  # noqa: F401 - ApiKey is imported from here too

WINDOW = 15 * 60
OAUTH_PARAMS = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method")
REALM = 'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field."'
AUTH_ERROR = "woocommerce_rest_authentication_error"


def _token(prefix: str, label: str) -> str:
    return prefix + hashlib.sha1(label.encode()).hexdigest()


DEFAULT_KEY = ApiKey(_token("ck_", "sandbox read_write key"), _token("cs_", "sandbox read_write secret"))
READ_ONLY_KEY = ApiKey(_token("ck_", "sandbox read key"), _token("cs_", "sandbox read secret"), "read")
WRITE_ONLY_KEY = ApiKey(_token("ck_", "sandbox write key"), _token("cs_", "sandbox write secret"), "write")
DEFAULT_KEYS = (DEFAULT_KEY, READ_ONLY_KEY, WRITE_ONLY_KEY)


def rawurlencode(value: str) -> str:
    """PHP rawurlencode / RFC 3986: everything but A-Z a-z 0-9 - _ . ~ is escaped."""
    return quote(value, safe="")


class Authenticator:
    """Decides who a request is: a key, nobody (anonymous), or an authentication error."""

    def __init__(self, keys: tuple[ApiKey, ...], now: Callable[[], float]) -> None:
        self.keys = {k.consumer_key: k for k in keys}
        self.now = now
        self.nonces: dict[str, dict[int, str]] = {}

    def authenticate(self, request: Request, query: Query) -> tuple[ApiKey | None, Response | None]:
        """(key, None) when authenticated, (None, None) when anonymous, (None, error)."""
        key, error = self._basic(request, query)
        if key:
            return key, None
        oauth_key, oauth_error = self._oauth(request, query)
        if oauth_key:
            return oauth_key, None
        if oauth_error:
            return None, oauth_error
        if error:
            return None, wp_error(401, AUTH_ERROR, error, {"WWW-Authenticate": REALM})
        return None, None

    def _basic(self, request: Request, query: Query) -> tuple[ApiKey | None, str | None]:
        """Query-string credentials first, then the Authorization: Basic header. An unknown
        key is no error (the request goes on unauthenticated); a wrong secret is."""
        ck, cs = query.get("consumer_key"), query.get("consumer_secret")
        if not (isinstance(ck, str) and ck and isinstance(cs, str) and cs):
            ck = cs = None
            header = request.headers.get("authorization", "")
            if header[:6].lower() == "basic ":
                try:
                    user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
                except (ValueError, UnicodeDecodeError):
                    user = password = ""
                ck, cs = (user, password) if user and password else (None, None)
        if not ck or not cs:
            return None, None
        key = self.keys.get(ck)
        if key is None:
            return None, None
        if not hmac.compare_digest(key.consumer_secret.encode(), cs.encode()):
            return None, "Consumer secret is invalid."
        return key, None

    def _oauth(self, request: Request, query: Query) -> tuple[ApiKey | None, Response | None]:
        params: dict[str, Any] = dict(query)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(request.form())
        header = request.headers.get("authorization", "").strip()
        if header.startswith("OAuth "):
            for name, quoted, bare in re.findall(r'(oauth_[a-z_-]*)=(?::?"([^"]*)"|([^,]*))', header):
                params[name] = unquote_plus(quoted or bare)
        missing = [name for name in OAUTH_PARAMS if not params.get(name)]
        if len(missing) == len(OAUTH_PARAMS):
            return None, None
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            return None, wp_error(401, "woocommerce_rest_authentication_missing_parameter", f"Missing OAuth {noun} {', '.join(missing)}")
        key = self.keys.get(str(params["oauth_consumer_key"]))
        if key is None:
            return None, wp_error(401, AUTH_ERROR, "Consumer key is invalid.")
        problem = self._signature_problem(request, params, key) or self._replay_problem(params, key)
        return (None, wp_error(401, AUTH_ERROR, problem)) if problem else (key, None)

    def _signature_problem(self, request: Request, params: dict[str, Any], key: ApiKey) -> str | None:
        """check_oauth_signature: METHOD & rawurlencode(URL) & the sorted, doubly encoded params."""
        consumer_signature = unquote(str(params["oauth_signature"]).replace(" ", "+"))
        pairs = []
        for name, value in sorted(((k, v) for k, v in params.items() if k != "oauth_signature"), key=lambda kv: kv[0].encode()):
            encoded = rawurlencode(name)
            if isinstance(value, list):  # PHP arrays sign as name%5B0%5D=…
                pairs += [rawurlencode(f"{encoded}%5B{n}%5D={rawurlencode(v)}") for n, v in enumerate(value)]
            else:
                pairs.append(rawurlencode(f"{encoded}={rawurlencode(str(value))}"))
        base = f"{request.method.upper()}&{rawurlencode(request.base_url + request.path)}&{'%26'.join(pairs)}"
        method = params["oauth_signature_method"]
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return "Invalid signature - signature method is invalid."
        digest = hmac.new((key.consumer_secret + "&").encode(), base.encode(), hashlib.sha1 if method == "HMAC-SHA1" else hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), consumer_signature):
            return "Invalid signature - provided signature does not match."
        return None

    def _replay_problem(self, params: dict[str, Any], key: ApiKey) -> str | None:
        """check_oauth_timestamp_and_nonce: ±15 minutes, and no nonce twice within them."""
        now = int(self.now())
        try:
            timestamp = int(str(params["oauth_timestamp"]))
        except ValueError:
            timestamp = 0
        if not now - WINDOW <= timestamp <= now + WINDOW:
            return "Invalid timestamp."
        used = self.nonces.setdefault(key.consumer_key, {})
        nonce = str(params["oauth_nonce"])
        if nonce in used.values():
            return "Invalid nonce - nonce has already been used."
        used[timestamp] = nonce
        for stamp in [s for s in used if s < now - WINDOW]:
            del used[stamp]
        return None


def method_problem(key: ApiKey, method: str) -> Response | None:
    """check_permissions: GET/HEAD need read, writes need write, OPTIONS is always allowed."""
    if method in ("GET", "HEAD"):
        if key.permissions not in ("read", "read_write"):
            return wp_error(401, AUTH_ERROR, "The API key provided does not have read permissions.")
    elif method in ("POST", "PUT", "PATCH", "DELETE"):
        if key.permissions not in ("write", "read_write"):
            return wp_error(401, AUTH_ERROR, "The API key provided does not have write permissions.")
    elif method != "OPTIONS":
        return wp_error(401, AUTH_ERROR, "Unknown request method.")
    return None
