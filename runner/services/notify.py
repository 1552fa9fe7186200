"""Alerts (`notify:`): a message when orders fail or the runs stall, and one message when
that is over. Cron starts a run every 15 minutes, so what was told is kept in the ledger:
a failing order is reported once, not four times an hour, until it is booked.

Deciding is pure (`decide`, `compose`); sending sits at the edge (`deliver`: a Slack or
Teams compatible webhook, and SMTP mail); `after_run` ties both to the end of a run. A
message that cannot be sent is a warning, never a failed run: the books are what matter."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx

from runner.errors import RunnerError, name_spec
from runner.ledger import Ledger
from runner.spec.model import Email, Notify, Spec
from runner.support.durations import duration as parse_duration
from runner.support.http import make_client
from runner.support.moments import shown
from runner.support.redact import redact as blank

LISTED = 10  # failed orders named in one message; more are counted
TIMEOUT = 15.0  # seconds for a webhook or mail server: a run never hangs on an alert


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


def duration(text: str) -> timedelta:
    """`stall_after` ("90m", "2h", "1d") as a timedelta; the schema checks the form."""
    stall = parse_duration(text, units="mhd")
    if stall is None:
        raise RunnerError(f"notify.stall_after: '{text}' is not a duration", "write minutes, hours or days, e.g. 90m, 2h or 1d")
    return stall


def decide(
    state: Mapping[str, Any],
    failing: Mapping[int, str],
    run_ok: bool,
    error: str,
    now: datetime,
    stall_after: timedelta | None,
    zone: str | None = None,
) -> tuple[list[str], list[str], dict[str, Any]]:
    """What to tell after a run: (alert lines, recovery lines, the state to keep).

    `failing` is the ledger's failed orders (also those waiting for their retry), `run_ok`
    whether the run went to the end (no crash, no early stop), `error` why not; times are
    said in `zone` (the shop's), or UTC. An order is
    alerted once; recovery is told once, when no order fails any more. A stall is a run
    that has not succeeded for `stall_after`; it is told once, and its end once."""
    alerted = {int(order) for order in state.get("failing", [])}
    new = sorted(set(failing) - alerted)
    alerts, recoveries = [], []
    if new:
        alerts.append(f"{len(new)} order(s) failed:")
        alerts += [f"- order {order}: {failing[order]}" for order in new[:LISTED]]
        if len(new) > LISTED:
            alerts.append(f"- and {len(new) - LISTED} more")
    if alerted and not failing:
        recoveries.append(f"every failed order is booked now ({len(alerted)} had failed)")
    first_seen = _time(state.get("first_seen")) or now
    last_ok, stalled = _time(state.get("last_ok")), bool(state.get("stalled"))
    if run_ok:
        last_ok = now
        if stalled:
            recoveries.append(f"runs succeed again (the last one finished {_show(now, zone)})")
            stalled = False
    elif stall_after is not None and not stalled and now - (last_ok or first_seen) >= stall_after:
        since = last_ok or first_seen
        alerts.append(
            f"no run has succeeded for {_age(now - since)} "
            f"({'the last success was ' + _show(last_ok, zone) if last_ok else 'none since ' + _show(first_seen, zone)}): {error or 'unknown'}"
        )
        stalled = True
    kept = {
        "failing": sorted(failing),
        "stalled": stalled,
        "first_seen": first_seen.isoformat(timespec="seconds"),
        "last_ok": last_ok.isoformat(timespec="seconds") if last_ok else None,
    }
    return alerts, recoveries, kept


def compose(where: str, alerts: list[str], recoveries: list[str], spec_name: str = "SPEC") -> Message | None:
    """One message per run, alerts first; None when there is nothing to tell."""
    if not alerts and not recoveries:
        return None
    stalled = any(line.startswith("no run has succeeded") for line in alerts)
    failed = any(line.endswith("order(s) failed:") for line in alerts)
    what = ", ".join(w for w, on in (("orders failed", failed), ("runs stalled", stalled)) if on) or "recovered"
    text = alerts + ([""] if alerts and recoveries else []) + [f"recovered: {line}" for line in recoveries]
    if alerts:
        text += [
            "",
            f"what to do: `runner status {spec_name}` shows each failure with Exact's message; "
            f"fix the cause, then `runner retry {spec_name}` (or wait for the next run)",
        ]
    return Message(f"[woo-exact runner] {where}: {what}", name_spec("\n".join(text), spec_name))


def redact(message: Message, secrets: Iterable[str]) -> Message:
    return Message(blank(message.subject, secrets), blank(message.text, secrets))


# ---- the edge: sending ---------------------------------------------------------------------


def deliver(
    config: Notify, message: Message, transport: httpx.BaseTransport | None = None, smtp: Callable[..., smtplib.SMTP] = smtplib.SMTP
) -> tuple[int, list[str]]:
    """Send over every configured channel; (how many took it, what went wrong on the others)."""
    sent, problems = 0, []
    if not config.webhook and not config.email:
        return 0, ["notify has neither a webhook nor an email: no alert can be sent (add one of them to the spec)"]
    if config.webhook:
        try:
            _post(config.webhook, message, transport)
            sent += 1
        except RunnerError as exc:
            problems.append(exc.message)
    if config.email:
        try:
            _mail(config.email, message, smtp)
            sent += 1
        except RunnerError as exc:
            problems.append(exc.message)
    return sent, problems


def _post(url: str, message: Message, transport: httpx.BaseTransport | None) -> None:
    """Slack and Teams incoming webhooks both take `{"text": ...}`. The URL itself is a
    secret (it is the key), so it never appears in a message."""
    try:
        with make_client(transport=transport, timeout=TIMEOUT) as client:
            response = client.post(url, json={"text": f"{message.subject}\n{message.text}"})
    except httpx.HTTPError as exc:
        raise RunnerError(f"cannot reach the notify.webhook ({type(exc).__name__})") from None
    if not 200 <= response.status_code < 300:
        raise RunnerError(f"the notify.webhook answered HTTP {response.status_code}")


def _mail(config: Email, message: Message, smtp: Callable[..., smtplib.SMTP]) -> None:
    host, port, starttls = config.host, config.port, config.starttls
    if config.password and not starttls and host not in ("127.0.0.1", "localhost", "::1"):
        raise RunnerError("notify.email would send the SMTP password unencrypted; set notify.email.starttls: true")
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = message.subject, config.from_, ", ".join(config.to)
    mail.set_content(message.text)
    try:
        with smtp(host, port, timeout=TIMEOUT) as server:
            if starttls:
                server.starttls(context=ssl.create_default_context())
            if config.username:
                server.login(config.username, config.password)
            server.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        detail = exc.smtp_code if isinstance(exc, smtplib.SMTPResponseException) else type(exc).__name__
        raise RunnerError(f"the mail server {host}:{port} did not take the alert ({detail})") from None


# ---- at the end of a run -------------------------------------------------------------------


def after_run(
    spec: Spec,
    report: Mapping[str, Any] | None,
    crash: str = "",
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
    held_since: datetime | None = None,
) -> list[str]:
    """Decide, send and remember, once a run is over (`report`) or has crashed (`crash`),
    or found the run lock held since `held_since` by a run that may hang. Returns the
    problems met sending, for the CLI to show; what nobody received is tried again on the
    next run, because the state is then left as it was."""
    config = spec.notify
    if config is None:
        return []
    now = now or datetime.now(UTC)
    stall = duration(config.stall_after) if config.stall_after else None
    run_ok = not crash and report is not None and not report.get("stopped") and not report.get("missing") and not report.get("unmatched")
    with Ledger(spec.state_file) as ledger:
        failing = {int(f["order"]): f["message"] for f in ledger.failures()}
        why = crash or (report or {}).get("stopped", "") or _missing(report)
        state = ledger.alert_state()
        if held_since and not state.get("first_seen"):  # the first run of all hangs: the stall counts from its start
            state["first_seen"] = held_since.isoformat(timespec="seconds")
        alerts, recoveries, state = decide(state, failing, run_ok, why, now, stall, spec.timezone)
        message = compose(_where(spec), alerts, recoveries, spec.path.name)
        problems: list[str] = []
        if message is not None:
            try:
                spec.require_env("notify")
            except RunnerError as exc:
                return [f"alert not sent: {exc.message}"]
            sent, problems = deliver(config, redact(message, spec.secrets), transport)
            if not sent:
                return [f"alert not sent: {p}" for p in problems]
        ledger.save_alert_state(state)
    return [f"alert not sent: {p}" for p in problems]


def _missing(report: Mapping[str, Any] | None) -> str:
    missing, unmatched = (report or {}).get("missing") or [], (report or {}).get("unmatched") or []
    said = [f"{len(missing)} document(s) the ledger has as booked are not in Exact ({', '.join(missing[:10])})"] if missing else []
    said += [f"{len(unmatched)} receipt(s) not matched to their sale in Exact ({', '.join(unmatched[:10])})"] if unmatched else []
    return "; ".join(said)


def _where(spec: Spec) -> str:
    """The shop and administration, named without any credentials a URL may carry."""
    url = urlsplit(spec.woocommerce.url)
    return f"{url.hostname or 'shop'}{':' + str(url.port) if url.port else ''} / Exact {spec.exact.division or '?'}"


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _show(moment: datetime, zone: str | None) -> str:
    return shown(moment, zone, seconds=False) if zone else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"
