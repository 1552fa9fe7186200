"""Reading the shop: orders (100 a page, ordered by id, since date order drifts while
paging), refunds, products and their categories, over the WooCommerce REST API wc/v3; how
each question is asked (retries, paging, the shop's refusals) is shop_api.py's business."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from runner.adapters.woo.rest import WooListed, WooRefund
from runner.adapters.woo.shop_api import PER_PAGE, ShopApi, answer_json, answer_rows, sample
from runner.errors import ServiceError, SpecError
from runner.spec.model import Spec
from runner.support.http import BadJson, fetch, is_json, json_body, why
from runner.support.redact import safe_url


class WooCommerce(ShopApi):
    """What the runner asks a shop: orders, refunds, products and their categories, taxes, settings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._categories: dict[int, tuple[str, ...]] = {}

    def about(self) -> dict[str, str]:
        """What the shop says of itself: the home address and site name of its WordPress
        index (GET /wp-json/, public). A shop that hides its index is asked for one order
        with the keys instead (its description then empty). Either way the shop has
        answered; when it does not, this raises, as every other question to it does."""
        index = self.api[: -len("wc/v3/")]
        self.calls += 1
        try:
            response = fetch(self.http, "GET", index, deadline=self.deadline, params=self.auth_params)
        except httpx.HTTPError as exc:
            raise ServiceError(
                f"cannot reach the shop at {safe_url(self.api)} ({why(exc)})",  # as every other question to it says
                "check woocommerce.url, the network and the shop's host; nothing was booked from this run",
            ) from None
        try:
            body = json_body(response) if response.status_code == 200 and is_json(response) else None
        except BadJson:
            body = None
        if isinstance(body, dict) and "wc/v3" in (body.get("namespaces") or ()):
            return {"home": str(body.get("home") or body.get("url") or ""), "name": str(body.get("name") or "")}
        self._get("orders", {"per_page": 1, "_fields": "id"})
        return {"home": "", "name": ""}

    def orders(
        self, statuses: list[str] | None = None, created_after: str | None = None, modified_after_gmt: str | None = None
    ) -> Iterator[WooListed]:
        """Orders by ascending id. `created_after` is shop-local (as date_created);
        `modified_after_gmt` is UTC, which the API takes with dates_are_gmt."""
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if statuses:
            params["status"] = ",".join(statuses)
        if created_after:
            params["after"] = created_after
        if modified_after_gmt:
            params.update({"modified_after": modified_after_gmt, "dates_are_gmt": "true"})
        self.listed = None
        for raw in self._pages("orders", params) or ():  # each once, none lost to a page shift
            yield WooListed(raw)

    def order(self, order_id: int) -> WooListed:
        return WooListed(self.order_json(order_id))

    def order_json(self, order_id: int) -> dict:
        """One order as the REST API returns it."""
        order = answer_json(self._get(f"orders/{order_id}"), f"orders/{order_id}")
        if not isinstance(order, dict):
            raise ServiceError(
                f"the shop's answer for order {order_id} is not an order: {sample(order)}", "look at the order in WooCommerce", status=200
            )
        return order

    def refund_parents(self, after_gmt: str | None) -> set[int] | None:
        """The orders with refunds created after `after_gmt` (UTC), read from the store-wide
        list of refunds (WooCommerce 9.0+) by ascending id; None when the shop has no such list."""
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if after_gmt:
            params.update({"after": after_gmt, "dates_are_gmt": "true"})
        listed = self._pages("refunds", params, optional=True)
        return None if listed is None else set(dict.fromkeys(int(r["parent_id"]) for r in listed if r.get("parent_id")))

    def refunds(self, order_id: int) -> list[WooRefund]:
        rows = answer_rows(self._get(f"orders/{order_id}/refunds", {"per_page": PER_PAGE}), f"orders/{order_id}/refunds", 0, status=200)
        return [WooRefund(row) for row in rows]

    def categories(self, product_id: int) -> tuple[str, ...]:
        """Category names of a product, read once per product per run."""
        if product_id and product_id not in self._categories:
            try:
                product = answer_json(self._get(f"products/{product_id}"), f"products/{product_id}")
                listed = product.get("categories") if isinstance(product, dict) else None
                self._categories[product_id] = tuple(str(c.get("name", "")) for c in listed or [] if isinstance(c, dict))
            except ServiceError as exc:
                if exc.status != 404:
                    raise
                self._categories[product_id] = ()  # a deleted product: no categories
        return self._categories.get(product_id, ())

    def taxes(self) -> list[dict]:
        """The shop's tax rates (WooCommerce > Settings > Tax): what its lines can carry."""
        return list(self._pages("taxes", {}))

    def products(self, modified_after: str | None = None) -> Iterator[dict]:
        """Every product, with the variations of variable products as their own entries: named
        as WooCommerce names them in orders ("Leren handschoenen - M", from the variation's
        attributes), with the parent's categories and, for class "parent", its tax class.
        `modified_after` (GMT, YYYY-MM-DDTHH:MM:SS): only products saved later (with all the
        variations of such a variable product)."""
        params = {"orderby": "id", "order": "asc"}
        if modified_after:
            params |= {"modified_after": modified_after, "dates_are_gmt": "true"}
        for product in self._pages("products", params):
            yield product
            if product.get("type") == "variable":
                for variation in self._pages(f"products/{product['id']}/variations", {"orderby": "id", "order": "asc"}):
                    yield variation_entry(product, variation)

    def newest_order(self) -> dict:
        """The latest order ({} in a shop without any): what the shop did at its last checkout."""
        rows = answer_rows(self._get("orders", {"per_page": 1, "orderby": "date", "order": "desc"}), "orders", 0)
        return rows[0] if rows else {}

    def setting(self, group: str, option: str) -> str | None:
        """One option of WooCommerce > Settings (`tax`, `woocommerce_prices_include_tax`), or
        None where the shop does not say (an older WooCommerce, a key that may not read it)."""
        try:
            response = self._get(f"settings/{group}/{option}", optional=True)
        except (ServiceError, SpecError):
            return None
        value = answer_json(response, f"settings/{group}/{option}").get("value") if response is not None else None
        return None if value is None else str(value)


def variation_entry(product: dict, variation: dict) -> dict:
    """A variation as a product of its own: the parent's name with the attribute values, as
    WooCommerce titles a variation ("Shirt - M, Blue"; an "any" attribute has no value)."""
    options = [str(a.get("option") or "").strip() for a in variation.get("attributes") or [] if isinstance(a, dict)]
    options = [o for o in options if o]
    parent_name = product.get("name") or ""
    name = f"{parent_name} - {', '.join(options)}" if options else variation.get("name") or parent_name
    tax_class = variation.get("tax_class")
    return {
        **variation,
        "parent_id": product["id"],
        "parent_name": parent_name,
        "name": name,
        "tax_class": product.get("tax_class", "") if tax_class in (None, "parent") else tax_class,
        "categories": product.get("categories", []),
    }


def source_from_spec(spec: Spec, transport: httpx.BaseTransport | None = None) -> WooCommerce:
    spec.require_env("woocommerce")
    woo = spec.woocommerce
    return WooCommerce(
        woo.url,
        woo.consumer_key,
        woo.consumer_secret,
        query_string_auth=woo.query_string_auth,
        timeout=float(woo.timeout),  # seconds, not money
        transport=transport,
    )
