"""Alerts (`notify:`): what to tell after a run, decided from the ledger (pure), and the
whole path through `runner run` to a webhook (served in-process at a 127.0.0.1 address) and
an SMTP server on 127.0.0.1 that record what they get: one alert per failure, none repeated,
one recovery, and a stall."""

from __future__ import annotations

import base64
import email
import json
import re
import socket
import socketserver
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from runner.errors import RunnerError, SpecError
from runner.ledger import Ledger
from runner.sandbox.host import Request, Response
from runner.sandbox.transport import InProcessServer
from runner.services import notify
from runner.spec.model import Email, Notify
from tests.live_box import live  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


# ---- deciding (pure) ------------------------------------------------------------------------


def test_a_failure_is_told_once_and_its_end_once():
    alerts, recoveries, state = notify.decide({}, {5001: "VAT code '9' does not exist"}, True, "", NOW, 2 * HOUR)
    assert alerts == ["1 order(s) failed:", "- order 5001: VAT code '9' does not exist"] and recoveries == []
    again = notify.decide(state, {5001: "VAT code '9' does not exist"}, True, "", NOW + HOUR / 4, 2 * HOUR)
    assert again[:2] == ([], [])
    more = notify.decide(again[2], {5001: "x", 5002: "y"}, True, "", NOW + HOUR / 2, 2 * HOUR)
    assert more[0] == ["1 order(s) failed:", "- order 5002: y"]  # only the new one
    partly = notify.decide(more[2], {5002: "y"}, True, "", NOW + HOUR, 2 * HOUR)
    assert partly[:2] == ([], [])  # recovery is told when nothing fails any more
    done = notify.decide(partly[2], {}, True, "", NOW + 2 * HOUR, 2 * HOUR)
    assert done[:2] == ([], ["every failed order is booked now (1 had failed)"])
    assert notify.decide(done[2], {}, True, "", NOW + 3 * HOUR, 2 * HOUR)[:2] == ([], [])


def test_a_stall_is_told_once_after_stall_after_and_its_end_once():
    state = notify.decide({}, {}, True, "", NOW, 2 * HOUR)[2]
    crashed = notify.decide(state, {}, False, "not logged in to Exact Online yet", NOW + HOUR, 2 * HOUR)
    assert crashed[:2] == ([], [])  # an hour is not a stall yet
    stalled = notify.decide(crashed[2], {}, False, "not logged in to Exact Online yet", NOW + 2 * HOUR, 2 * HOUR)
    assert stalled[0] == ["no run has succeeded for 2.0 hours (the last success was 2026-03-02 09:00 UTC): not logged in to Exact Online yet"]
    assert notify.decide(stalled[2], {}, False, "still", NOW + 3 * HOUR, 2 * HOUR)[:2] == ([], [])
    back = notify.decide(stalled[2], {}, True, "", NOW + 4 * HOUR, 2 * HOUR)
    assert back[:2] == ([], ["runs succeed again (the last one finished 2026-03-02 13:00 UTC)"])


def test_an_alert_says_its_times_in_the_shops_zone():
    state = notify.decide({}, {}, True, "", NOW, 2 * HOUR, zone="Europe/Amsterdam")[2]
    stalled = notify.decide(state, {}, False, "cannot reach the shop", NOW + 2 * HOUR, 2 * HOUR, zone="Europe/Amsterdam")
    assert stalled[0] == ["no run has succeeded for 2.0 hours (the last success was 2026-03-02 10:00 CET): cannot reach the shop"]


def test_a_ledger_that_never_saw_a_success_stalls_from_its_first_run():
    state = notify.decide({}, {}, False, "cannot reach the shop", NOW, HOUR)[2]
    alerts = notify.decide(state, {}, False, "cannot reach the shop", NOW + HOUR, HOUR)[0]
    assert alerts == ["no run has succeeded for 1.0 hours (none since 2026-03-02 09:00 UTC): cannot reach the shop"]


