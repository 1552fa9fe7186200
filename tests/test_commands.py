"""The commands around the runs: logging in, listing divisions, the sandbox itself and
an online preview against it."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys

import httpx

from tests.conftest import HANG, ctrl_c_works


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _auth_process(box, redirect_uri: str) -> subprocess.Popen:
    box.exact.config.redirect_uri = redirect_uri
    box.spec.write_text(box.spec.read_text().replace("redirect_uri: http://localhost:8765/callback", f"redirect_uri: {redirect_uri}"))
    (box.dir / ".runner" / "exact-token.json").unlink()
    return subprocess.Popen(
        [sys.executable, "-m", "runner", "auth", str(box.spec), "--no-browser"],
        cwd=box.dir,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (os.getcwd(), os.environ.get("PYTHONPATH"))))},
    )


def _login_url(process: subprocess.Popen) -> str:
    for line in process.stdout:
        if "/api/oauth2/auth?" in line:
            return line.strip()
    raise AssertionError("runner auth printed no login address")


def test_auth_with_a_pasted_redirect_writes_a_private_token_file(sync_box):
    box = sync_box(orders=16, sockets=True)
    process = _auth_process(box, "https://boekhouder.example.nl/exact/callback")
    redirect = httpx.get(_login_url(process), timeout=HANG).headers["location"]  # what the browser would land on
    out, err = process.communicate(redirect + "\n", timeout=HANG)
    assert process.returncode == 0, err
    token_file = box.dir / ".runner" / "exact-token.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and "logged in" in out
    tokens = json.loads(token_file.read_text())
    assert tokens["access_token"] not in out + err and tokens["refresh_token"] not in out + err
    assert box.run("run").exit_code == 0 and box.documents()  # the new login books


def test_auth_catches_the_redirect_on_a_loopback_address(sync_box):
    box = sync_box(orders=16, sockets=True)
    port = _free_port()
    process = _auth_process(box, f"http://127.0.0.1:{port}/callback")
    url = _login_url(process)  # its input stays open and silent: the browser's return must not wait for a line
    page = httpx.get(url, follow_redirects=True, timeout=HANG)  # it listens before it prints the address
    assert page.status_code == 200 and "Logged in" in page.text
    assert process.wait(timeout=HANG) == 0  # done while its input is still open
    out, err = process.communicate(timeout=HANG)
    assert process.returncode == 0, err
    assert json.loads((box.dir / ".runner" / "exact-token.json").read_text())["refresh_token"]


def test_a_refused_login_says_so_and_exits_3(sync_box):
    box = sync_box(orders=16, sockets=True)
    process = _auth_process(box, "https://boekhouder.example.nl/exact/callback")
    _login_url(process)
    out, err = process.communicate("https://boekhouder.example.nl/exact/callback?error=access_denied&state=x\n", timeout=HANG)
    assert process.returncode == 3 and "Exact did not approve the login (access_denied)" in err and "Traceback" not in err
    assert "what to do: approve the app when Exact asks" in err


def test_auth_tells_the_browser_when_the_login_failed(sync_box):
    """As `runner init` does: "Logged in" only once the code became tokens."""
    box = sync_box(orders=2, sockets=True)
    port = _free_port()
    process = _auth_process(box, f"http://127.0.0.1:{port}/callback")
    url = _login_url(process)
    process.stdin.write("\n")
    process.stdin.flush()
    state = httpx.URL(url).params["state"]
    page = httpx.get(f"http://127.0.0.1:{port}/callback?error=access_denied&error_description=The+user+denied&state={state}", timeout=HANG)
    out, err = process.communicate(timeout=HANG)
    assert page.status_code == 400 and "Logged in" not in page.text and "Login failed" in page.text
    assert "Exact did not approve the login (access_denied: The user denied)" in page.text and "runner auth" in page.text
    assert process.returncode == 3 and "what to do: approve the app when Exact asks" in err and "logged in" not in out
    assert not (box.dir / ".runner" / "exact-token.json").exists()


def test_divisions_lists_what_the_login_may_use(sync_box):
    box = sync_box(orders=16)
    result = box.run("divisions")
    assert result.exit_code == 0, result.output
    assert "1234567" in result.output and "7654321" not in result.output


def test_online_preview_reads_the_shop_and_shows_real_guids(sync_box):
    box = sync_box(orders=16)
    result = box.run("preview", "--format", "json", "--limit", "3")
    assert result.exit_code == 0, result.output
    *documents, more = json.loads(result.output)
    assert len({d["order"] for d in documents}) == 3 and more["more_due"] > 0  # the last element: how many more are due
    gl_ids = {g["ID"] for g in box.exact.gl_accounts.values()}
    assert all(line["GLAccount"] in gl_ids for d in documents for line in d["payload"]["SalesEntryLines"])
    assert sum(n for (method, _), n in box.exact.calls.items() if method == "POST") == 0


def test_preview_and_validate_against_the_embedded_sandbox(cli, tmp_path):
    from tests.conftest import ROOT

    result = cli("preview", str(ROOT / "sync.yaml"), "--sandbox", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "2 document(s) from 2 order(s)" in result.output or "document(s) from 2 order(s)" in result.output


def test_the_sandbox_command_serves_both_until_stopped(tmp_path):
    """The one test of the socket server through the CLI: another process reaches both
    simulators on the ports asked for, and Ctrl-C stops them. It waits on what the command
    prints, never on the clock: a busy machine only makes it slower."""
    woo_port, exact_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "sandbox", "--orders", "20", "--woo-port", str(woo_port), "--exact-port", str(exact_port)],
        cwd=tmp_path,
        preexec_fn=ctrl_c_works,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (os.getcwd(), os.environ.get("PYTHONPATH"))))},
    )
    try:
        lines = []
        for line in process.stdout:  # up to the last line it prints before it waits for Ctrl-C
            lines.append(line)
            if "Ctrl-C stops" in line:
                break
        text = "".join(lines)
        assert f"http://127.0.0.1:{woo_port}" in text and f"http://127.0.0.1:{exact_port}" in text, text + process.stderr.read()
        assert "Redirect URI it accepts: http://localhost:8765/callback" in text  # what runner init asks for
        key = next(l.split("=", 1)[1].strip() for l in lines if "WOO_CONSUMER_KEY=" in l)
        secret = next(l.split("=", 1)[1].strip() for l in lines if "WOO_CONSUMER_SECRET=" in l)
        orders = httpx.get(f"http://127.0.0.1:{woo_port}/wp-json/wc/v3/orders", auth=(key, secret), params={"per_page": 100}, timeout=HANG)
        assert orders.status_code == 200 and len(orders.json()) == 20
        me = httpx.get(f"http://127.0.0.1:{exact_port}/api/v1/current/Me", timeout=HANG)
        assert me.status_code == 401  # Exact answers too, and wants a login
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=HANG)
    assert process.returncode == 0 and "sandbox stopped" in out, out + err
