"""Both simulators at once: a demo shop with a seeded order history and a seeded Exact
administration, each at its own 127.0.0.1 address. `runner sandbox` serves them on real
sockets until stopped; `--sandbox` points a spec at a fresh pair in this process (no socket,
see transport.py), with a throwaway ledger and login, so the real ledger and token file are
never touched and the run can be repeated."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from runner.sandbox.exact.simulator import ExactSimulator
from runner.sandbox.host import Served
from runner.sandbox.psp.start import Providers
from runner.sandbox.psp.start import start as start_providers
from runner.sandbox.server import SandboxServer
from runner.sandbox.transport import HostTransport, InProcessServer
from runner.sandbox.vies import PREFIX, ViesSimulator
from runner.sandbox.woo.api import DEFAULT_KEY, WooSimulator
from runner.support import private
from runner.support.http import mount, unmount

VIES_ORIGIN = "https://ec.europa.eu"  # the real VIES (vies.url's default)
DEMO_ORDERS = 30  # a demo run stays inside one minute window of Exact (60 calls)


@dataclass
class Sandbox:
    woo: WooSimulator
    exact: ExactSimulator
    woo_server: Served  # an InProcessServer, or a SandboxServer when other processes must reach it
    exact_server: Served
    vies: ViesSimulator | None = None  # the EU's VAT number check (runner/sandbox/vies.py)
    vies_server: Served | None = None
    vies_intercepted: bool = False  # the real VIES address answered by this sandbox's simulator, in this process
    providers: Providers | None = None  # Mollie, Stripe and PayPal paying out the shop's orders (psp/start.py)

    @property
    def vies_url(self) -> str:
        return self.vies_server.url + PREFIX if self.vies_server else ""

    @property
    def woo_url(self) -> str:
        return self.woo_server.url

    @property
    def exact_url(self) -> str:
        return self.exact_server.url

    def credentials(self) -> dict[str, str]:
        config = self.exact.config
        return {
            "WOO_CONSUMER_KEY": DEFAULT_KEY.consumer_key,
            "WOO_CONSUMER_SECRET": DEFAULT_KEY.consumer_secret,
            "EXACT_CLIENT_ID": config.client_id,
            "EXACT_CLIENT_SECRET": config.client_secret,
        }

    def log_in(self, token_file: Path) -> None:
        """A token file as `runner auth` would leave it (DESIGN.md section 7: JSON with
        access_token, refresh_token, expires_at; 0600), without the browser round trip."""
        minted = self.exact.mint_tokens()
        tokens = {
            "access_token": minted["access_token"],
            "refresh_token": minted["refresh_token"],
            "expires_at": time.time() + int(minted["expires_in"]),
        }
        real = Path(token_file).resolve()  # a link to a shared login is written where it points
        private.folder(real.parent)
        private.replace(real, [json.dumps(tokens)], real.with_name(f".{real.name}.{os.getpid()}.tmp"))
        now = time.time()
        os.utime(real, (now, now))  # the login's age is read on the runner's clock, as TokenStore.save leaves it

    def stop(self) -> None:
        self.woo_server.stop()
        self.exact_server.stop()
        if self.vies_server:
            self.vies_server.stop()
        if self.vies_intercepted:
            unmount(VIES_ORIGIN)
        if self.providers:
            self.providers.stop()

    def landed_lines(self, limit: int = 12) -> list[str]:
        """What is in the simulated Exact now: the documents, newest last, and their totals."""
        accounts = self.exact.accounts
        docs = sorted(
            list(self.exact.entries.values()) + list(self.exact.invoices.values()), key=lambda r: r.get("EntryNumber") or r.get("InvoiceNumber") or 0
        )
        if not docs:
            return ["nothing landed in the simulated Exact Online"]
        out = [
            f"in the simulated Exact Online (division {self.exact.admin.division}):",
            f"  {'number':>10}  {'date':10}  {'your ref':11}  {'customer':28}  {'amount':>9}  {'VAT':>7}",
        ]
        for row in docs[-limit:]:
            name = (accounts.get(row.get("Customer") or row.get("OrderedBy")) or {}).get("Name", "?")
            when = row.get("EntryDate") or row.get("InvoiceDate") or row.get("OrderDate")
            out.append(
                f"  {row.get('EntryNumber') or row.get('InvoiceNumber') or '-':>10}  {str(when)[:10]:10}  "
                f"{row.get('YourRef') or '':11}  {str(name)[:28]:28}  {Decimal(str(row.get('AmountFC') or 0)):>9.2f}  "
                f"{Decimal(str(row.get('VATAmountFC') or 0)):>7.2f}"
            )
        if len(docs) > limit:
            out.insert(2, f"  ... {len(docs) - limit} earlier document(s)")
        total = sum((Decimal(str(r.get("AmountFC") or 0)) for r in docs), Decimal(0))
        paid = sum(1 for r in self.exact.receivables.values() if r.get("IsFullyPaid"))
        created = sum(1 for a in accounts.values() if (a.get("Email") or "").strip())
        out.append(f"  {len(docs)} document(s) totalling {total:.2f}; {paid} receivable(s) paid; {created} account(s) with an e-mail")
        return out


def start(
    orders: int = DEMO_ORDERS, seed: int = 7, woo_port: int = 0, exact_port: int = 0, sockets: bool = False, providers: bool = False
) -> Sandbox:
    """A demo shop whose history ends now, and an administration that matches nl-default:
    in this process, or with `sockets` on real 127.0.0.1 ports (0: any free one). With
    `providers`, Mollie, Stripe and PayPal pay the shop's orders out (before anyone reads it)."""
    first = datetime.now().replace(microsecond=0) - timedelta(days=max(2, orders // 8) + 21)  # refunds come later, never in the future
    woo = WooSimulator.demo(orders, seed=seed, start=first)
    paying = start_providers(woo, seed=seed, sockets=sockets) if providers else None
    exact = ExactSimulator(seed=seed)
    box = serve(woo, exact, sockets, woo_port, exact_port)
    box.providers = paying
    return box


def serve(
    woo: WooSimulator,
    exact: ExactSimulator,
    sockets: bool = False,
    woo_port: int = 0,
    exact_port: int = 0,
    sleep: Callable[[float], None] | None = None,
    vies: ViesSimulator | None = None,
) -> Sandbox:
    """A running pair around the given simulators, and VIES beside them (a fresh one unless
    given); `sleep` is how a `delay` fault waits (time.sleep unless a test passes its own)."""
    vies = vies or ViesSimulator()
    if not sockets:
        servers = [InProcessServer(sim, sleep=sleep).start() for sim in (woo, exact, vies)]
        return Sandbox(woo, exact, servers[0], servers[1], vies, servers[2], _intercept(servers[2]))
    woo_server = SandboxServer(woo, port=woo_port, sleep=sleep)
    try:
        exact_server = SandboxServer(exact, port=exact_port, sleep=sleep)
    except OSError:
        woo_server.stop()
        raise
    vies_server = SandboxServer(vies, sleep=sleep).start()
    return Sandbox(woo, exact, woo_server.start(), exact_server.start(), vies, vies_server, _intercept(vies_server))


def _intercept(server: Served) -> bool:
    """A spec that names the real VIES (the preset does) while its shop is a sandbox in this
    process reaches this simulator there instead: demo numbers never go to the EU's service.
    The first sandbox of the process takes the address; the others leave it."""
    try:
        mount(VIES_ORIGIN, HostTransport(server.host))
    except ValueError:
        return False
    return True


@contextmanager
def embedded(spec, orders: int = DEMO_ORDERS, seed: int = 7, providers: bool = False) -> Iterator[tuple[object, Sandbox]]:
    """The spec pointed at a fresh sandbox; its ledger and login live in a temporary folder.
    With `providers`, Mollie, Stripe and PayPal too (`box.providers`; pointing a spec's
    settlements at them is for its caller: `box.providers.urls`, `.credentials()`)."""
    box = start(orders, seed, providers=providers)
    folder = Path(tempfile.mkdtemp(prefix="runner-sandbox-"))
    try:
        box.log_in(folder / "exact-token.json")
        keys = box.credentials()
        woo = replace(spec.woocommerce, url=box.woo_url, consumer_key=keys["WOO_CONSUMER_KEY"], consumer_secret=keys["WOO_CONSUMER_SECRET"])
        exact = replace(
            spec.exact,
            base_url=box.exact_url,
            division=box.exact.admin.division,
            client_id=keys["EXACT_CLIENT_ID"],
            client_secret=keys["EXACT_CLIENT_SECRET"],
            token_file=str(folder / "exact-token.json"),
        )
        vies = replace(spec.vies, url=box.vies_url)
        sandboxed = replace(spec, woocommerce=woo, exact=exact, vies=vies, state=str(folder / "state.json"), missing_env={})
        yield replace(sandboxed, secrets=spec.secrets | set(keys.values())), box
    finally:
        box.stop()
        shutil.rmtree(folder, ignore_errors=True)
