"""`runner accounts SPEC [--search TEXT] [--json]`: the administration's GL accounts, and
which spec keys use each one."""

from __future__ import annotations

import dataclasses
import json
import sys

import click

from runner.cli.common import Out, guarded, load_spec, main, spec_argument, target
from runner.errors import UsageError
from runner.support.text import table


@main.command()
@spec_argument()
@click.option("--search", metavar="TEXT", default="", help="Only accounts whose code, description or type hold TEXT (every word of it).")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@click.option("--sandbox", is_flag=True, help="List a fresh embedded sandbox's accounts.")
@click.argument("more_words", nargs=-1, metavar="")
@guarded
def accounts(spec_path, search, as_json, sandbox, more_words) -> None:
    """List the administration's GL accounts (code, description, type) and the spec keys
    that use each, to pick codes for the templates. `--search omzet hoog`: every word."""
    if more_words and not search:
        words = " ".join(more_words)
        raise UsageError(f"unexpected argument(s): {words}", f"to search, put the words after --search: runner accounts {spec_path} --search {words}")
    search = " ".join((search, *more_words))  # --search omzet hoog: the words after it, unquoted, as the README writes them
    from runner.cli.progress import progress_printer
    from runner.services.accounts import administration_accounts

    spec = load_spec(spec_path)
    with target(spec, sandbox) as (spec, _box):
        shown = progress_printer(sys.stdout.isatty())  # says a wait for Exact's minute window, then clears its line
        rows = administration_accounts(spec, search, shown)
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
