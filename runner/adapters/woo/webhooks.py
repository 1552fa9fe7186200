"""The shop's webhooks (GET and POST /wc/v3/webhooks): which deliver where, and one made
for the desk. The only write the runner ever makes to a shop, and only when asked
(`runner validate --online --webhook URL`)."""

from __future__ import annotations

from typing import Any

import httpx

from runner.adapters.woo.shop_api import ShopApi, answer_json, answer_rows
from runner.errors import ServiceError, SpecError
from runner.support.http import fetch, why
from runner.support.redact import safe_url


def listed(shop: ShopApi) -> list[dict[str, Any]]:
    response = shop._get("webhooks", {"per_page": 100})
    return answer_rows(response, "webhooks", 0)


def create(shop: ShopApi, topic: str, url: str, secret: str, name: str) -> dict[str, Any]:
    """A webhook of `topic` delivering to `url`, signed with `secret`."""
    shop.calls += 1
    body = {"name": name, "topic": topic, "delivery_url": url, "secret": secret, "status": "active"}
    try:
        response = fetch(shop.http, "POST", shop.api + "webhooks", deadline=shop.deadline, json=body, params=shop.auth_params)
    except httpx.HTTPError as exc:
        raise ServiceError(f"cannot reach the shop at {safe_url(shop.api)} ({why(exc)})", "check woocommerce.url and the network") from None
    if response.status_code in (401, 403):
        raise SpecError(
            "the shop's API key may not create webhooks (it reads only)",
            f"give the key read/write access, or add the webhook in WooCommerce > Settings > Advanced > Webhooks: topic {topic}, delivery URL {url}",
        )
    if response.status_code not in (200, 201):
        said = answer_json(response, "webhooks", None) if response.headers.get("content-type", "").startswith("application/json") else {}
        message = said.get("message") if isinstance(said, dict) else ""
        raise ServiceError(
            f"the shop refused the webhook (HTTP {response.status_code}{': ' + message if message else ''})",
            f"add it in WooCommerce > Settings > Advanced > Webhooks: topic {topic}, delivery URL {url}",
        )
    return answer_json(response, "webhooks", 201)
