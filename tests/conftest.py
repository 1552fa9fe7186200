"""Shared fixtures: the repository's sample data, a CLI runner, and the sandbox in this
process (no sockets: runner.support.http mounts the simulators; see runner/sandbox/transport.py).
A test whose second process must reach a simulator asks for `sockets=True`."""

from __future__ import annotations

import json
import os
import signal
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

# The property tests draw the same examples on every run (a seed per test), so CI never passes
# or fails by the luck of the draw; HYPOTHESIS_PROFILE=explore draws new ones to look for more.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
HANG = 600  # seconds: a limit only a hung process reaches, never a slow one on a busy machine


def ctrl_c_works() -> None:
    """For a child the tests stop with Ctrl-C (SIGINT): a test run started in the background
    (`cmd &` in a script, nohup) ignores SIGINT, and a child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


MEMORY = Path("/dev/shm")

if "TMPDIR" not in os.environ and MEMORY.is_dir() and os.access(MEMORY, os.W_OK):
    # Temporary folders (tmp_path, the sandbox's throwaway ledgers) in memory: the ledger and the
    # token file fsync every write, which on a busy disk costs milliseconds each and thousands
    # of times a run. Durability is not what these tests check; set TMPDIR to choose otherwise.
    tempfile.tempdir = str(MEMORY)


@pytest.fixture
def cli():
    """Invokes `runner ...` in-process and returns the click Result."""
    from runner.cli import main

    runner = CliRunner()

    def invoke(*args: str, env: dict | None = None):
        return runner.invoke(main, list(args), env=env, catch_exceptions=True)

    return invoke


@pytest.fixture
def sample_orders() -> list[dict]:
    return json.loads((DATA / "woo-sample-orders.json").read_text())


@pytest.fixture
def sample_refunds() -> dict[str, list[dict]]:
    return json.loads((DATA / "woo-sample-refunds.json").read_text())


@pytest.fixture
def waits():
    """The seconds the adapters would have slept before retrying, recorded instead of slept."""
    from runner.support.http import pausing

    recorded: list[float] = []
    with pausing(recorded.append):
        yield recorded


def browse(url: str):
    """What a browser gets for `url` (no redirects followed), in-process sandbox or not."""
    from runner.support.http import make_client

    with make_client() as client:
        return client.get(url)


def write_spec(tmp_path: Path, extra: str = "", **replacements: str) -> Path:
    """A valid spec in tmp_path that extends the bundled preset, plus `extra` YAML."""
    text = (DATA / "specs" / "test.yaml").read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    path = tmp_path / "sync.yaml"
    path.write_text(text + extra)
    return path


class ExactBox:
    """A running Exact sandbox (in-process) and a logged-in token file for it."""

    def __init__(self, tmp_path: Path, clock=None, **options) -> None:
        from runner.adapters.exact.oauth import Tokens, TokenStore
        from runner.sandbox.exact.simulator import ExactSimulator, ManualClock
        from runner.sandbox.transport import InProcessServer

        self.clock = clock or ManualClock()  # waits for rate windows advance it: tests never sleep
        self.sim = ExactSimulator(clock=self.clock, **options)
        self.server = InProcessServer(self.sim, sleep=self.clock.advance).start()
        self.url = self.server.url
        minted = self.sim.mint_tokens()
        self.store = TokenStore(
            tmp_path / "exact-token.json",
            self.url,
            self.sim.config.client_id,
            self.sim.config.client_secret,
            self.sim.config.redirect_uri,
            clock=self.clock,
        )
        self.store.save(Tokens(minted["access_token"], minted["refresh_token"], self.clock() + int(minted["expires_in"])))

    def api(self, **kwargs):
        from runner.adapters.exact.client import ExactApi, RateGovernor

        governor = kwargs.pop("governor", None) or RateGovernor(clock=self.clock, sleep=kwargs.pop("sleep", self.clock.advance))
        return ExactApi(self.url, 1234567, self.store.access_token, governor=governor, **kwargs)

    def stop(self) -> None:
        self.server.stop()
        assert self.server.crashes == [] and self.sim.crashes == [], "the sandbox crashed"


# The sandbox's unconfirmed behaviours that could change what the runner does (docs/sandbox.md),
# each at its stricter and at its more lenient value: integration tests take `unsure` to run
# under both, so the runner depends on neither reading.
UNSURE = {
    "strict": {
        "email_case_sensitive": True,
        "filter_in_function": False,
        "trailing_blanks": False,
        "top_v1": True,
        "require_select": True,
        "omitted_balances": "refuse",
    },
    "lenient": {
        "email_case_sensitive": False,
        "filter_in_function": True,
        "trailing_blanks": True,
        "top_v1": False,
        "require_select": False,
        "omitted_balances": "derive",
    },
}


@pytest.fixture(params=sorted(UNSURE))
def unsure(request) -> dict:
    """ExactSimulator options: every unconfirmed setting at its strict, then its lenient value."""
    return dict(UNSURE[request.param])


@pytest.fixture
def exact_box(tmp_path):
    boxes = []

    def make(**options) -> ExactBox:
        boxes.append(ExactBox(tmp_path, **options))
        return boxes[-1]

    yield make
    for box in boxes:
        box.stop()


class SyncBox:
    """A demo shop and an Exact administration at 127.0.0.1 addresses, and a spec wired to
    both (secrets in a .env beside it, a logged-in token file), for end-to-end runs. In this
    process unless `sockets`: then runner subprocesses can reach them too."""

    def __init__(
        self,
        tmp_path: Path,
        orders: int = 30,
        seed: int = 3,
        extra: str = "",
        since: str | None = "2020-01-01",
        exact_options: dict | None = None,
        woo_options: dict | None = None,
        sockets: bool = False,
        start=None,
    ) -> None:
        from datetime import datetime, timedelta

        from runner.sandbox.embedded import serve
        from runner.sandbox.exact.simulator import ExactSimulator
        from runner.sandbox.woo.api import WooSimulator

        start = start or datetime.now().replace(microsecond=0) - timedelta(days=60)  # the first order, shop-local
        self.woo = WooSimulator.demo(orders, seed=seed, start=start, **(woo_options or {}))
        self.exact = ExactSimulator(seed=seed, **{"minutely_limit": 100_000, **(exact_options or {})})
        self.delays: list[float] = []  # what `delay` faults would have waited, in-process
        self.box = serve(self.woo, self.exact, sockets=sockets, sleep=None if sockets else self.delays.append)
        self.vies = self.box.vies  # the VAT number service: register numbers, take member states down
        self.dir = tmp_path
        self.box.log_in(tmp_path / ".runner" / "exact-token.json")
        (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in self.box.credentials().items()))
        since_line = f"\n  since: {since}" if since else ""
        self.spec = tmp_path / "sync.yaml"
        self.spec.write_text(
            f"version: 1\nextends: mappings/nl-default.yaml\n"
            f"woocommerce:\n  url: {self.box.woo_url}\n  consumer_key: ${{WOO_CONSUMER_KEY}}\n  consumer_secret: ${{WOO_CONSUMER_SECRET}}\n"
            f"exact:\n  base_url: {self.box.exact_url}\n  division: 1234567\n  client_id: ${{EXACT_CLIENT_ID}}\n"
            f"  client_secret: ${{EXACT_CLIENT_SECRET}}\n  redirect_uri: http://localhost:8765/callback\n"
            f"orders:\n  statuses: [completed, processing]{since_line}\n"
            + (f"vies:\n  url: {self.box.vies_url}\n" if "\nvies:" not in "\n" + extra else "")
            + extra
        )

    def run(self, *args: str):
        from click.testing import CliRunner

        from runner.cli import main

        return CliRunner().invoke(main, [args[0], str(self.spec), *args[1:]], catch_exceptions=False)

    def ledger(self):
        from runner.ledger import Ledger

        return Ledger(self.dir / ".runner" / "state.json")

    def due(self) -> list[dict]:
        """The orders a run should book: a trigger status, or refunded after reaching one."""
        from runner.adapters.woo.rest import reached_trigger

        return [o for o in self.woo.orders.values() if reached_trigger(o, {"completed", "processing"})]

    def documents(self) -> list[dict]:
        """The booked documents: the invoices where there are any (printing one also makes
        its financial entry, which is not a second booking), else the sales entries."""
        return list((self.exact.invoices or self.exact.entries).values())

    def posts(self, endpoint: str) -> int:
        return self.exact.calls[("POST", endpoint)]

    def stop(self) -> None:
        self.box.stop()
        assert self.box.woo_server.crashes == [] and self.box.exact_server.crashes == [] and self.exact.crashes == []
        assert self.box.vies_server.crashes == []


@pytest.fixture
def sync_box(tmp_path, waits):
    boxes = []

    def make(**options) -> SyncBox:
        boxes.append(SyncBox(tmp_path / f"client{len(boxes)}", **options))
        return boxes[-1]

    yield make
    for box in boxes:
        box.stop()


@pytest.fixture(autouse=True)
def own_login_store(tmp_path_factory, monkeypatch):
    """Every test its own login store (runner/adapters/exact/logins.py Logins), never the developer's
    ~/.config: set in the environment, so runner subprocesses use it too."""
    folder = tmp_path_factory.mktemp("logins")
    monkeypatch.setenv("RUNNER_LOGINS", str(folder))  # runner.adapters.exact.logins.LOGINS_ENV
    return folder