def test_many_failures_are_counted_not_all_listed_and_the_message_says_what_to_do():
    alerts = notify.decide({}, {i: "boom" for i in range(1, 15)}, True, "", NOW, None)[0]
    assert len(alerts) == 1 + notify.LISTED + 1 and alerts[-1] == "- and 4 more"
    message = notify.compose("winkel.example.nl / Exact 1234567", alerts, [], "sync.yaml")
    assert message.subject == "[woo-exact runner] winkel.example.nl / Exact 1234567: orders failed"
    assert "`runner status sync.yaml`" in message.text and "`runner retry sync.yaml`" in message.text
    assert notify.compose("x", [], [], "s") is None
    assert notify.compose("x", [], ["runs succeed again"], "s").subject.endswith(": recovered")


def test_durations_and_redaction():
    assert notify.duration("90m") == timedelta(minutes=90) and notify.duration("1d") == timedelta(days=1)
    with pytest.raises(RunnerError):
        notify.duration("2 hours")
    red = notify.redact(notify.Message("s3cr3t-key subject", "token s3cr3t-key"), {"s3cr3t-key"})
    assert red == notify.Message("*** subject", "token ***")


def test_a_password_is_never_sent_in_the_clear_to_a_remote_server():
    def no_connection(*args, **kwargs):
        raise AssertionError("must not connect")

    config = Notify(email=Email("smtp.example.com", "a@b.c", ("d@e.f",), port=25, username="u", password="pw", starttls=False))
    sent, problems = notify.deliver(config, notify.Message("s", "t"), smtp=no_connection)
    assert sent == 0 and "unencrypted" in problems[0] and "pw" not in problems[0]
    assert notify.deliver(Notify(), notify.Message("s", "t"))[0] == 0


def test_the_spec_takes_notify_and_the_password_only_from_a_variable(tmp_path):
    from runner.spec import check as spec_module
    from tests.conftest import write_spec

    good = write_spec(
        tmp_path, "notify:\n  webhook: ${HOOK}\n  email:\n    host: smtp.example.com\n    password: ${PW}\n    from: a@b.nl\n    to: [c@d.nl]\n"
    )
    loaded = spec_module.load(good, environ={"HOOK": "https://hooks.example.com/x", "PW": "hunter22"})
    assert loaded.notify.stall_after == "2h" and loaded.notify.email.port == 587
    assert "hunter22" in loaded.secrets
    bad = write_spec(
        tmp_path,
        "notify:\n  webhook: http://hooks.example.com/x\n  stall_after: 2 hours\n  email:\n"
        "    host: smtp.example.com\n    password: hunter22\n    from: a@b.nl\n    to: []\n    tls: true\n",
    )
    with pytest.raises(SpecError) as caught:
        spec_module.load(bad, environ={})
    text = "\n".join(caught.value.problems)
    for expected in (
        "notify.email.password: a secret written in the spec",
        "notify.webhook",
        "notify.stall_after",
        "notify.email.to",
        "notify.email.tls: unknown key",
    ):
        assert expected in text, text


# ---- receivers on 127.0.0.1 -----------------------------------------------------------------


class Hook:
    """An incoming webhook (Slack, Teams): keeps what it was posted."""

    def __init__(self) -> None:
        self.posts: list[dict] = []

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405)
        self.posts.append(json.loads(request.body))
        return Response(200, b"ok")


