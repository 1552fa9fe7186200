"""WooCommerce's webhook deliveries (reference woocommerce-api.md section 7): the signature is
base64(HMAC-SHA256(raw body, secret)), checked on the bytes as they came, before anything is
parsed; a ping (form body `webhook_id=N`, no signature) is answered 200 so WooCommerce keeps
the hook active. A delivery only says "look now": the order is read from the shop by a run."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

MAX_BODY = 1024 * 1024  # bytes: an order's JSON is a few kilobytes; anything this big is not WooCommerce's
PING = re.compile(rb"webhook_id=\d+")


def signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def signed(body: bytes, secret: str, offered: str | None) -> bool:
    return bool(secret and offered) and hmac.compare_digest(signature(body, secret).encode(), offered.strip().encode())


def is_ping(body: bytes, offered: str | None) -> bool:
    return not offered and PING.fullmatch(body.strip()) is not None
