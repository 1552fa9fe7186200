"""Commands that set a client up: init, auth, divisions, products, and the sandbox."""

from __future__ import annotations

import json
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path

import click

import runner.cli.render as render
from runner.cli.checks import preview, validate
from runner.cli.common import Out, guarded, load_spec, main, spec_argument
from runner.errors import RunnerError, UsageError


@main.command()
@spec_argument()
@click.option("--no-browser", is_flag=True, help="Only print the login URL; do not open a browser.")
@guarded
def auth(spec_path, no_browser) -> None:
    """Log in to Exact Online once; stores the token file the runs use."""
    from runner.adapters.exact.logins import Logins, own_token_file, store_from_spec
    from runner.setup import login, terminal
    from runner.setup.console import Console

    spec = load_spec(spec_path)
    spec.require_env("exact")
    exact = spec.exact
    login.reachable(exact.base_url)
    console = Console(
        Out.echo,
        _until_stopped(lambda q, default, hidden: click.prompt(q, default=default, hide_input=hidden, prompt_suffix=": ")),
        _until_stopped(lambda q, default: click.confirm(q, default=default)),
        None if no_browser else webbrowser.open,
        Out.secrets.add,
        terminal.line_until,
    )
    once = _Once(console)
    if own_token_file(spec):  # a client with an Exact user of their own: the spec's own file
        store = store_from_spec(spec)
        login.login(once, store, REDIRECT_WAIT, command="runner auth")  # as init does: the browser hears the truth
        Out.echo(f"logged in; tokens saved to {store.path} (mode 0600), for this spec alone. Next: runner divisions {spec_path}")
        return
    store = login.shared_login(once, exact.base_url, exact.client_id, exact.client_secret, exact.redirect_uri, "runner auth")
    user = login.user_of(store)
    logins = Logins(store.path.parent)
    logins.note_spec(store.path, spec.path)
    if not spec.exact.token_file or spec.token_file.exists() or spec.token_file.is_symlink():
        login.link_default(spec.path, store.path)
    Out.echo(f"logged in as {user}; tokens saved to {store.path} (mode 0600), the login every spec of this Exact user and app shares")
    here = spec.path.resolve()
    others = [p for p in logins.specs(store.path) if p != here]
    Out.echo(f"specs sharing this login: {', '.join(str(p) for p in [here, *others])}")
    if exact.user and exact.user != user:
        Out.echo(
            f"warning: {spec_path} names exact.user {exact.user}, but you logged in as {user}: set exact.user: {user} in it to use this login",
            err=True,
        )
    elif not exact.user and len(logins.users(exact.base_url, exact.client_id)) > 1:
        Out.echo(f"note: several Exact users are logged in for this app; name this one in {spec_path}: exact.user: {user}", err=True)
    Out.echo(f"Next: runner divisions {spec_path}")


REDIRECT_WAIT = 300.0  # seconds `runner auth` waits for the browser's return


class _Once:
    """What the login step asks of a wizard, for `runner auth`: each question once, and a
    wrong answer (a refused login pasted) ends the command with its message."""

    def __init__(self, console) -> None:
        self.console, self.redirect_timeout = console, REDIRECT_WAIT

    def say(self, text: str) -> None:
        self.console.say(text.removeprefix("  "))

    def ask(self, key, question: str, check=str, default=None, hidden=False):
        return check(self.console.ask(question, default, hidden).strip())


@main.command()
@spec_argument()
@guarded
def divisions(spec_path) -> None:
    """List the administrations (divisions) this Exact login may use."""
    from runner.adapters.exact.client import ExactApi
    from runner.adapters.exact.logins import store_from_spec
    from runner.cli.progress import waits_said

    spec = load_spec(spec_path)
    store = store_from_spec(spec)
    api = ExactApi(spec.exact.base_url, 0, store.access_token)
    shown = waits_said(api)
    current = next(api.get("current/Me", "CurrentDivision"))["CurrentDivision"]
    api.division = current
    rows = [("code", "name", "")] + [
        (str(d["Code"]), d.get("Description") or "", "current" if d.get("Current") else "")
        for d in api.get("system/Divisions", "Code,Description,Current")
    ]
    shown(None)
    for line in render.table(rows):
        Out.echo(line)