class Smtp(socketserver.StreamRequestHandler):
    """Enough SMTP for smtplib: EHLO with AUTH PLAIN, MAIL, RCPT, DATA (dot-unstuffed), QUIT."""

    def handle(self):
        def say(line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        say("220 127.0.0.1 test SMTP")
        envelope: dict = {"to": []}
        for raw in iter(self.rfile.readline, b""):
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                say("250-127.0.0.1")
                say("250-AUTH PLAIN")
                say("250 8BITMIME")
            elif verb == "AUTH":
                self.server.logins.append(base64.b64decode(line.split()[2]).split(b"\0")[1:])
                say("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                envelope["from"] = line[10:].strip("<>")
                say("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(line[8:].strip("<>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                body = []
                for data in iter(self.rfile.readline, b""):
                    text = data.decode().rstrip("\r\n")
                    if text == ".":
                        break
                    body.append(text[1:] if text.startswith("..") else text)
                self.server.mails.append((envelope, email.message_from_string("\n".join(body))))
                envelope = {"to": []}
                say("250 OK queued")
            elif verb == "QUIT":
                say("221 Bye")
                return
            else:
                say("250 OK")


@pytest.fixture
def receivers():
    """The webhook in-process (runner.support.http routes its address to it); the SMTP server on a
    real socket, since smtplib is no httpx client."""
    hook = InProcessServer(Hook()).start()
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Smtp)
    smtp.daemon_threads, smtp.mails, smtp.logins = True, [], []
    threading.Thread(target=smtp.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield hook.simulator, hook.url, smtp
    hook.stop()
    smtp.shutdown()
    smtp.server_close()


NOTIFY = """\
notify:
  webhook: ${{HOOK_URL}}
  email:
    host: 127.0.0.1
    port: {port}
    username: alerts@webwinkel.example
    password: ${{SMTP_PASSWORD}}
    from: alerts@webwinkel.example
    to: [boekhouder@kantoor.example]
    starttls: false
  stall_after: 2h
"""


def test_runs_alert_once_on_failure_recover_once_and_tell_a_stall(live, receivers):  # noqa: F811
    hook, hook_url, smtp = receivers
    lab = live(orders=10)
    lab.env.update(HOOK_URL=f"{hook_url}/hooks/T000/B000/XXXX", SMTP_PASSWORD="hunter2-smtp")
    lab.write(extra=NOTIFY.format(port=smtp.server_address[1]))
    secrets = [*lab.env.values()]

    def told() -> list[str]:
        texts = [p["text"] for p in hook.posts]
        mails = [m["Subject"] + "\n" + m.get_payload() for _, m in smtp.mails]
        assert len(texts) == len(mails)  # both channels tell the same
        return texts

    order = lab.box.woo.orders[5001]
    address = order["billing"]["email"]
    order["billing"]["email"] = ""  # the runner cannot match a customer: the order fails
    first = lab.cli("run")
    assert first.exit_code == 1 and "FAILED order 5001" in first.stderr, first.output
    assert len(told()) == 1
    assert "orders failed" in told()[0] and "order 5001: order 5001 has no billing e-mail" in told()[0]
    envelope, mail = smtp.mails[0]
    assert envelope["to"] == ["boekhouder@kantoor.example"] and mail["To"] == "boekhouder@kantoor.example"
    assert smtp.logins == [[b"alerts@webwinkel.example", b"hunter2-smtp"]]

    assert lab.cli("run", "--order", "5001").exit_code == 1  # fails again: not told again
    assert lab.cli("run").exit_code == 0  # waits for its retry: still failing, nothing to tell
    assert len(told()) == 1

    order["billing"]["email"] = address
    fixed = lab.cli("run", "--order", "5001")
    assert fixed.exit_code == 0, fixed.output
    assert len(told()) == 2 and "recovered: every failed order is booked now" in told()[1]
    assert lab.cli("run").exit_code == 0 and len(told()) == 2

    token = lab.token_file.read_text()
    lab.token_file.unlink()  # the login is gone: every run crashes
    assert lab.cli("run").exit_code == 3 and len(told()) == 2  # not stalled yet
    with Ledger(lab.folder / "state.json") as ledger:  # ... as if it had been crashing for three hours
        state = ledger.alert_state()
        ledger.save_alert_state({**state, "last_ok": (datetime.now(UTC) - 3 * HOUR).isoformat()})
    assert lab.cli("run").exit_code == 3
    assert len(told()) == 3 and "runs stalled" in told()[2] and "no run has succeeded for 3.0 hours" in told()[2]
    assert "not logged in to Exact Online yet" in told()[2] and "what to do" in told()[2]
    assert re.search(r"the last success was \d{4}-\d\d-\d\d \d\d:\d\d CES?T\)", told()[2]) and " UTC" not in told()[2]  # the shop's time
    assert lab.cli("run").exit_code == 3 and len(told()) == 3

    lab.token_file.write_text(token)
    assert lab.cli("run").exit_code == 0
    assert len(told()) == 4 and "recovered: runs succeed again" in told()[3]
    for text in told():
        assert not any(secret in text for secret in secrets)


def test_an_alert_nobody_took_is_a_warning_and_is_sent_on_the_next_run(live, receivers):  # noqa: F811
    hook, hook_url, _smtp = receivers
    closed = socket.socket()  # bound, never listening: connections are refused, and no server started later can take the port
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    lab = live(orders=4)
    lab.env["HOOK_URL"] = f"http://127.0.0.1:{port}/hook"
    lab.write(extra="notify:\n  webhook: ${HOOK_URL}\n")
    lab.box.woo.orders[5001]["billing"]["email"] = ""
    first = lab.cli("run")
    closed.close()
    assert first.exit_code == 1
    assert "warning: alert not sent: cannot reach the notify.webhook (ConnectError)" in first.stderr
    assert str(port) not in first.output

    lab.env["HOOK_URL"] = f"{hook_url}/hook"
    assert lab.cli("run").exit_code == 0  # 5001 waits for its retry; the alert goes out now
    assert len(hook.posts) == 1 and "order 5001" in hook.posts[0]["text"]


def test_dry_runs_and_sandbox_runs_tell_nobody(live, receivers):  # noqa: F811
    hook, hook_url, _smtp = receivers
    lab = live(orders=4)
    lab.env["HOOK_URL"] = f"{hook_url}/hook"
    lab.write(extra="notify:\n  webhook: ${HOOK_URL}\n")
    lab.box.woo.orders[5001]["billing"]["email"] = ""
    assert lab.cli("run", "--dry-run").exit_code == 1
    assert lab.cli("run", "--sandbox").exit_code in (0, 1)
    assert hook.posts == []


def test_a_run_that_finds_the_lock_held_longer_than_stall_after_tells_of_a_hang(live, receivers):  # noqa: F811
    """A run that hangs (a shop trickling its answer) keeps the run lock; the cron runs
    after it find the lock held for longer than stall_after and tell so, once. This is
    the first run of the spec: the stall counts from when the hanging run began."""
    import os
    import time

    from runner.ledger.lock import run_lock

    hook, hook_url, _smtp = receivers
    lab = live(orders=4)
    lab.env["HOOK_URL"] = f"{hook_url}/hook"
    lab.write(extra="notify:\n  webhook: ${HOOK_URL}\n  stall_after: 2h\n")
    lock = lab.folder / "state.json.lock"
    with run_lock(lock, clock=lambda: time.time() - 30 * 60):  # busy for half an hour: no hang yet
        busy = lab.cli("run")
        assert busy.exit_code == 1 and f"already running: process {os.getpid()} holds {lock}, running for 30 min" in busy.output
        assert hook.posts == []
    with run_lock(lock, clock=lambda: time.time() - 3 * 3600):
        hung = lab.cli("run")
        assert hung.exit_code == 1 and "running for 3.0 hours" in hung.output and "Traceback" not in hung.output
        assert len(hook.posts) == 1
        text = hook.posts[0]["text"]
        assert "runs stalled" in text and "no run has succeeded for 3.0 hours" in text and f"process {os.getpid()} holds" in text
        assert lab.cli("run").exit_code == 1 and len(hook.posts) == 1  # told once
    assert lab.cli("run").exit_code == 0
    assert len(hook.posts) == 2 and "recovered: runs succeed again" in hook.posts[1]["text"]
