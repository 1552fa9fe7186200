"""The one place that blanks secrets: in messages, logs, the ledger, previews and alerts;
and (`printable`) what reaches the terminal without the shop's escape sequences.

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


# What the shop's text (an order number, a name, a note) may carry that a terminal acts on:
# escape sequences (CSI `ESC [ 2 J` clears the screen, OSC `ESC ] 0 ; ... BEL` sets the title),
# the other C0 and C1 controls (a carriage return overwrites a line) and the bidirectional
# overrides that show text in another order than it is. Tabs and line ends stay.
SEQUENCES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x9b[0-?]*[ -/]*[@-~]")
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` as the terminal may show it: escape sequences and control characters removed."""
    if text.isprintable() or not (SEQUENCES.search(text) or CONTROLS.search(text)):
        return text
    return CONTROLS.sub("", SEQUENCES.sub("", text))