PRODUCTS_EVERY = 10  # products between two progress lines without a terminal (up to two calls each)


@main.command()
@spec_argument()
@click.option("--dry-run", is_flag=True, help="Show what would be created or changed in Exact; write nothing.")
@click.option("--sandbox", is_flag=True, help="Push to a fresh embedded sandbox of both services.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: the requests it would send, as JSON.")
@click.option("--yes", "push_once", is_flag=True, help="Push now, once, although products.push is false (without asking).")
@guarded
def products(spec_path, dry_run, sandbox, as_json, push_once) -> None:
    """Push WooCommerce products (simple and variations) to Exact items, matched on code."""
    from runner.cli.progress import progress_printer
    from runner.services.products import ProductsOptions, push_products

    spec = load_spec(spec_path)
    if not spec.products.push and not dry_run and not push_once:  # the sandbox too: what is tried there is what happens live
        question = f"products.push is false in {spec_path}: runner run does not push products. Push them to Exact's items now, once?"
        if not (sys.stdin.isatty() and click.confirm(question, default=False)):
            raise UsageError(
                f"products.push is false in {spec_path}: this client's products are not pushed to Exact",
                f"set products.push: true in {spec_path} (then every runner run pushes the products changed since the last push), "
                f"or push them once now with runner products {spec_path} --yes; runner products {spec_path} --dry-run shows what it would do",
            )
    show = progress_printer(sys.stdout.isatty(), "dry run" if dry_run else "pushing", PRODUCTS_EVERY)
    if as_json:  # stdout holds the JSON alone; a wait for Exact's minute window is still said
        waiting, show = show.waiting, lambda tick: None
        show.waiting = waiting  # type: ignore[attr-defined]
    pushed = push_products(spec, ProductsOptions(dry_run, sandbox), show, on_secret=Out.secrets.add)
    result, planned = pushed.report, pushed.planned
    if pushed.interrupted:
        Out.echo(render.products_interrupted(result, dry_run), err=True)
        sys.exit(130)
    if as_json:
        Out.echo(json.dumps(planned if dry_run else vars(result), indent=2, ensure_ascii=False, default=str))
        return
    if dry_run:
        for line in render.products_table(result.rows):
            Out.echo(line)
    for code, message in sorted(result.failed.items()):
        Out.echo(f"FAILED {code}: {message}", err=True)
    for note in result.skipped:
        Out.echo(f"skipped product {note}")
    if dry_run:  # one tense: what it would do
        would = f"would create {len(result.created)}, update {len(result.updated)}, leave {result.unchanged} unchanged"
        Out.echo(f"dry run, nothing written: {would}; {len(result.skipped)} skipped, {len(result.failed)} failed")
    else:
        done = f"created {len(result.created)} item(s), updated {len(result.updated)}, unchanged {result.unchanged}"
        Out.echo(f"{done}, skipped {len(result.skipped)}, failed {len(result.failed)}")
    if result.failed:
        sys.exit(1)


