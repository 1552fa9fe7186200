"""One Exact login per consultant (issue 23 point 1): Exact gives a user one login per app
and revokes the one before when the same user and app log in again (the sandbox's
`single_grant`). Logins are kept per Exact host, app and user in the consultant's login
store, and every spec of that user uses the same one: setting up a second client never
ends the first one's login."""

from __future__ import annotations

import functools
import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner

from runner.adapters.exact import oauth
from runner.cli import main
from runner.sandbox.embedded import serve
from runner.sandbox.exact.seed import MAIN_DIVISION, OTHER_DIVISION
from runner.sandbox.exact.simulator import ExactSimulator
from runner.sandbox.server import SandboxServer
from runner.sandbox.woo.api import WooSimulator
from runner.setup.spec_writer import ENV_NAMES
from tests.conftest import HANG

PASTE_REDIRECT = "https://example.invalid/exact/callback"
STATE = "pinned-test-state"


class Consultant:
    """One Exact administration (two divisions granted) and three shops on real sockets: the
    runs of --jobs are processes of their own."""

    def __init__(self, tmp_path: Path) -> None:
        start = datetime.now().replace(microsecond=0) - timedelta(days=30)
        self.exact = ExactSimulator(seed=5, minutely_limit=100_000)
        self.exact.config.granted_divisions = (MAIN_DIVISION, OTHER_DIVISION)
        self.exact.config.redirect_uri = PASTE_REDIRECT
        first = serve(WooSimulator.demo(8, seed=11, start=start), self.exact, sockets=True)
        self.box, self.servers = first, [first.woo_server, first.exact_server]
        self.shops = [first.woo_url]
        for seed in (12, 13):
            server = SandboxServer(WooSimulator.demo(8, seed=seed, start=start)).start()
            self.servers.append(server)
            self.shops.append(server.url)
        self.dir = tmp_path

    def init(self, name: str, shop: str, division: int):
        """`runner init` of one client in a folder of its own, every answer an option; a
        login address to paste is at hand in case the wizard asks for one."""
        folder = self.dir / name
        folder.mkdir()
        keys = self.box.credentials()
        url, _ = oauth.authorize_url(self.box.exact_url, keys["EXACT_CLIENT_ID"], PASTE_REDIRECT, state=STATE)
        pasted = httpx.get(url, timeout=HANG).headers["location"]
        args = ["init", str(folder / "sync.yaml"), "--yes", "--no-browser", "--shop-url", shop]
        args += ["--woo-key", keys["WOO_CONSUMER_KEY"], "--woo-secret", keys["WOO_CONSUMER_SECRET"], "--exact-url", self.box.exact_url]
        args += ["--client-id", keys["EXACT_CLIENT_ID"], "--client-secret", keys["EXACT_CLIENT_SECRET"], "--redirect-uri", PASTE_REDIRECT]
        args += ["--division", str(division), "--since", "2020-01-01", "--vies-url", self.box.vies_url]
        return CliRunner(env=dict.fromkeys(ENV_NAMES)).invoke(main, args, input=pasted + "\n")

    def run(self, *args: str):
        return CliRunner(env=dict.fromkeys(ENV_NAMES)).invoke(main, list(args))

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def consultant(tmp_path, monkeypatch):
    monkeypatch.setattr(oauth, "authorize_url", functools.partial(oauth.authorize_url, state=STATE))
    lab = Consultant(tmp_path)
    yield lab
    lab.stop()


def test_three_clients_set_up_in_turn_share_one_login_and_each_books(consultant, own_login_store):
    lab = consultant
    specs, outputs = [], []
    for name, shop, division in zip("abc", lab.shops, (MAIN_DIVISION, OTHER_DIVISION, MAIN_DIVISION), strict=True):
        result = lab.init(name, shop, division)
        assert result.exit_code == 0, result.output
        specs.append(str(lab.dir / name / "sync.yaml"))
        outputs.append(result.output)

    for spec in specs:  # each books afterwards, one after the other ...
        booked = lab.run("run", spec)
        assert booked.exit_code == 0, booked.output
        assert "Old refresh token used" not in booked.output
    assert len(lab.exact.admins[MAIN_DIVISION].tables["salesentry/SalesEntries"]) > 0
    assert len(lab.exact.admins[OTHER_DIVISION].tables["salesentry/SalesEntries"]) > 0

    assert "Paste the address" in outputs[0] and "logged in as boekhouder@webwinkel.example" in outputs[0]
    for out in outputs[1:]:  # the login of client a is used as it is: a new one would end it
        assert "/api/oauth2/auth?" not in out and "logged in already as boekhouder@webwinkel.example" in out
        assert str(lab.dir / "a" / "sync.yaml") in out  # which specs use it
    for spec in specs:
        written = yaml.safe_load(Path(spec).read_text())
        assert written["exact"]["user"] == "boekhouder@webwinkel.example" and "token_file" not in written["exact"]
    (login,) = own_login_store.glob("*.json")
    assert login.name.endswith("-boekhouder@webwinkel.example.json")
    assert stat.S_IMODE(login.stat().st_mode) == 0o600 and stat.S_IMODE(own_login_store.stat().st_mode) == 0o700
    assert set(json.loads(login.read_text())) == {"access_token", "refresh_token", "expires_at"}
    assert sum(1 for grant in lab.exact.oauth.grants if grant.alive) == 1

    # ... and all three at once, when the access token has run out: one of them refreshes it
    expiry = json.loads(login.read_text())
    login.write_text(json.dumps({**expiry, "expires_at": 0}))  # the access token ran out: the runs refresh it, once
    together = lab.run("run", *specs, "--jobs", "3")
    assert together.exit_code == 0, together.output
    assert "Old refresh token used" not in together.output and "log in" not in together.output
    assert sum(1 for grant in lab.exact.oauth.grants if grant.alive) == 1

    auth_status = lab.run("status", specs[0])
    assert auth_status.exit_code == 0, auth_status.output


