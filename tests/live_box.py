"""A running sandbox pair (WooCommerce + Exact at 127.0.0.1 addresses, served in-process) and
a spec file pointing at it, for tests that go through the command line the way cron and a
bookkeeper do. Import the `live` fixture into a test module to use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

SPEC = """\
version: 1
extends: mappings/nl-default.yaml
woocommerce:
  url: {woo_url}
  consumer_key: ${{WOO_CONSUMER_KEY}}
  consumer_secret: ${{WOO_CONSUMER_SECRET}}
exact:
  base_url: {exact_url}
  division: 1234567
  client_id: ${{EXACT_CLIENT_ID}}
  client_secret: ${{EXACT_CLIENT_SECRET}}
  token_file: exact-token.json
state: state.json
orders:
  statuses: {statuses}
  since: 2000-01-01
"""


@dataclass
class Live:
    box: object  # runner.sandbox.embedded.Sandbox
    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> Path:
        return self.folder / "sync.yaml"

    @property
    def token_file(self) -> Path:
        return self.folder / "exact-token.json"

    def write(self, statuses: str = "[completed]", extra: str = "") -> Path:
        self.spec.write_text(SPEC.format(woo_url=self.box.woo_url, exact_url=self.box.exact_url, statuses=statuses) + extra)
        return self.spec

    def cli(self, command: str, *args: str):
        from runner.cli import main

        return CliRunner().invoke(main, [command, str(self.spec), *args], env=self.env, catch_exceptions=False)


@pytest.fixture
def live(tmp_path):
    """`live(orders=10)`: a fresh sandbox, logged in, with a spec (written by `.write()`)."""
    from runner.sandbox.embedded import start

    boxes = []

    def make(orders: int = 10, seed: int = 7) -> Live:
        box = start(orders, seed)
        boxes.append(box)
        live_box = Live(box, tmp_path, dict(box.credentials()))
        box.log_in(live_box.token_file)
        return live_box

    yield make
    for box in boxes:
        box.stop()
        assert box.exact.crashes == [], "the Exact sandbox crashed"
