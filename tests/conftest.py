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
