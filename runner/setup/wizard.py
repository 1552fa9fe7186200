"""`runner init`: set a client up in six steps, as the paid connectors do: the shop, the
Exact login, the administration, what to book, the mapping, and where alerts go. Writes sync.yaml (only what
differs from the nl-default preset, each key commented) and the secrets to .env (mode 0600).

Why it is built this way: every step checks its answers live (the shop's keys, the Exact
login, the administration's master data), so a spec that `runner init` wrote works. The
mapping proposal is pure (`runner.setup.proposals`). Questions go through a `Console` that
the CLI supplies (click prompts, the redacting echo, the browser), so this module prints
nothing. Every answer may come from an option: a wrong option stops with a message (no one
is there to answer again), a wrong typed answer is asked again. A stop (Ctrl-C, the input
ending) keeps the answers of the finished steps (`runner.setup.resume`), and the next start
offers to continue. The steps with most to them live in their own modules: the login
(`login`), the mapping (`mapping`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runner.adapters.exact import oauth
from runner.adapters.exact.client import ExactApi
from runner.adapters.exact.master import exact_percent, gl_accounts
from runner.adapters.woo.source import WooCommerce
from runner.errors import Rejected, RunnerError, ServiceError, SpecError, UsageError
from runner.setup import alerts as alerts_step
from runner.setup import login as login_step
from runner.setup import mapping as mapping_step
from runner.setup import resume
from runner.setup.console import Console, Stopped
from runner.setup.proposals import Catalog, Row
from runner.setup.spec_writer import (
    PRESET,
    Setup,
    check_shop_url,
    check_since,
    check_statuses,
    check_text,
    closing_lines,
    one_of,
    refuse_overwrite,
    write,
)
from runner.support.text import table as text_table

STEPS = 6
# What README.md says too (tests/test_second_week.py holds them to the questions really asked):
QUESTIONS = 14  # shop 3, Exact login 4, administration 1, what to book 5, alerts 1
ASKS = f"Six steps, about {QUESTIONS} questions, each answer checked live."
WOO_HINT = "the address is the shop's home page; the key and secret come from WooCommerce > Settings > Advanced > REST API (Read access)"


# ------------------------------------------------------------------ the services
def check_shop(url: str, key: str, secret: str) -> int:
    """One cheap read with the keys (the tax rates, one page); returns how many there are.
    Through the adapter, so a refused key reads as it does in a run."""
    woo = WooCommerce(url, key, secret, timeout=20, sleep=lambda _: None)
    try:
        return len(woo.taxes())
    finally:
        woo.close()


def read_catalog(api: ExactApi, name: str) -> Catalog:
    """The administration's VAT codes, GL accounts and journals (blocked ones left out)."""
    fields = "Code,Description,Percentage,Type,EUSalesListing,OssCountry,IsBlocked"
    try:
        vat = list(api.get("vat/VATCodes", fields))
    except Rejected:  # OssCountry comes with Exact's One-Stop-Shop feature set only
        vat = list(api.get("vat/VATCodes", fields.replace(",OssCountry", "")))
    gls = gl_accounts(api, "Code,Description,Type,VATCode")
    journals = api.get("financial/Journals", "Code,Description,Type,IsBlocked")

    def row(r: dict, **extra: Any) -> Row:
        return Row(str(r["Code"]).strip(), (r.get("Description") or "").strip(), str(r.get("Type") or "").strip(), **extra)

    def vat_row(v: dict) -> Row:  # Exact keeps percentages as fractions (0.21); the preset speaks whole percents
        return row(
            v, percent=exact_percent(v.get("Percentage")), listing=(v.get("EUSalesListing") or "N").strip(), oss=(v.get("OssCountry") or "").strip()
        )

    def by_code(rows) -> dict[str, Row]:
        return {r.code: r for r in rows}

    return Catalog(
        name,
        by_code(vat_row(v) for v in vat if not v.get("IsBlocked")),
        by_code(row(g, vat=(g.get("VATCode") or "").strip()) for g in gls),
        by_code(row(j) for j in journals if not j.get("IsBlocked")),
    )


