"""A new user's trial of `runner init` (issue 23): a login nobody can bring back stops at
once, the resume file keeps no secret and says only what it has."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import yaml

from runner.setup.spec_writer import ENV_NAMES
from tests.conftest import HANG, ROOT
from tests.test_init import PASTE_REDIRECT, box, free_loopback, invoke, options, pasted_redirect, socket_box  # noqa: F401 - fixtures

SECRETS = ("WOO_CONSUMER_KEY", "WOO_CONSUMER_SECRET", "EXACT_CLIENT_SECRET")


def init_without_input(box, folder, *more: str) -> subprocess.CompletedProcess:
    keys = box.credentials()
    args = ["init", "--shop-url", box.woo_url, "--woo-key", keys["WOO_CONSUMER_KEY"], "--woo-secret", keys["WOO_CONSUMER_SECRET"]]
    args += ["--exact-url", box.exact_url, "--client-id", keys["EXACT_CLIENT_ID"], "--client-secret", keys["EXACT_CLIENT_SECRET"]]
    args += ["--redirect-uri", free_loopback() + "/callback", "--alert-to", "", "--yes", *more]
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES and k != "COLUMNS"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], cwd=folder, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=HANG, env=env
    )


def test_a_login_nobody_can_bring_back_stops_at_once_and_keeps_no_secret(socket_box, tmp_path, monkeypatch):
    box = socket_box
    monkeypatch.chdir(tmp_path)
    done = init_without_input(box, tmp_path, "--no-browser")
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "no login can come back: the input ended and no browser was opened (--no-browser)" in out
    assert "what to do:" in out and "paste the address" in out and "Traceback" not in out
    kept = (tmp_path / ".sync.yaml.init").read_text()
    keys = box.credentials()
    assert all(keys[name] not in kept and keys[name] not in out for name in SECRETS)

    again = invoke(["init", "--no-browser"], ["y"])  # the answers end after "continue?": stopped again
    assert "continuing: " in again.output
    said = again.output[again.output.index("continuing: ") :].splitlines()[0]
    assert said == f"continuing: {box.woo_url}", said  # no "Exact " without an address


def test_init_against_a_sandbox_writes_its_vies_address_or_says_to_give_it(box, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    location = pasted_redirect(box, monkeypatch)
    args = options(box, PASTE_REDIRECT, "--no-browser", "--since", "2020-01-01", "--alert-to", "")
    at = args.index("--vies-url")
    without = invoke(args[:at] + args[at + 2 :], [location])
    assert without.exit_code == 2 and "--vies-url" in without.output and "what to do:" in without.output, without.output
    assert not (tmp_path / "sync.yaml").exists() and "Traceback" not in without.output
    (tmp_path / ".sync.yaml.init").unlink(missing_ok=True)  # a fresh start, not the stopped one continued
    result = invoke(args, [pasted_redirect(box, monkeypatch)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((tmp_path / "sync.yaml").read_text())["vies"] == {"url": box.vies_url}


def test_the_closing_preview_shows_what_the_first_run_books(box, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = options(box, PASTE_REDIRECT, "--no-browser", "--alert-to", "")  # no --since: from the first run on
    done = invoke(args, [pasted_redirect(box, monkeypatch)])
    closing = done.output[done.output.index("The first three orders") :]
    shown = re.search(r"from (\d+) order\(s\)", closing)
    more = re.search(r"(\d+) more due", closing)
    previewed = (int(shown.group(1)) if shown else 0) + (int(more.group(1)) if more else 0)
    run = invoke(["run", "sync.yaml"])
    assert run.exit_code == 0, run.output
    booked = re.search(r"booked (\d+) order", run.output)
    assert previewed == (int(booked.group(1)) if booked else 0), (closing, run.output)
