"""`runner accounts SPEC [--search TEXT] [--json]`: the administration's GL accounts, and
which spec keys use each one."""

from __future__ import annotations

import dataclasses
import json

import click

from runner.cli.common import Out, guarded, load_spec, main, spec_argument, target
from runner.support.text import table


@main.command()
@spec_argument()
@click.option("--search", metavar="TEXT", default="", help="Only accounts whose code, description or type hold TEXT (every word of it).")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@click.option("--sandbox", is_flag=True, help="List a fresh embedded sandbox's accounts.")
@guarded
def accounts(spec_path, search, as_json, sandbox) -> None:
    """List the administration's GL accounts (code, description, type) and the spec keys
    that use each, to pick codes for the templates."""
    from runner.adapters.exact.client import ExactApi
    from runner.adapters.exact.logins import store_from_spec
    from runner.cli.progress import waits_said
    from runner.services.accounts import accounts as listed
    from runner.services.accounts import chart

    spec = load_spec(spec_path)
    with target(spec, sandbox) as (spec, _box):
        api = ExactApi(spec.exact.base_url, spec.exact.division, store_from_spec(spec).access_token)
        shown = waits_said(api)
        rows = listed(spec, chart(api), search)
        shown(None)
    if as_json:
        Out.echo(json.dumps([dataclasses.asdict(a) for a in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        Out.echo(f"no GL account matches {search!r}; try a shorter --search, or leave it out for all" if search else "no GL accounts")
        return
    lines = [("code", "description", "type", "used by the spec")]
    lines += [(a.code, a.description, a.type, ", ".join(a.used_by)) for a in rows]
    for line in table(lines):
        Out.echo(line)
