"""`runner init`'s sixth step (issue 23 point 10): where alerts go, e-mail or a webhook,
checked live by a test alert that this test's own SMTP or HTTP server on 127.0.0.1 takes
(or refuses). And the README says as many questions as the wizard asks."""

from __future__ import annotations

import http.server
import re
import socketserver
import threading

import pytest
import yaml

from runner.spec.file import read_dotenv
from tests.conftest import ROOT
from tests.test_init import PASTE_REDIRECT, box, invoke, options, pasted_redirect  # noqa: F401 - box is a fixture


class Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib without TLS or login: keeps each message's text."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.mails.append(body.decode())
                self.wfile.write(b"250 taken\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.server.posts.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.send_response(self.server.answer)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serving():
    servers = []

    def serve(server):
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def set_up(box, monkeypatch, tmp_path, *more: str):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    return invoke(options(box, PASTE_REDIRECT, "--no-browser", "--since", "2020-01-01", *more), [pasted_redirect(box, monkeypatch)])


def test_alerts_by_email_send_a_test_mail_and_go_into_the_spec(box, tmp_path, monkeypatch, serving):  # noqa: F811
    smtp = serving(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Smtp))
    smtp.mails = []
    port = smtp.server_address[1]
    result = set_up(box, monkeypatch, tmp_path, "--alert-to", "iris@example.nl", "--smtp-server", f"127.0.0.1:{port}", "--smtp-user", "")
    assert result.exit_code == 0, result.output
    assert "Step 6 of 6: alerts" in result.output and "a test alert went to iris@example.nl" in result.output
    (mail,) = smtp.mails
    assert "Subject: [woo-exact runner] test alert from runner init" in mail and "To: iris@example.nl" in mail
    notify = yaml.safe_load((tmp_path / "sync.yaml").read_text())["notify"]
    assert notify == {"email": {"host": "127.0.0.1", "port": port, "from": "iris@example.nl", "to": ["iris@example.nl"], "starttls": False}}


def test_alerts_to_a_webhook_keep_its_address_in_env_and_a_refusing_one_stops(box, tmp_path, monkeypatch, serving):  # noqa: F811
    hook = serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook))
    hook.posts, hook.answer = [], 200
    url = f"http://127.0.0.1:{hook.server_address[1]}/hooks/T0K3N"
    result = set_up(box, monkeypatch, tmp_path, "--alert-to", url)
    assert result.exit_code == 0, result.output
    assert len(hook.posts) == 1 and "test alert from runner init" in hook.posts[0]
    assert "a test alert went to the webhook" in result.output and "T0K3N" not in result.output
    assert yaml.safe_load((tmp_path / "sync.yaml").read_text())["notify"] == {"webhook": "${NOTIFY_WEBHOOK}"}
    assert read_dotenv(tmp_path / ".env")["NOTIFY_WEBHOOK"] == url
    hook.answer = 500
    (tmp_path / "again").mkdir()
    again = set_up(box, monkeypatch, tmp_path / "again", "--alert-to", url)
    assert again.exit_code == 2 and "error: the test alert was not taken: the notify.webhook answered HTTP 500" in again.output
    assert "what to do: check the address" in again.output and not (tmp_path / "again" / "sync.yaml").exists()


def test_without_alerts_yes_writes_no_notify(box, tmp_path, monkeypatch):  # noqa: F811
    result = set_up(box, monkeypatch, tmp_path)
    assert result.exit_code == 0, result.output
    assert "no alerts: `runner status` shows what failed" in result.output
    assert "Six steps, about 14 questions, each answer checked live." in result.output
    assert "notify" not in yaml.safe_load((tmp_path / "sync.yaml").read_text())


def test_the_readme_says_as_many_questions_and_steps_as_the_wizard_asks():
    from runner.setup import wizard

    readme = (ROOT / "README.md").read_text()
    said = {int(n) for n in re.findall(r"about (\d+) questions", readme)}
    assert said == {wizard.QUESTIONS}, said
    assert "five questions" not in readme and "five steps" not in readme and "six steps" in readme
    typed = 3 + 4 + 1 + 5 + 1  # tests/test_init.py's typed set-up without retries: shop, login, administration, booking, alerts
    assert wizard.QUESTIONS == typed


def test_a_typed_address_the_test_alert_cannot_reach_is_asked_again(tmp_path):
    from runner.setup.alerts import alerts
    from runner.setup.spec_writer import Setup
    from runner.setup.wizard import Wizard
    from tests.test_init import console_of

    said, asked = [], []
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as closed:
        port = closed.server_address[1]  # a port nobody listens on once this block ends
    setup = Setup(tmp_path / "sync.yaml")
    alerts(Wizard(console_of(["not an address", f"http://127.0.0.1:{port}/hook", ""], said, asked), {}), setup)
    text = "\n".join(said)
    assert "'not an address' is neither an e-mail address nor a webhook address" in text
    assert "the test alert was not taken: cannot reach the notify.webhook" in text and "try again" in text
    assert len(asked) == 3 and setup.alert_webhook == "" and setup.alert_email is None
