"""Step 6 of `runner init`: where alerts go when orders fail or runs stall (the spec's
`notify:`), e-mail over SMTP or a chat webhook (Slack, Teams), as runner.services.notify
sends them. Checked live like every other answer: a test alert is sent, and one the server
or webhook does not take is asked again (or, given as an option, stops the set-up).

Decisions: the webhook address is a key, so it goes to .env as NOTIFY_WEBHOOK, as the SMTP
password goes as NOTIFY_SMTP_PASSWORD; the sender is the SMTP user when that is an
address, else the recipient; STARTTLS is used on every mail server but one on this machine
(a local relay, which takes no password over the wire)."""

from __future__ import annotations

import re

from runner.errors import UsageError
from runner.services.notify import Message, deliver
from runner.setup.console import Asking
from runner.setup.spec_writer import Setup
from runner.spec.model import Email, Notify

ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
WEBHOOK = re.compile(r"https://[^\s/]+(/\S*)?|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/\S*)?")
LOCAL = ("127.0.0.1", "localhost", "::1")
TEST = Message(
    "[woo-exact runner] test alert from runner init",
    "This is where the runner tells you when orders fail or runs stall, and once when they recover.\n"
    "Nothing has failed: runner init sent this to check the address.",
)


def check_target(value: str) -> str:
    if value.lower() in ("", "none", "no"):
        return ""
    if ADDRESS.fullmatch(value) or WEBHOOK.fullmatch(value):
        return value
    raise UsageError(
        f"'{value}' is neither an e-mail address nor a webhook address",
        "give an e-mail address (alerts@example.nl), a webhook (https://hooks.slack.com/...), or nothing for no alerts",
    )


def check_server(value: str) -> tuple[str, int]:
    host, _, port = value.strip().rpartition(":") if value.count(":") == 1 else (value.strip(), "", "")
    if not re.fullmatch(r"[A-Za-z0-9.-]+", host or "-") or (port and not port.isdigit()):
        raise UsageError(f"'{value}' is not a mail server", "give its name, and the port if not 587: smtp.office365.com or mail.example.nl:465")
    return host, int(port or 587)


def alerts(wizard: Asking, setup: Setup) -> None:
    """Asks where alerts go, sends a test alert there, and keeps the answer in `setup`."""
    retry = wizard.interactive("alert_to", "smtp_server", "smtp_user", "smtp_password")
    while True:
        to = wizard.ask("alert_to", "Send alerts of failed orders to (an e-mail address, a webhook https://..., or Enter for none)", check_target, "")
        if not to:
            setup.alert_webhook, setup.alert_email = "", None
            wizard.say("  no alerts: `runner status` shows what failed (add notify: to the spec later)")
            return
        if ADDRESS.fullmatch(to):
            setup.alert_webhook, setup.alert_email, setup.alert_to = "", _mail(wizard, to), to
            config = Notify(email=Email(**{**setup.alert_email, "to": (to,)}))
        else:
            setup.alert_webhook, setup.alert_email = to, None
            wizard.secret(to)
            config = Notify(webhook=to)
        sent, problems = deliver(config, TEST)
        if sent:
            wizard.say(f"  a test alert went to {'the webhook' if setup.alert_webhook else to}: check that it arrived")
            return
        hint = "check the address (and the mail server, user and password); or give nothing for no alerts"
        if not retry:
            raise UsageError(f"the test alert was not taken: {'; '.join(problems)}", hint)
        wizard.say(f"  the test alert was not taken: {'; '.join(problems)}\n  {hint}; try again:")


def _mail(wizard: Asking, to: str) -> dict:
    host, port = wizard.ask("smtp_server", "Mail server that sends them (host, or host:port; 587 unless given)", check_server)
    user = wizard.ask("smtp_user", "Its user name (Enter: none, a relay that needs no login)", lambda v: v, "")
    password = wizard.ask("smtp_password", "Its password", default=None, hidden=True) if user else ""
    wizard.secret(password)
    sender = user if ADDRESS.fullmatch(user) else to
    return {"host": host, "port": port, "username": user, "password": password, "from_": sender, "starttls": host not in LOCAL}
