"""`runner serve SPEC...`: the consultant's desk (runner/web), served by uvicorn on
127.0.0.1 unless told otherwise. Needs the `web` extra; without it, says how to get it."""

from __future__ import annotations

import glob
import os
import secrets
import tempfile
from pathlib import Path

import click

from runner.cli.common import Out, guarded, main
from runner.errors import UsageError
from runner.support.durations import duration

TOKEN_ENV = "RUNNER_SERVE_TOKEN"
VIEW_TOKEN_ENV = "RUNNER_SERVE_VIEW_TOKEN"
MIN_TOKEN = 16  # characters: a token a script guesses is no login


def _web():
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        raise UsageError(
            "the desk needs the web extra (Starlette and uvicorn), which is not installed",
            'pip install "woo-exact-runner[web]" (in a checkout: pip install -e ".[web]")',
        )
    return uvicorn


def spec_files(patterns: tuple[str, ...]) -> list[Path]:
    """SPEC... as given, a glob such as `clients/*.yaml` expanded (also when the shell did not)."""
    found: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise UsageError(f"{pattern!r} matches no spec", "name the specs, e.g. runner serve clients/*.yaml")
        for match in matches:
            if not Path(match).is_file():
                raise UsageError(f"spec file {match} not found", "name the clients' specs, e.g. runner serve clients/*.yaml")
            found.append(Path(match))
    return found


@main.command()
@click.argument("spec_paths", metavar="[SPEC]...", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; only this machine unless you say otherwise.")
@click.option("--port", default=8750, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--every", metavar="INTERVAL", help="Also run every client on a schedule (15m, 1h...), so one process serves all.")
@click.option("--read-only", is_flag=True, help="Nobody presses buttons: the pages show, nothing runs from them.")
@click.option("--sandbox", is_flag=True, help="Serve three demo clients on a fresh sandbox, with a throwaway login token.")
@guarded
def serve(spec_paths, host, port, every, read_only, sandbox) -> None:
    """The consultant's desk: one page for all clients (state, failures with a Retry button,
    the next due orders, the VAT report), and WooCommerce webhooks at /hooks/NAME."""
    uvicorn = _web()
    from runner.web.app import create_app
    from runner.web.auth import Gate
    from runner.web.desk import Desk

    interval = None
    if every:
        parsed = duration(every)
        if parsed is None:
            raise UsageError(f"--every {every!r} is not an interval", "write it like 15m, 30m, 1h or 90s")
        interval = parsed.total_seconds()
    demo = None
    if sandbox:
        if spec_paths:
            raise UsageError("--sandbox serves its own three demo clients", "leave out the SPECs, or leave out --sandbox")
        from runner.web import demo as demo_module

        token = secrets.token_urlsafe(18)
        demo = demo_module.start(Path(tempfile.mkdtemp(prefix="runner-desk-")))
        paths = list(demo.specs.values())
        click.echo(f"sandbox desk: three demo clients; log in with this throwaway token: {token}")  # printed on purpose: it is the demo's only door
    else:
        paths = spec_files(spec_paths or ("sync.yaml",))
        token = os.environ.get(TOKEN_ENV, "")
        if len(token) < MIN_TOKEN:
            raise UsageError(
                f"{TOKEN_ENV} is {'too short' if token else 'not set'}: the desk needs a login token of {MIN_TOKEN} characters or more",
                f"export {TOKEN_ENV}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))') and start it again",
            )
    Out.secrets.add(token)
    gate = Gate(token, os.environ.get(VIEW_TOKEN_ENV, ""), read_only=read_only)
    desk = Desk(paths, every=interval)
    for client in desk.clients.values():
        client.spec  # noqa: B018 - every spec read now: a broken one stops the start, not a page later
    Out.echo(f"the desk: http://{host}:{port}/ ({len(desk.clients)} client(s){', every ' + every if every else ''}); Ctrl-C stops")
    if host not in ("127.0.0.1", "localhost", "::1"):
        Out.echo(f"warning: listening on {host}: other machines can reach the desk; put it behind https", err=True)
    desk.start()
    try:
        uvicorn.run(create_app(desk, gate), host=host, port=port, log_level="warning")
    finally:
        desk.stop()
        if demo:
            demo.stop()
