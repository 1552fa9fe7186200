"""`runner validate --online --webhook URL`: the shop delivers its order changes to the
desk (`runner serve`) at URL/hooks/NAME, signed with the spec's `woocommerce.webhook_secret`.
A webhook that already delivers there is left as it is; a missing one is made."""

from __future__ import annotations

from pathlib import Path

from runner.adapters.woo import webhooks as shop_webhooks
from runner.errors import UsageError
from runner.spec.model import Spec

TOPICS = ("order.created", "order.updated")  # an order's completion and its refunds are updates


def client_name(path: Path) -> str:
    """A spec's name in the desk's addresses: its file's stem, or its folder's for a sync.yaml."""
    base = Path(path).resolve().parent.name if Path(path).stem == "sync" else Path(path).stem
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in base) or "client"


def delivery_url(desk: str, path: Path) -> str:
    return desk.rstrip("/") + "/hooks/" + client_name(path)


def register(spec: Spec, source, desk: str, path: Path) -> list[str]:
    """Each order topic's webhook to the desk: found, or made now. Lines to show."""
    if not spec.woocommerce.webhook_secret:
        raise UsageError(
            "the spec has no woocommerce.webhook_secret to sign the deliveries with",
            "add `webhook_secret: ${WOO_WEBHOOK_SECRET}` under woocommerce: and the value to .env, then run this again",
        )
    if not desk.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise UsageError(
            f"--webhook {desk!r} is not an address the shop can deliver to safely", "give the desk's https address, e.g. https://desk.example.nl"
        )
    url = delivery_url(desk, path)
    there = {(h.get("topic"), h.get("delivery_url")): h for h in shop_webhooks.listed(source)}
    lines = []
    for topic in TOPICS:
        known = there.get((topic, url))
        if known and known.get("status") == "active":
            lines.append(f"webhook {topic} delivers to {url} (already registered, #{known.get('id')})")
            continue
        made = shop_webhooks.create(source, topic, url, spec.woocommerce.webhook_secret, f"woo-exact runner desk: {topic}")
        lines.append(f"webhook {topic} delivers to {url} (registered now, #{made.get('id')})")
    return lines
