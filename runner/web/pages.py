"""The desk's pages: Jinja2 templates shipped with the package, autoescaped (a shop's text,
an order named `<script>`, stays text), and every known secret blanked from the page before
it leaves, as the CLI blanks them from the terminal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html import escape

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from runner.support.redact import redact
from runner.web.states import local

HEADERS = {
    # no script at all, no frame around the desk, nothing from elsewhere
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def money(value) -> str:
    if value is None or value == "":
        return "-"
    return f"{Decimal(str(value)):,.2f}"


class Pages:
    def __init__(self, secrets: Callable[[], set[str]]) -> None:
        self.secrets = secrets
        self.env = Environment(loader=PackageLoader("runner.web", "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.filters["money"] = money
        self.env.filters["local"] = local

    def render(self, name: str, status: int = 200, **context) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        secrets = self.secrets()
        return HTMLResponse(redact(html, secrets | {escape(s) for s in secrets}), status, headers=HEADERS)
