"""Shared fixtures: the repository's sample data and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


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


def write_spec(tmp_path: Path, extra: str = "", **replacements: str) -> Path:
    """A valid spec in tmp_path that extends the bundled preset, plus `extra` YAML."""
    text = (DATA / "specs" / "test.yaml").read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    path = tmp_path / "sync.yaml"
    path.write_text(text + extra)
    return path


class ExactBox:
    """A running Exact sandbox and a logged-in token file for it."""

    def __init__(self, tmp_path: Path, clock=None, **options) -> None:
        from runner.oauth import TokenStore, Tokens
        from runner.sandbox.exact import ExactSimulator, ManualClock
        from runner.sandbox.server import SandboxServer

        self.clock = clock or ManualClock()  # waits for rate windows advance it: tests never sleep
        self.sim = ExactSimulator(clock=self.clock, **options)
        self.server = SandboxServer(self.sim).start()
        self.url = self.server.url
        minted = self.sim.mint_tokens()
        self.store = TokenStore(tmp_path / "exact-token.json", self.url, self.sim.config.client_id, self.sim.config.client_secret,
                                self.sim.config.redirect_uri, clock=self.clock)
        self.store.save(Tokens(minted["access_token"], minted["refresh_token"], self.clock() + int(minted["expires_in"])))

    def api(self, **kwargs):
        from runner.exact import ExactApi, RateGovernor

        governor = kwargs.pop("governor", None) or RateGovernor(clock=self.clock, sleep=kwargs.pop("sleep", self.clock.advance))
        return ExactApi(self.url, 1234567, self.store.access_token, governor=governor, **kwargs)

    def stop(self) -> None:
        self.server.stop()
        assert self.server.crashes == [] and self.sim.crashes == [], "the sandbox crashed"


@pytest.fixture
def exact_box(tmp_path):
    boxes = []

    def make(**options) -> ExactBox:
        boxes.append(ExactBox(tmp_path, **options))
        return boxes[-1]

    yield make
    for box in boxes:
        box.stop()