@main.command()
@click.option("--orders", type=click.IntRange(min=0), default=60, show_default=True, help="Demo orders in the shop.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the demo data.")
@click.option("--woo-port", type=int, default=8701, show_default=True)
@click.option("--exact-port", type=int, default=8702, show_default=True)
@guarded
def sandbox(orders, seed, woo_port, exact_port) -> None:
    """Start the simulated WooCommerce and Exact Online on localhost until stopped."""
    import time

    from runner.sandbox.embedded import start

    try:
        box = start(orders, seed, woo_port, exact_port, sockets=True)  # served to other processes: real sockets
    except OSError as exc:
        raise RunnerError(f"cannot listen on ports {woo_port}/{exact_port}: {exc.strerror}", "pick others with --woo-port and --exact-port") from None
    try:  # from here on, Ctrl-C stops the sandbox (also while the lines below are printed)
        Out.echo(f"WooCommerce sandbox: {box.woo_url}  ({orders} demo orders)")
        Out.echo(f"Exact Online sandbox: {box.exact_url}  (division {box.exact.admin.division})")
        Out.echo(f"Redirect URI it accepts: {box.exact.config.redirect_uri}  (the app's redirect URI: give it to runner init)")
        Out.echo(f"VIES sandbox: {box.vies_url}  (the spec's vies.url: VAT numbers are checked there)")
        Out.echo("Point a spec at them with these lines in a .env beside it (and woocommerce.url / exact.base_url as above):")
        for name, value in box.credentials().items():
            click.echo(f"  {name}={value}")  # sandbox credentials are public test values, meant to be copied
        Out.echo("then log in with `runner auth` in that spec's folder (the sandbox approves at once). Ctrl-C stops.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        box.stop()
        Out.echo("sandbox stopped")


def _until_stopped(prompt: Callable) -> Callable:
    """A click prompt whose end of input (Ctrl-D, Ctrl-C, a script out of answers) is the wizard's Stopped."""
    from runner.setup.wizard import Stopped

    def ask(*args):
        try:
            return prompt(*args)
        except click.Abort:
            raise Stopped("the input ended") from None

    return ask


@main.command()
@click.argument("spec_path", metavar="[PATH]", default="sync.yaml", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing spec, and the wizard's values in the .env beside it.")
@click.option("--shop-url", help="The shop's address (store root).")
@click.option("--woo-key", help="WooCommerce REST API consumer key (ck_...).")
@click.option("--woo-secret", help="WooCommerce REST API consumer secret (cs_...).")
@click.option("--region", "--exact-url", "region", help="Exact region: nl be de co.uk com es fr, or an address such as the sandbox's.")
@click.option("--client-id", help="Exact app client id (App Center).")
@click.option("--client-secret", help="Exact app client secret.")
@click.option("--redirect-uri", help="Redirect URI registered for the Exact app (default http://localhost:8765/callback).")
@click.option("--division", type=int, help="The administration's division code.")
@click.option("--target", type=click.Choice(["sales_entry", "sales_invoice"]), help="What an order becomes (default sales_entry).")
@click.option("--status", type=click.Choice(["sent", "paid"]), help="Booked as sent, or paid as well (default sent).")
@click.option("--statuses", help="Order statuses that trigger a booking, comma-separated (default completed).")
@click.option("--since", help='Book the history from this date (YYYY-MM-DD); "" = from the first run on.')
@click.option("--push-products/--no-push-products", default=None, help="Each run pushes changed products to Exact items (default no).")
@click.option("--alert-to", help='Alerts of failed orders to this e-mail address or webhook (https://...); "" = none.')
@click.option("--smtp-server", help="With an e-mail --alert-to: the mail server, host or host:port (587 unless given).")
@click.option("--smtp-user", help="With an e-mail --alert-to: the mail server's user name (empty: no login).")
@click.option("--smtp-password", help="With --smtp-user: its password (written to .env).")
@click.option("--yes", "-y", "accept", is_flag=True, help="Accept every proposal and default without asking.")
@click.option("--no-browser", is_flag=True, help="Only print the Exact login address; do not open a browser.")
@click.pass_context
@guarded
def init(ctx, spec_path, force, accept, no_browser, **answers) -> None:
    """Set a client up in six steps (shop, Exact login, administration, what to book, mapping, alerts):
    writes PATH (default sync.yaml) and its secrets in .env, then checks it and previews three orders."""
    from runner.setup import terminal, wizard

    prompt = _until_stopped(
        lambda q, default, hidden: click.prompt(q, default=default, hide_input=hidden, prompt_suffix=": ", show_default=bool(default) and not hidden)
    )
    console = wizard.Console(
        Out.echo,
        prompt,
        _until_stopped(lambda q, default: click.confirm(q, default=default)),
        None if no_browser else webbrowser.open,
        Out.secrets.add,
        terminal.line_until,
    )
    wizard.Wizard(console, answers, accept).run(Path(spec_path), force)
    Out.echo(f"\nChecking {spec_path} against the shop and the administration:")
    failed = None
    try:
        ctx.invoke(validate, spec_path=spec_path, online=True)
    except SystemExit as stop:  # its problems are printed; the preview still shows which orders they hit
        failed = stop.code
    Out.echo("\nThe first three orders, as they would be booked (nothing is posted):")
    try:
        ctx.invoke(preview, spec_path=spec_path, limit=3)
    except SystemExit as stop:
        failed = failed or stop.code
    if failed:
        sys.exit(failed)
