"""DESIGN.md section 6: secrets never appear in output, logs, previews or error messages.
Every command runs as a real process against the sandbox, with failures, machine-readable
and verbose output, and RUNNER_DEBUG=1 tracebacks; neither what it prints nor what it
writes (the ledger, lock files) may hold a WooCommerce key or secret, the Exact client
secret, or any access or refresh token Exact gave out."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from runner.sandbox.host import Fault, Request, Response, json_response
from tests.conftest import HANG
from tests.robust import child_env, spawn


class Echo:
    """A service that repeats what it was sent in its error answers (a WAF page showing the
    URL, a gateway quoting the bearer token, a token service quoting the refresh token), for
    the next `times` requests that `match`."""

    def __init__(self, simulator, match, answer) -> None:
        self.simulator, self.match, self.answer, self.times = simulator, match, answer, 0

    def handle(self, request: Request) -> Response:
        if self.times and self.match(request):
            self.times -= 1
            return self.answer(request)
        return self.simulator.handle(request)


def echo_url(request: Request) -> Response:
    query = "&".join(f"{k}={v[-1]}" for k, v in request.query.items())
    return json_response(403, {"code": "waf_blocked", "message": f"blocked: {request.path}?{query}"})


def echo_bearer(request: Request) -> Response:
    return json_response(401, {"error": {"message": {"value": f"Unauthorized: {request.headers.get('authorization')} is not valid"}}})


def echo_refresh_token(request: Request) -> Response:
    return json_response(400, {"error": "invalid_grant", "error_description": f"refresh token {request.form().get('refresh_token')} is unknown"})


def every_secret(box) -> set[str]:
    oauth = box.exact.oauth
    tokens = set(oauth.access) | set(oauth.refresh) | set(oauth.old_refresh)
    keys = box.box.credentials()
    return tokens | {keys["WOO_CONSUMER_KEY"], keys["WOO_CONSUMER_SECRET"], keys["EXACT_CLIENT_SECRET"]}


@pytest.mark.slow
def test_no_command_ever_shows_or_writes_a_secret(sync_box):
    # shipping lines fail to map: failures to report; the shop's keys go in the query string
    box = sync_box(
        orders=20, extra="mapping:\n  gl_account: \"{{ {'product': '8000', 'fee': '8060', 'discount': '8070'}[line.kind] }}\"\n", sockets=True
    )
    spec_text = box.spec.read_text().replace(
        "  consumer_secret: ${WOO_CONSUMER_SECRET}\n", "  consumer_secret: ${WOO_CONSUMER_SECRET}\n  query_string_auth: true\n"
    )
    box.spec.write_text(spec_text)
    box.exact.config.access_token_lifetime = 40  # refreshes on the way: more tokens that must not leak
    box.exact.config.refresh_window = 39
    box.box.log_in(box.dir / ".runner" / "exact-token.json")
    today = date.today()
    commands = [
        ("validate",),
        ("validate", "--online"),
        ("preview", "--payloads"),
        ("preview", "--format", "json"),
        ("preview", "--format", "yaml", "--limit", "3"),
        ("run", "--dry-run"),
        ("run", "--dry-run", "--json"),
        ("run",),
        ("run", "--json"),
        ("status",),
        ("status", "--json"),
        ("retry",),
        ("divisions",),
        ("products", "--dry-run"),
        ("products",),
        ("report", "--from", str(today - timedelta(days=90)), "--to", str(today)),
    ]
    outputs: list[str] = []

    def command(*args: str) -> str:  # RUNNER_DEBUG=1 adds tracebacks to what a command prints
        proc = spawn(box.spec, *args, env=child_env(RUNNER_DEBUG="1"))
        out, err = proc.communicate(timeout=HANG)
        outputs.append(f"$ runner {' '.join(args)} -> {proc.returncode}\n{out}{err}")
        return out + err

    for args in commands:
        command(*args)
    assert "FAILED order" in "".join(outputs)  # failures were reported on the way
    # a bug in the runner under RUNNER_DEBUG=1: the traceback is printed, redacted
    box.box.exact_server.faults.queue(Fault(200, html=False, match=lambda r: "sync/CRM/Accounts" in r.path), times=1)
    crash = command("run")
    assert "Traceback" in crash and "unexpected error in the runner" in crash
    # a shop URL without the REST API: the message shows the URL, with the keys blanked
    box.spec.write_text(spec_text.replace(box.box.woo_url, box.box.woo_url + "/nothing-here"))
    wrong = command("run") + command("validate", "--online")
    assert "error:" in wrong

    # services that quote back what they were sent: the runner shows their words, not the secrets
    box.spec.write_text(spec_text)
    woo = box.box.woo_server.simulator = Echo(box.woo, lambda r: "/orders" in r.path, echo_url)
    woo.times = 1
    assert "blocked: /wp-json/wc/v3/orders?" in command("run")
    exact = box.box.exact_server.simulator = Echo(box.exact, lambda r: r.path.startswith("/api/v1/"), echo_bearer)
    exact.times = 2
    assert "is not valid" in command("run")
    tokens = box.box.exact_server.simulator = Echo(box.exact, lambda r: r.path.endswith("/oauth2/token"), echo_refresh_token)
    tokens.times = 1
    token_file = box.dir / ".runner" / "exact-token.json"
    token_file.write_text(token_file.read_text().replace('"expires_at": ', '"expires_at": 1, "was": '))
    assert "is unknown" in command("run")

    secrets = every_secret(box)
    assert len(secrets) > 6  # several tokens were given out along the way
    written = [p for p in box.dir.rglob("*") if p.is_file() and p.name not in (".env", "exact-token.json")]
    texts = [(text.splitlines()[0], text) for text in outputs] + [(str(p), p.read_text(errors="replace")) for p in written]
    leaks = sorted({(secret[:8] + "...", where) for secret in secrets for where, text in texts if secret in text})
    assert leaks == [], f"secrets shown or written: {leaks}"
    everything = "\n".join(outputs)
    assert not re.search(r"(consumer_key|consumer_secret|access_token|refresh_token|client_secret|code)=(?!\*\*\*)[^&\s]+", everything)