def test_a_login_of_before_the_store_is_used_until_the_store_has_one_and_runner_auth_names_the_specs(consultant, own_login_store):
    lab = consultant
    keys = lab.box.credentials()
    b = lab.dir / "b"  # client b was set up before the login store: a token file of its own, at the default path
    b.mkdir()
    (b / ".env").write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
    (b / "sync.yaml").write_text(
        f"version: 1\nextends: mappings/nl-default.yaml\n"
        f"woocommerce:\n  url: {lab.shops[1]}\n  consumer_key: ${{WOO_CONSUMER_KEY}}\n  consumer_secret: ${{WOO_CONSUMER_SECRET}}\n"
        f"exact:\n  base_url: {lab.box.exact_url}\n  division: {OTHER_DIVISION}\n  client_id: ${{EXACT_CLIENT_ID}}\n"
        f"  client_secret: ${{EXACT_CLIENT_SECRET}}\n  redirect_uri: {PASTE_REDIRECT}\n  token_file: .runner/exact-token.json\n"
        f"orders:\n  since: 2020-01-01\n"
    )
    lab.box.log_in(b / ".runner" / "exact-token.json")
    assert lab.run("run", str(b / "sync.yaml")).exit_code == 0  # the store has no login yet: b's own file

    assert lab.init("a", lab.shops[0], MAIN_DIVISION).exit_code == 0  # a new login, in the store: Exact ends b's
    for name in "ab":  # b now uses the store's login: the one that ended its own
        booked = lab.run("run", str(lab.dir / name / "sync.yaml"))
        assert booked.exit_code == 0, booked.output

    url, _ = oauth.authorize_url(lab.box.exact_url, keys["EXACT_CLIENT_ID"], PASTE_REDIRECT, state=STATE)
    pasted = httpx.get(url, timeout=HANG).headers["location"]
    auth = CliRunner(env={**dict.fromkeys(ENV_NAMES), **keys}).invoke(main, ["auth", str(b / "sync.yaml"), "--no-browser"], input=pasted + "\n")
    assert auth.exit_code == 0, auth.output
    assert "logged in as boekhouder@webwinkel.example" in auth.output and str(own_login_store) in auth.output
    assert f"specs sharing this login: {(b / 'sync.yaml').resolve()}, {(lab.dir / 'a' / 'sync.yaml').resolve()}" in auth.output
    assert (b / ".runner" / "exact-token.json").is_symlink()  # where b's own file was: a link to the shared login
    for name in "ab":  # a follows the new login: the same file
        booked = lab.run("run", str(lab.dir / name / "sync.yaml"))
        assert booked.exit_code == 0, booked.output
    assert sum(1 for grant in lab.exact.oauth.grants if grant.alive) == 1


def test_a_spec_with_a_token_file_of_its_own_keeps_it(consultant, own_login_store):
    lab = consultant
    assert lab.init("a", lab.shops[0], MAIN_DIVISION).exit_code == 0
    own = lab.dir / "a" / "sync.yaml"
    own.write_text(own.read_text().replace("  user: boekhouder@webwinkel.example", "  token_file: client-login.json"))
    refused = lab.run("run", str(own))
    assert refused.exit_code == 3 and "not logged in to Exact Online yet" in refused.output
    lab.box.log_in(lab.dir / "a" / "client-login.json")
    assert lab.run("run", str(own)).exit_code == 0
    assert os.path.exists(lab.dir / "a" / "client-login.json")
