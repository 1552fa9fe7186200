"""Spec loading and `runner validate`: every problem at once, with file, line and key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from runner.errors import SpecError
from runner.spec import check as spec_module
from tests.conftest import DATA, ROOT, write_spec

BAD = sorted((DATA / "bad-specs").glob("*.yaml"))


def test_the_example_spec_is_valid(cli):
    result = cli("validate", str(ROOT / "sync.yaml"), "--allow-missing-env")
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "${WOO_CONSUMER_KEY} is not set" in result.output  # a note when asked: a machine without the secrets
    unset = cli("validate", str(ROOT / "sync.yaml"))
    assert unset.exit_code == 2 and "${VAR}s not set" in unset.output


SET = {name: "x" for name in ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET")}


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_each_bad_spec_exits_2_naming_its_problem(cli, path: Path):
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    result = cli("validate", str(path), env=SET)  # the secrets set: a ${VAR} set nowhere is a problem of its own
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert "what to do:" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_problems_carry_file_and_line(cli):
    result = cli("validate", str(DATA / "bad-specs" / "many-problems.yaml"), env=SET)
    lines = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(lines) == 3
    for line in lines:
        assert re.match(r"^tests/data/bad-specs/many-problems\.yaml:\d+: |^\S*many-problems\.yaml:\d+: ", line), line
    target = next(line for line in lines if "booking.target" in line)
    source = (DATA / "bad-specs" / "many-problems.yaml").read_text().splitlines()
    number = int(target.split(":")[1])
    assert "target: sales_order" in source[number - 1]


def test_a_problem_in_the_preset_names_the_preset_file(tmp_path):
    preset = tmp_path / "mine.yaml"
    preset.write_text((ROOT / "mappings" / "nl-default.yaml").read_text().replace("lines: per_item", "lines: per_line"))
    path = write_spec(tmp_path, extends_line := "", **{"mappings/nl-default.yaml": "mine.yaml"})
    with pytest.raises(SpecError) as caught:
        spec_module.load(path, environ={})
    assert any("mine.yaml:" in p and "booking.lines" in p for p in caught.value.problems)
    del extends_line


def test_env_and_dotenv_fill_secrets_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("# secrets\nWOO_CONSUMER_KEY=ck_from_dotenv\nexport WOO_CONSUMER_SECRET='cs_from dotenv'\n")
    spec = spec_module.load(write_spec(tmp_path), environ={"WOO_CONSUMER_KEY": "ck_from_env"})
    assert spec.woocommerce.consumer_key == "ck_from_env"
    assert spec.woocommerce.consumer_secret == "cs_from dotenv"
    assert {"ck_from_env", "cs_from dotenv"} <= spec.secrets
    assert set(spec.missing_env) == {"EXACT_CLIENT_ID", "EXACT_CLIENT_SECRET"}


def test_a_missing_variable_is_an_error_naming_it_once_a_service_is_needed(tmp_path):
    spec = spec_module.load(write_spec(tmp_path), environ={"WOO_CONSUMER_KEY": "k", "WOO_CONSUMER_SECRET": "s"})
    spec.require_env("woocommerce")  # complete: no error
    with pytest.raises(SpecError) as caught:
        spec.require_env("exact")
    assert "EXACT_CLIENT_ID" in caught.value.message and "EXACT_CLIENT_SECRET" in caught.value.message
    assert "sync.yaml:" in caught.value.message


def test_defaults_fill_the_document(tmp_path):
    spec = spec_module.load(write_spec(tmp_path), environ={})
    assert spec.booking.target == "sales_entry"
    assert spec.booking.discounts == "net"
    assert spec.woocommerce.timezone == "Europe/Amsterdam"
    assert spec.file(".runner/state.json") == tmp_path / ".runner" / "state.json"


def test_validate_runs_from_any_folder_with_the_bundled_preset(tmp_path):
    """The installed package ships schemas/ and mappings/ (CI installs it non-editable)."""
    path = write_spec(tmp_path)
    command = [sys.executable, "-m", "runner", "validate", str(path), "--allow-missing-env"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout


def test_python_m_runner_reports_a_bad_spec_without_traceback(tmp_path):
    path = DATA / "bad-specs" / "sandbox-escape.yaml"
    done = subprocess.run([sys.executable, "-m", "runner", "validate", str(path)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "Python internals" in done.stderr
