"""The overview's states, worst first (pure): a run going longer than the stall time is
stalled, a killed one too; failures before an old login before an incomplete run."""

from __future__ import annotations

from runner.web.states import ORDER, state

HOUR = 3600.0


def test_a_run_going_longer_than_the_stall_time_is_stalled():
    running = {"running": {"since": 0.0}, "token_age_days": 1.0, "last_run": {"started": "x"}}
    assert state(running, now=3 * HOUR) == "stalled"
    assert state(running, now=3 * HOUR, stall_hours=4) == "running"


def test_states_sort_worst_first():
    killed = {"last_run": {"stopped": "interrupted: the run did not finish"}, "token_age_days": 1.0}
    failing = {"failures": [{"message": "x"}], "token_age_days": 40.0, "last_run": {"started": "x"}}
    old_login = {"token_age_days": 26.0, "last_run": {"started": "x"}}
    incomplete = {"token_age_days": 1.0, "last_run": {"started": "x", "missing": ["5001"]}}
    fine = {"token_age_days": 1.0, "last_run": {"started": "x"}}
    shown = [state(s, now=0.0) for s in (killed, failing, old_login, incomplete, {"token_age_days": 1.0}, fine)]
    assert shown == ["stalled", "failing", "login expiring", "incomplete", "never run", "ok"]
    assert sorted(shown, key=ORDER.index) == shown
