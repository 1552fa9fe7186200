"""A WooCommerce REST API (wc/v3) on localhost, served in-process (`transport.InProcessServer`)
or on a socket (`server.SandboxServer`): orders (list, single, status updates), refunds,
products with variations and categories, tax rates and classes, with WordPress's envelopes,
pagination headers, validation and authentication.
Tests drive it in-process (add orders, change statuses, refund) on an injectable clock.

    sim = WooSimulator.demo(200, seed=1, clock=ManualClock())
    with InProcessServer(sim) as server, server.client(base_url=server.url) as http:
        key = (DEFAULT_KEY.consumer_key, DEFAULT_KEY.consumer_secret)  # read_write; READ_ONLY_KEY too
        http.get("/wp-json/wc/v3/orders", auth=key)

Assumptions about behaviour no source confirmed (see also woo_auth and shop):
- Argument validation (400) runs before the permission check (401), as WordPress core
  does; authentication errors come first of all, before route matching.
- `status=any` (the default) lists every status but `trash` and `auto-draft`.
- after/before/modified_* compare with the shop-local dates (the `_gmt` ones with
  `dates_are_gmt=true`); an offset or Z in the value is dropped, not converted.
- Lists sort on the GMT dates (HPOS); `title`/`slug` sort orders like `date`.
- `_fields` drops `_links` unless named; dotted names select inside objects only.
- `dp` re-rounds the 2-decimal money fields (real stores round the raw values).
- An old store (`old_store=True`) ignores modified_after/modified_before and has no id
  tie-break: orders with equal dates come back in an order that differs per page.
- Refund and variation lists of an unknown parent are empty (200 []); updating an unknown
  order is 400 `woocommerce_rest_shop_order_invalid_id`. Only PUT/POST/PATCH of an
  order's `status` is writable; other write routes answer rest_no_route.
- The HTML captcha (SiteGround style) is 202 with an `SG-Captcha: challenge` header.
- `GET /wc/v3/refunds` (WooCommerce 9.0+, reference section 4) lists every refund with its
  `parent_id`; `after`/`before` filter on the refund's creation date like the orders list,
  `parent` on the order. `refunds_list=False` is an older store without the route.
- `refund_touches_order=False`: a refund leaves the order's date_modified as it was
  (WooCommerce before 7.6, woocommerce#28969, and payment plugins that refund without
  saving the order, woocommerce-paypal-payments#1125) [C3].
- `embedded_refunds=False`: orders are served with `refunds: []` although they have
  refunds (woocommerce#65488, a 2026 report) [U]."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from runner.sandbox.host import Request, Response
from runner.sandbox.woo.auth import DEFAULT_KEY, DEFAULT_KEYS, READ_ONLY_KEY, ApiKey, Authenticator, method_problem
from runner.sandbox.woo.carts import DEFAULT_STORE, Cart, RefundItem, RefundRequest, Store
from runner.sandbox.woo.catalog import Catalog, demo_catalog
from runner.sandbox.woo.demo import generate_orders
from runner.sandbox.woo.order_dates import gmt_date, local_date, touched, with_status
from runner.sandbox.woo.orders import build_order
from runner.sandbox.woo.refunds import refund_order
from runner.sandbox.woo.routes import ROUTES, Route
from runner.sandbox.woo.wp import no_route, php_query, respond

__all__ = ["DEFAULT_KEY", "DEFAULT_KEYS", "READ_ONLY_KEY", "ApiKey", "ManualClock", "SystemClock", "WooSimulator"]
CAPTCHA = b'<html><head><meta http-equiv="refresh" content="0;/.well-known/sgcaptcha/?r=%2Fwp-json%2Fwc%2Fv3"></head><body></body></html>'


class ManualClock:
    """A clock tests move by hand: `now()` is an aware UTC datetime, `advance(minutes=5)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when.astimezone(UTC)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class WooSimulator:
    """The simulated store. `handle(request)` serves the REST API; the other public
    methods are test controls, which change orders the way WooCommerce would."""

    def __init__(
        self,
        store: Store = DEFAULT_STORE,
        *,
        keys: tuple[ApiKey, ...] = DEFAULT_KEYS,
        clock: ManualClock | SystemClock | None = None,
        old_store: bool = False,
        catalog: Catalog | None = None,
        orders: Iterable[dict[str, Any]] = (),
        refunds: dict[int, list[dict[str, Any]]] | None = None,
        refunds_list: bool = True,
        refund_touches_order: bool = True,
        embedded_refunds: bool = True,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.old_store = old_store
        self.refunds_list, self.refund_touches_order, self.embedded_refunds = refunds_list, refund_touches_order, embedded_refunds
        self.catalog = catalog or demo_catalog(store)
        self.auth = Authenticator(keys, lambda: self.clock.now().timestamp())
        self.orders: dict[int, dict[str, Any]] = {}
        self.refunds: dict[int, list[dict[str, Any]]] = {}
        self.hooks: list[Callable[[Request], None]] = []  # run before each request, under the server lock
        self.log: list[tuple[str, str]] = []  # (method, path?query) of every request served
        self.webhooks: list[dict[str, Any]] = []  # GET/POST /webhooks (webhooks.py); `deliver(order)` sends to them
        self.pings: list[tuple[int, str, int]] = []  # (webhook, delivery URL, the ping's answer) of every webhook created
        self._captchas: list[Callable[[Request], bool] | None] = []
        self._next_id = 1
        for order in orders:
            self.add_order(order)
        for order_id, listed in (refunds or {}).items():
            self.refunds[order_id] = list(listed)
            self._next_id = max([self._next_id, *(r["id"] + 100 for r in listed)])

    @classmethod
    def demo(cls, n: int = 100, seed: int = 0, start: datetime = datetime(2024, 1, 2, 9, 0), **kwargs: Any) -> WooSimulator:
        """A store holding `generate_orders(n, seed, start)` and the demo catalogue."""
        data = generate_orders(n, seed, start, kwargs.get("store", DEFAULT_STORE))
        return cls(orders=data.orders, refunds=data.refunds, **kwargs)

    # --- test controls -------------------------------------------------------------------

    def local_now(self) -> datetime:
        """The clock's time in the shop's time zone, naive, as order dates are written."""
        return self.clock.now().astimezone(ZoneInfo(self.store.timezone)).replace(tzinfo=None, microsecond=0)

    def allocate_id(self, block: int = 100) -> int:
        """A fresh post id for an order or refund, leaving room for its item ids."""
        new_id, self._next_id = self._next_id, self._next_id + block
        return new_id

    def add_order(self, order: dict[str, Any]) -> dict[str, Any]:
        self.orders[order["id"]] = order
        self._next_id = max(self._next_id, order["id"] + 100)
        return order

    def place_order(self, **cart: Any) -> dict[str, Any]:
        """Build and add an order created now: `place_order(lines=(...), billing=Address(...))`."""
        cart.setdefault("created", self.local_now())
        return self.add_order(build_order(Cart(id=self.allocate_id(), **cart), self.store))

    def deliver(self, order_id: int, topic: str = "order.updated") -> list[int]:
        """WooCommerce's webhook deliveries of the order as it is now (webhooks.py); their answers."""
        from runner.sandbox.woo.webhooks import deliver

        return deliver(self, self._order(order_id), topic)

    def set_status(self, order_id: int, status: str) -> dict[str, Any]:
        """Change an order's status now (date_modified moves; paid/completed dates are set)."""
        return self.add_order(with_status(self._order(order_id), status, self.local_now(), self.store))

    def edit_product(self, product_id: int, **changes: Any) -> dict[str, Any]:
        """Save a product now with `changes` (regular_price="12.50", name=...): date_modified moves."""
        product = next(p for p in self.catalog.products if p["id"] == product_id)
        now = self.local_now()
        product.update(changes, date_modified=local_date(now), date_modified_gmt=gmt_date(now, self.store))
        return product

    def touch(self, order_id: int) -> dict[str, Any]:
        """Save an order without changing it (a note, a plugin's meta): date_modified moves."""
        return self.add_order(touched(self._order(order_id), self.local_now(), self.store))

    def add_refund(
        self, order_id: int, items: Iterable[RefundItem | tuple[int, int]] = (), amount: Decimal | str | None = None, reason: str = ""
    ) -> dict[str, Any]:
        """Refund now: items as RefundItem or (item id, quantity); without items amount-only."""
        wanted = tuple(i if isinstance(i, RefundItem) else RefundItem(i[0], i[1]) for i in items)
        request = RefundRequest(self.allocate_id(), self.local_now(), wanted, Decimal(amount) if amount is not None else None, reason)
        before = self._order(order_id)
        order, refund = refund_order(before, request, self.store)
        if not self.refund_touches_order:  # the refund is saved, the order not (see the module docstring)
            order = {**order, **{k: before[k] for k in ("date_modified", "date_modified_gmt")}}
        self.add_order(order)
        self.refunds.setdefault(order_id, []).insert(0, refund)
        return refund

    def captcha(self, times: int = 1, match: Callable[[Request], bool] | None = None) -> None:
        """The next `times` matching requests get a hosting captcha: 202 with an HTML page."""
        self._captchas.extend([match] * times)

    def _order(self, order_id: int) -> dict[str, Any]:
        if order_id not in self.orders:
            raise KeyError(f"no order {order_id}")
        return self.orders[order_id]

    # --- the REST API --------------------------------------------------------------------

    def index(self) -> Response:
        """WordPress's REST index (GET /wp-json/, public): what the site says of itself. Its
        `home` and `url` are the addresses WordPress is configured with, whatever address the
        request came to; `routes` is left out here (WordPress lists every route)."""
        store = self.store
        namespaces = ["oembed/1.0", "wc/store/v1", "wc/v1", "wc/v2", "wc/v3", "wc-analytics", "wp/v2"]
        return respond(
            200,
            {
                "name": store.name,
                "description": "",
                "url": store.url,
                "home": store.url,
                "gmt_offset": "1",
                "timezone_string": store.timezone,
                "namespaces": namespaces,
                "authentication": [],
                "routes": {},
            },
        )

    def handle(self, request: Request) -> Response:
        self.log.append(
            (request.method, request.path + ("?" if request.query else "") + "&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs))
        )
        for hook in list(self.hooks):
            hook(request)
        for n, match in enumerate(self._captchas):
            if match is None or match(request):
                del self._captchas[n]
                return Response(202, CAPTCHA, {"Content-Type": "text/html; charset=UTF-8", "SG-Captcha": "challenge"})
        query = php_query(request)
        route = query.get("rest_route") if request.path in ("/", "/index.php") else None
        if route is None:
            if not request.path.startswith("/wp-json/"):
                return Response(404, b"<html><body><h1>Pagina niet gevonden</h1></body></html>", {"Content-Type": "text/html; charset=UTF-8"})
            route = request.path[len("/wp-json") :]
        route = "/" + str(route).strip("/")
        method = "GET" if request.method == "HEAD" else request.method
        if route == "/" and method == "GET":
            return self.index()
        if not route.lower().startswith(("/wc/", "/wc-")):
            return no_route()
        key, error = self.auth.authenticate(request, query)
        if error:
            return error
        if key and (problem := method_problem(key, request.method)):
            return problem
        found = _match(route, method)
        if found is None:
            return no_route()
        spec, ids = found
        return spec.handler(self, request, query, ids, key, route)


def _match(route: str, method: str) -> tuple[Route, tuple[str, ...]] | None:
    for spec in ROUTES:
        matched = re.fullmatch(spec.pattern, route, re.IGNORECASE)
        if matched and method in spec.methods:
            return spec, matched.groups()
    return None
