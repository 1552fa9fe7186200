"""The shop's webhooks (reference woocommerce-api.md section 7): `GET/POST /wc/v3/webhooks`
keep them (the secret write-only); on creation the shop pings the delivery URL with
`webhook_id=N` (no signature; the answer is kept in `sim.pings`, and the webhook is made
whatever it was: how a failed ping is reported is unconfirmed [U]), and `deliver(order)` sends an order's JSON to every active
order webhook, signed as WooCommerce signs: base64(HMAC-SHA256(the exact bytes, secret)),
with the seven X-WC-Webhook-* headers. Only loopback URLs are ever called: the sandbox
reaches nothing beyond 127.0.0.1. After more than 5 failed deliveries in a row a webhook is
disabled, as WooCommerce disables it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx

from runner.sandbox.host import Request, Response
from runner.sandbox.woo.wp import respond, wp_error

TOPICS = ("order.created", "order.updated", "order.deleted", "order.restored", "product.created", "product.updated", "coupon.created")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
FAILURES_TO_DISABLE = 5


def _shown(hook: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hook.items() if k not in ("secret", "failures")}


def webhooks_list(sim, request: Request, query, ids, key, route) -> Response:
    if key is None:
        return wp_error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    return respond(200, [_shown(h) for h in sim.webhooks])


def webhook_create(sim, request: Request, query, ids, key, route) -> Response:
    if key is None:
        return wp_error(401, "woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
    try:
        body = request.json() or {}
    except ValueError:
        return wp_error(400, "rest_invalid_json", "Invalid JSON body passed.")
    topic, url = body.get("topic"), body.get("delivery_url")
    if not topic or not url:
        missing = ", ".join(k for k in ("topic", "delivery_url") if not body.get(k))
        return wp_error(400, "rest_missing_callback_param", f"Missing parameter(s): {missing}", params=missing.split(", "))
    if topic not in TOPICS and not str(topic).startswith("action."):
        return wp_error(400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is invalid")
    now = sim.local_now().isoformat(timespec="seconds")
    resource, _, event = str(topic).partition(".")
    hook = {
        "id": len(sim.webhooks) + 1,
        "name": body.get("name") or f"Webhook created on {now}",
        "status": body.get("status") or "active",
        "topic": topic,
        "resource": resource,
        "event": event,
        "hooks": [f"woocommerce_{event}_{resource}"],
        "delivery_url": url,
        "secret": str(body.get("secret") or secrets.token_urlsafe(24)),
        "date_created": now,
        "date_modified": now,
        "failures": 0,
    }
    sim.webhooks.append(hook)
    sim.pings.append((hook["id"], url, ping(hook["id"], url)))  # sent while creating; its answer kept, the hook made either way [U]
    return respond(201, _shown(hook))


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """One delivery to a loopback address; anything else is never called."""
    if urlsplit(url).hostname not in LOOPBACK:
        return 0
    try:
        return httpx.post(url, content=body, headers=headers, timeout=60).status_code
    except httpx.HTTPError:
        return 0


def ping(hook_id: int, url: str, send=post) -> int:
    return send(url, f"webhook_id={hook_id}".encode(), {"Content-Type": "application/x-www-form-urlencoded"})


def deliver(sim, order: dict[str, Any], topic: str = "order.updated", send=post) -> list[int]:
    """The order's JSON to every active webhook of `topic`, signed; the answers' statuses."""
    body = json.dumps(order, ensure_ascii=True).replace("/", "\\/").encode()  # as PHP's json_encode writes it
    statuses = []
    for hook in [h for h in sim.webhooks if h["status"] == "active" and h["topic"] == topic]:
        signature = base64.b64encode(hmac.new(hook["secret"].encode(), body, hashlib.sha256).digest()).decode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.0.0 Hookshot (WordPress/6.5)",
            "X-WC-Webhook-Source": sim.store.url.rstrip("/") + "/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": hook["resource"],
            "X-WC-Webhook-Event": hook["event"],
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": str(hook["id"]),
            "X-WC-Webhook-Delivery-ID": hashlib.sha1(body + str(hook["id"]).encode()).hexdigest(),
        }
        status = send(hook["delivery_url"], body, headers)
        hook["failures"] = 0 if 200 <= status <= 302 else hook["failures"] + 1
        if hook["failures"] > FAILURES_TO_DISABLE:
            hook["status"] = "disabled"
        statuses.append(status)
    return statuses
