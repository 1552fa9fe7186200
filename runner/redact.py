"""The one place that blanks secrets: in messages, logs, the ledger, previews and alerts.

A secret is blanked as written and URL-encoded (a service may echo a refresh token back in
a query string), longest first so that one secret inside another leaves no tail; keys,
codes and tokens in URL parameters are blanked whatever their value."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

SECRET_PARAMS = re.compile(r"((?:consumer_key|consumer_secret|code|access_token|refresh_token|client_secret|oauth_signature)=)[^&\s#]+")
MASK = "***"


def safe_url(url: object) -> str:
    """A URL (or any text) with keys, secrets, codes and tokens in its parameters blanked."""
    return SECRET_PARAMS.sub(r"\1" + MASK, str(url))


def basic_credentials(user: str, password: str) -> str:
    """The base64 form HTTP Basic auth sends a key and secret in: a service that quotes the
    Authorization header shows this, which holds neither of them as written."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret blanked, in any of the encodings it travels in."""
    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""), quote_plus(secret)) if form}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return safe_url(text)
