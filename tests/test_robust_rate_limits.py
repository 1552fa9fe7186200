"""DESIGN.md section 6, rate limits: the runner reads Exact's X-RateLimit-* headers, waits
for the minute window instead of failing, treats a 429 as a pause and never as a failed
order, and stops cleanly near the daily limit (keeping `exact.daily_reserve` calls),
to carry on after Exact's day is over. The clocks are manual: no test sleeps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timezone

from runner.sandbox.exact.simulator import ManualClock
from runner.sandbox.host import Fault
from tests.robust import assert_exactly_once, clocked_login, engine_run


def with_exact_keys(box, **keys) -> None:
    text = box.spec.read_text()
    anchor = "  redirect_uri: http://localhost:8765/callback\n"
    box.spec.write_text(text.replace(anchor, anchor + "".join(f"  {k}: {v}\n" for k, v in keys.items())))


def test_a_five_call_minute_window_is_waited_out_never_exceeded(sync_box):
    clock = ManualClock()
    box = sync_box(orders=40, exact_options={"clock": clock, "minutely_limit": 5})
    clocked_login(box, clock)
    report, api = engine_run(box, clock)
    assert report.failed == {} and report.stopped == ""
    assert api.calls > 50 and api.governor.waited >= 60 * (api.calls // 5 - 1)  # a window per five calls
    assert box.exact.rate_limited == 0  # not once over the limit: Exact never had to say 429
    assert box.exact.errors == []  # nor a 401: the login was refreshed on the way (the run took > 10 min)
    assert_exactly_once(box)


def test_a_429_is_a_pause_never_a_failed_order(sync_box):
    clock = ManualClock()
    box = sync_box(orders=30, exact_options={"clock": clock, "minutely_limit": 5})
    clocked_login(box, clock)
    token = box.dir / ".runner" / "exact-token.json"
    bearer = {"Authorization": f"Bearer {json.loads(token.read_text())['access_token']}", "Accept": "application/json"}
    with box.box.exact_server.client(base_url=box.box.exact_url) as other_app:
        for _ in range(5):  # another app of this login used up the minute: the runner's first call gets a 429
            other_app.get("/api/v1/1234567/vat/VATCodes", params={"$select": "Code"}, headers=bearer)
    minute = {
        "X-RateLimit-Minutely-Limit": "5",
        "X-RateLimit-Minutely-Remaining": "0",
        "X-RateLimit-Minutely-Reset": str(int(clock() // 60 + 1) * 60_000),
    }
    box.box.exact_server.faults.queue(Fault(429, html=False, headers=minute, match=lambda r: r.method == "POST"), times=3)
    report, api = engine_run(box, clock)
    assert box.exact.rate_limited >= 1  # a real 429 from the sandbox's limiter, and three on POSTs
    assert report.failed == {} and report.stopped == ""
    assert_exactly_once(box)


def test_near_the_daily_limit_runs_stop_cleanly_and_the_next_day_carries_on(sync_box):
    clock = ManualClock(datetime(2026, 3, 2, 21, 0, tzinfo=UTC))
    box = sync_box(orders=24, exact_options={"clock": clock, "daily_limit": 60})
    with_exact_keys(box, daily_reserve=40)
    clocked_login(box, clock)
    report, api = engine_run(box, clock)
    assert report.failed == {} and report.booked
    assert report.stopped.startswith("only 40 Exact calls are left today (reserve 40)") and "nothing is lost" in report.stopped
    assert api.governor.daily_remaining == 40  # the reserve is untouched
    again, api = engine_run(box, clock)  # the same day: not one call
    assert api.calls == 0 and again.booked == [] and "come back at 2026-03-03 01:00:00 CET" in again.stopped  # the shop's time (Amsterdam), not UTC
    days = 0
    while True:
        clock.advance(24 * 3600)
        days += 1
        report, api = engine_run(box, clock)
        assert report.failed == {}
        if not report.stopped:
            break
        assert days < 5
    assert box.exact.rate_limited == 0 and box.exact.errors == []
    assert_exactly_once(box)


def test_the_daily_stop_is_one_clear_line_and_exit_code_0(sync_box):
    box = sync_box(orders=24, exact_options={"daily_limit": 60})
    with_exact_keys(box, daily_reserve=30)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert "stopped early: only 30 Exact calls are left today (reserve 30); nothing is lost" in result.output
    calls = sum(box.exact.calls.values())
    second = box.run("run")
    assert second.exit_code == 0 and sum(box.exact.calls.values()) == calls  # waits for Exact's day to end
    assert "come back at" in second.output