# ------------------------------------------------------------------ the six steps
class Wizard:
    """The six steps: each takes its answers from the options or asks, checks them live,
    and fills the Setup that `write` turns into sync.yaml and .env."""

    def __init__(self, console: Console, options: Mapping[str, Any], accept: bool = False, redirect_timeout: float = 300.0) -> None:
        self.console, self.say, self.accept = console, console.say, accept
        self.options = {k: v for k, v in options.items() if v is not None}
        self.redirect_timeout = redirect_timeout

    def run(self, path: Path, force: bool) -> Setup:
        setup = Setup(Path(path))
        refuse_overwrite(setup, force)
        done = resume.offer(self, setup)
        step = done + 1
        try:
            step = 1
            if done < 1:
                self.say(f"{ASKS}\n\nStep 1 of {STEPS}: the shop")
                self.shop(setup)
                resume.save(setup, 1)
            step = 2
            self.say(f"\nStep 2 of {STEPS}: the Exact Online login")
            api = login_step.still_logged_in(self, setup) if done >= 2 else None
            if api is None:
                api = self.exact(setup)
                login_step.vies(self, setup)
                resume.save(setup, max(done, 2))
            step = 3
            self.say(f"\nStep 3 of {STEPS}: the administration")
            catalog = self.same_administration(setup, api) if done >= 3 else None
            if catalog is None:
                catalog = self.administration(setup, api)
                resume.save(setup, max(done, 3))
            step = 4
            self.say(f"\nStep 4 of {STEPS}: what to book")
            if done < 4:
                self.booking(setup)
                resume.save(setup, 4)
            else:
                self.say(f"  {self.booking_summary(setup)} (kept from before)")
            step = 5
            self.say(f"\nStep 5 of {STEPS}: the mapping (preset {PRESET}, checked against {catalog.name})")
            self.mapping(setup, catalog)
            step = 6
            self.say(f"\nStep 6 of {STEPS}: alerts")
            alerts_step.alerts(self, setup)
        except (Stopped, KeyboardInterrupt) as exc:
            raise resume.stopped(setup, step, exc) from None
        write(setup)
        resume.forget(setup.path)
        for line in closing_lines(setup, os.environ):
            self.say(line)
        return setup

    def same_administration(self, setup: Setup, api: ExactApi) -> Catalog | None:
        api.division = setup.division
        try:
            catalog = read_catalog(api, setup.division_name)
        except (SpecError, ServiceError) as exc:
            self.say(f"  division {setup.division} cannot be read any more ({exc.message}); pick again:")
            return None
        self.say(f"  {setup.division} {setup.division_name} (kept from before)")
        return catalog

    def interactive(self, *keys: str) -> bool:
        """Whether a failed check may ask again: only when every answer of the step was typed."""
        return not self.accept and not any(key in self.options for key in keys)

    def ask(self, key: str | None, question: str, check: Callable[[str], Any] = check_text, default: str | None = None, hidden: bool = False) -> Any:
        flag = f"--{key.replace('_', '-')}" if key else ""
        if key in self.options:
            try:
                return check(str(self.options[key]).strip())
            except RunnerError as exc:
                raise UsageError(f"{flag}: {exc.message}", exc.hint) from None
        if self.accept and default is not None:
            return check(default)
        while True:
            try:
                answer = self.console.ask(question, default, hidden)
            except Stopped:
                hint = "run `runner init` again" + (f", or give the answer as {flag} (see runner init --help)" if flag else "")
                raise Stopped(f'set-up stopped at "{question}"', hint) from None
            try:
                return check(answer.strip())
            except RunnerError as exc:
                self.say(f"  {exc.message}" + (f": {exc.hint}" if exc.hint else ""))

    def yes_no(self, key: str | None, question: str, default: bool) -> bool:
        if key in self.options:
            return bool(self.options[key])
        if self.accept:
            return default
        try:
            return self.console.confirm(question, default)
        except Stopped:
            raise Stopped(f'set-up stopped at "{question}"', "run `runner init` again") from None

    def shop(self, setup: Setup) -> None:
        retry = self.interactive("shop_url", "woo_key", "woo_secret")
        while True:
            keep = " (Enter keeps the last one)" if setup.woo_key else ""
            setup.shop_url = self.ask("shop_url", "Shop address (the store root)", check_shop_url, setup.shop_url or None)
            setup.woo_key = self.ask("woo_key", f"WooCommerce consumer key (ck_...){keep}", default=setup.woo_key or None, hidden=True)
            setup.woo_secret = self.ask("woo_secret", f"WooCommerce consumer secret (cs_...){keep}", default=setup.woo_secret or None, hidden=True)
            self.secret(setup.woo_key, setup.woo_secret)
            try:
                count = check_shop(setup.shop_url, setup.woo_key, setup.woo_secret)
            except (SpecError, ServiceError) as exc:
                if not retry:
                    raise SpecError(exc.message, WOO_HINT) from None
                self.say(f"  {exc.message}\n  {WOO_HINT}; try again:")
                continue
            self.say(f"  connected: the shop answers with these keys ({count} tax rates)")
            return

    def exact(self, setup: Setup) -> ExactApi:
        return login_step.exact(self, setup)

    def login(self, store: oauth.TokenStore) -> None:
        login_step.login(self, store, self.redirect_timeout)

    def administration(self, setup: Setup, api: ExactApi) -> Catalog:
        current = int(next(api.get("current/Me", "CurrentDivision"), {}).get("CurrentDivision") or 0)
        api.division = current
        rows = [(int(d["Code"]), (d.get("Description") or "").strip()) for d in api.get("system/Divisions", "Code,Description")]
        if not rows:
            raise SpecError("this Exact login may use no administration", "run runner init again and approve an administration when Exact asks")
        names = dict(rows)
        table = [("", "division", "name")] + [
            (str(i), str(code), name + (" (current)" if code == current else "")) for i, (code, name) in enumerate(rows, 1)
        ]
        self.say("\n".join("  " + line for line in text_table(table)))

        def pick(value: str) -> int:
            number = int(value) if value.isdigit() else -1
            if number in names:
                return number
            if 1 <= number <= len(rows):
                return rows[number - 1][0]
            raise UsageError(f"'{value}' is not in the list", "give the number of the first column or the division code")

        retry = self.interactive("division") and len(rows) > 1
        while True:
            one = len(rows) == 1 and "division" not in self.options
            setup.division = (
                rows[0][0] if one else self.ask("division", "Which administration?", pick, str(current if current in names else rows[0][0]))
            )
            setup.division_name = names[setup.division]
            api.division = setup.division
            try:
                catalog = read_catalog(api, setup.division_name)
            except SpecError as exc:  # a division the login may not use
                if not retry:
                    raise
                self.say(f"  {exc.message}; pick another:")
                continue
            self.say(
                f"  {setup.division} {setup.division_name}: {len(catalog.journal)} journals, {len(catalog.vat)} VAT codes, "
                f"{len(catalog.gl)} GL accounts"
            )
            return catalog

    def booking(self, setup: Setup) -> None:
        setup.target = self.ask(
            "target",
            "Book each order as sales_entry (verkoopboeking) or sales_invoice (Exact makes the invoice)",
            one_of("sales_entry", "sales_invoice"),
            setup.target,
        )
        setup.status = self.ask(
            "status", "Book it as sent (an open receivable) or paid (a payment settles it too)", one_of("sent", "paid"), setup.status
        )
        setup.statuses = self.ask("statuses", "Order statuses that trigger the booking (comma-separated)", check_statuses, "completed")
        setup.since = self.ask("since", "Book the history from (YYYY-MM-DD; empty: only orders from the first run on)", check_since, "")
        setup.push = self.yes_no("push_products", "Push WooCommerce products to Exact items (each run pushes the ones changed since)?", False)
        self.say(f"  {self.booking_summary(setup)}")

    @staticmethod
    def booking_summary(setup: Setup) -> str:
        return (
            f"{setup.target}, {setup.status}; when an order is {' or '.join(setup.statuses)}; "
            f"{'history from ' + setup.since if setup.since else 'from the first run on'}; "
            f"products {'pushed by each run (those changed since the last push)' if setup.push else 'not pushed'}"
        )

    def mapping(self, setup: Setup, catalog: Catalog) -> None:
        mapping_step.mapping(self, setup, catalog)

    def secret(self, *values: str) -> None:
        for value in values:
            if len(value) >= 4:  # as the spec loader: shorter values would blank ordinary text
                self.console.secret(value)
