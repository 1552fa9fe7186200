"""The desk's routes (Starlette): the login, the overview, a client's page with its buttons,
the preview and the VAT report, and WooCommerce's webhooks. Pages are rendered here from
what runner/web/data.py returns; nothing here reaches a ledger or a run itself."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from runner.errors import RunnerError
from runner.web import data, hooks
from runner.web.auth import COOKIE, PRE_COOKIE, Gate, Who
from runner.web.desk import Desk
from runner.web.pages import Pages
from runner.web.states import row
from runner.web.views import SORTS, act, failure, overview_row

MAX_FORM = 16 * 1024  # bytes of a login or button form


def create_app(desk: Desk, gate: Gate, today=date.today, now=time.time) -> Starlette:
    """The ASGI application. `today` and `now` are injectable: tests pin them."""
    clock = lambda: datetime.fromtimestamp(now(), UTC)  # noqa: E731  # the providers' now, from the desk's
    pages = Pages(lambda: desk.secrets() | {gate.token, gate.view_token} - {""})
    flashes: dict[str, str] = {}

    def who(request: Request) -> Who | None:
        return gate.who(request.cookies.get(COOKIE), request.headers.get("authorization"))

    def page(request: Request, who: Who, name: str, status: int = 200, **context) -> Response:
        said = flashes.pop(who.session, "") if who.session else ""
        return pages.render(name, status, who=who, csrf=gate.csrf(who.session) if who.session else "", said=said, **context)

    def login_needed(request: Request) -> Response:
        if request.headers.get("authorization") or request.method != "GET":
            return PlainTextResponse("log in first: send Authorization: Bearer $RUNNER_SERVE_TOKEN, or log in at /login", 401)
        return RedirectResponse("/login", 303)

    async def form(request: Request) -> dict[str, str] | None:
        body = await _read(request, MAX_FORM)
        if body is None:
            return None
        return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    async def login_page(request: Request) -> Response:
        pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        response = pages.render("login.html", 200, who=None, csrf=pre, said=request.query_params.get("failed") and "that token is not right")
        response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    async def login(request: Request) -> Response:
        fields = await form(request)
        pre = request.cookies.get(PRE_COOKIE)
        if fields is None or not pre or fields.get("csrf") != pre:
            return PlainTextResponse("refused: the login form's check is missing; open /login and log in again", 403)
        access = gate.check(fields.get("token", ""))
        if access is None:
            return RedirectResponse("/login?failed=1", 303)
        response = RedirectResponse("/", 303)
        response.set_cookie(COOKIE, gate.open(access), httponly=True, samesite="strict", secure=request.url.scheme == "https")
        response.delete_cookie(PRE_COOKIE)
        return response

    async def logout(request: Request) -> Response:
        user = who(request)
        fields = await form(request)
        if user and fields is not None and gate.csrf_ok(user, fields.get("csrf", "")):
            gate.close(user.session)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(COOKIE)
        return response

    def overview(request: Request) -> Response:
        user = who(request)
        if not user:
            return login_needed(request)
        moment = now()
        rows = [overview_row(c, moment, desk.next_run(c.name)) for c in desk.clients.values()]
        wanted = request.query_params.get("q", "").strip().lower()
        if wanted:
            rows = [r for r in rows if wanted in " ".join((r["name"].lower(), r["state"], r["first_failure"].lower(), r["flags"]))]
        key = request.query_params.get("sort", "state")
        if key not in SORTS:
            key = "state"
        rows.sort(key=SORTS[key], reverse=key in ("failures", "today", "month"))
        if request.headers.get("accept", "").startswith("application/json"):
            return JSONResponse(rows)
        return page(request, user, "overview.html", rows=rows, q=wanted, sort=key)

    def client_of(request: Request):
        return desk.clients.get(request.path_params["name"])

    def client_page(request: Request) -> Response:
        user = who(request)
        if not user:
            return login_needed(request)
        client = client_of(request)
        if client is None:
            return pages.render("missing.html", 404, who=user, csrf="", said="")
        status = data.status(client.spec)
        runs = data.recent_runs(status, today())
        first = today().replace(day=1).isoformat()
        return page(
            request,
            user,
            "client.html",
            client=client,
            row=row(client.name, status, now(), desk.next_run(client.name), client.spec.exact.monthly_lines),
            failures=[failure(f) for f in status["failures"]],
            runs=runs,
            last=desk.last.get(client.name),
            report_from=first,
            report_to=today().isoformat(),
            hooked=bool(client.spec.woocommerce.webhook_secret),
            settlements=data.settlements(client.spec, today(), clock),
        )

    def preview(request: Request) -> Response:
        user = who(request)
        client = client_of(request) if user else None
        if not user or client is None:
            return login_needed(request) if not user else PlainTextResponse("no such client", 404)
        try:
            shown = data.preview(client.spec)
        except RunnerError as error:
            return page(request, user, "problem.html", 502, client=client, error=error)
        return page(request, user, "preview.html", client=client, preview=shown)

    def report(request: Request) -> Response:
        user = who(request)
        client = client_of(request) if user else None
        if not user or client is None:
            return login_needed(request) if not user else PlainTextResponse("no such client", 404)
        start = request.query_params.get("from") or today().replace(day=1).isoformat()
        end = request.query_params.get("to") or today().isoformat()
        try:
            shown = data.vat_report(client.spec, start, end)
        except RunnerError as error:
            return page(request, user, "problem.html", 400, client=client, error=error)
        from runner.web.chart import boxes_svg

        return page(request, user, "report.html", client=client, report=shown, chart=boxes_svg(shown["boxes"]))

    async def action(request: Request) -> Response:
        user = who(request)
        if not user:
            return login_needed(request)
        fields = await form(request)
        if fields is None or not gate.csrf_ok(user, fields.get("csrf", "")):
            return PlainTextResponse("refused: this form has no valid CSRF token; reload the page and press the button again", 403)
        if not user.full:
            return PlainTextResponse("refused: this login may look, not act (a read-only login); ask the consultant", 403)
        client = client_of(request)
        if client is None:
            return PlainTextResponse("no such client", 404)
        what = request.path_params["what"]
        import anyio.to_thread

        said = await anyio.to_thread.run_sync(lambda: act(client, what, today(), clock))
        if user.bearer:
            return JSONResponse({"said": said})
        flashes[user.session] = said
        return RedirectResponse(f"/clients/{client.name}", 303)

    async def hook(request: Request) -> Response:
        client = client_of(request)
        body = await _read(request, hooks.MAX_BODY)
        if body is None:
            return PlainTextResponse("refused: the body is larger than a WooCommerce delivery", 413)
        offered = request.headers.get("x-wc-webhook-signature")
        if client is None:
            return PlainTextResponse("no such client", 404)
        if hooks.is_ping(body, offered):
            return PlainTextResponse("pong", 200)
        if not hooks.signed(body, client.spec.woocommerce.webhook_secret, offered):
            return PlainTextResponse("refused: the signature does not match this client's woocommerce.webhook_secret", 401)
        desk.poke(client.name)
        return JSONResponse({"queued": client.name}, 202)

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", overview, methods=["GET"]),
        Route("/clients/{name}", client_page, methods=["GET"]),
        Route("/clients/{name}/preview", preview, methods=["GET"]),
        Route("/clients/{name}/report", report, methods=["GET"]),
        Route("/clients/{name}/{what:str}", action, methods=["POST"]),
        Route("/hooks/{name}", hook, methods=["POST"]),
    ]

    async def said(request: Request, error: RunnerError) -> Response:
        user = who(request)
        return pages.render("error.html", 400, who=user, csrf=gate.csrf(user.session) if user and user.session else "", said="", error=error)

    async def bug(request: Request, error: Exception) -> Response:
        return PlainTextResponse(
            f"unexpected error in the runner ({type(error).__name__}); nothing booked is lost (the ledger keeps it). "
            "Run the same with the CLI (runner status, runner run) to see more, and report it.",
            500,
        )

    inner = Starlette(routes=routes, exception_handlers={RunnerError: said, Exception: bug})

    async def quiet(scope, receive, send) -> None:
        """Starlette answers a bug with `bug` and raises it again for the server to log; the
        log would carry the error's text, which may hold a secret: it is answered, not logged."""
        try:
            await inner(scope, receive, send)
        except Exception:
            if scope.get("type") != "http":
                raise

    return quiet


async def _read(request: Request, limit: int) -> bytes | None:
    """The raw body, or None when it is longer than `limit` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
