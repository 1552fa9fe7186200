"""The runner's Exact Online client against the sandbox: login tokens, paging, errors in
Exact's own words, and the rate governor."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from runner.adapters.exact.client import ExactApi, RateGovernor, quote
from runner.adapters.exact.oauth import TokenStore, authorize_url, code_from_redirect
from runner.errors import LoginNeeded, OutcomeUnknown, Rejected, SpecError
from runner.sandbox.exact.simulator import ManualClock
from tests.conftest import browse


def test_token_file_is_complete_json_with_mode_0600(exact_box):
    box = exact_box()
    data = json.loads(box.store.path.read_text())
    assert set(data) == {"access_token", "refresh_token", "expires_at"}
    assert stat.S_IMODE(os.stat(box.store.path).st_mode) == 0o600


def test_an_expiring_token_is_refreshed_once_and_the_new_pair_saved_first(exact_box):
    clock = ManualClock()
    box = exact_box(clock=clock)
    first = box.store.read()
    assert box.store.access_token() == first.access_token  # fresh: no refresh
    clock.advance(590)
    token = box.store.access_token()
    saved = box.store.read()
    assert token == saved.access_token != first.access_token
    assert saved.refresh_token != first.refresh_token and box.store.refreshed == 1
    assert next(box.api().get("current/Me", "CurrentDivision"))["CurrentDivision"] == 1234567


def test_a_used_refresh_token_means_login_again_with_exit_code_3(exact_box, tmp_path):
    clock = ManualClock()
    box = exact_box(clock=clock)
    stale = box.store.read()
    clock.advance(590)
    box.store.access_token()  # rotates: the stale refresh token is dead now
    other = TokenStore(tmp_path / "copy.json", box.url, box.sim.config.client_id, box.sim.config.client_secret, clock=clock)
    other.save(stale)
    with pytest.raises(LoginNeeded) as caught:
        other.access_token()
    assert caught.value.exit_code == 3 and "runner auth" in caught.value.hint


def test_refresh_under_concurrency_keeps_one_chain(exact_box):
    """Threads race for an expiring token: exactly one refresh, everyone gets a valid token."""
    clock = ManualClock()
    box = exact_box(clock=clock)
    clock.advance(590)
    stores = [TokenStore(box.store.path, box.url, box.sim.config.client_id, box.sim.config.client_secret, clock=clock) for _ in range(6)]
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda s=s: tokens.append(s.access_token())) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(s.refreshed for s in stores) == 1
    assert len(set(tokens)) == 1 and tokens[0] == box.store.read().access_token


def test_login_by_authorization_code(exact_box, tmp_path):
    box = exact_box()
    url, state = authorize_url(box.url, box.sim.config.client_id, box.sim.config.redirect_uri)
    redirect = browse(url).headers["location"]
    store = TokenStore(tmp_path / "new.json", box.url, box.sim.config.client_id, box.sim.config.client_secret, box.sim.config.redirect_uri)
    store.exchange_code(code_from_redirect(redirect, state))
    assert store.read().refresh_token
    with pytest.raises(LoginNeeded, match="state differs"):
        code_from_redirect(redirect, "another-state")


def test_paging_follows_next_and_quotes_filters(exact_box):
    box = exact_box()
    api = box.api()
    for n in range(70):
        api.post("crm/Accounts", {"Name": f"Klant {n}", "Email": f"k{n}@example.nl", "Status": "C"})
    api.post("crm/Accounts", {"Name": "O'Brien", "Email": "o'brien@example.ie", "Status": "C"})
    rows = list(api.get("crm/Accounts", "ID,Email", "Status eq 'C'"))
    assert len(rows) >= 71 and len({r["ID"] for r in rows}) == len(rows)
    assert box.sim.calls[("GET", "crm/Accounts")] >= 2  # 60 a page
    found = api.first("crm/Accounts", "ID,Name", f"Email eq {quote(chr(39).join(['o', 'brien@example.ie']))}")
    assert found["Name"] == "O'Brien"


@pytest.mark.parametrize("top_v1", [True, False])
def test_rows_are_read_from_either_answer_shape(exact_box, top_v1):
    """A `$top` answer may be a bare array `{"d": [...]}` (WCF's V1 shape) or wrapped in
    `results`: `first` and `get` read both, and page on through `__next` after either."""
    box = exact_box(top_v1=top_v1)
    api = box.api()
    for n in range(65):
        api.post("crm/Accounts", {"Name": f"Klant {n}", "Email": f"k{n}@example.nl", "Status": "C"})
    assert api.first("crm/Accounts", "ID,Name", "Email eq 'k7@example.nl'")["Name"] == "Klant 7"
    assert api.first("crm/Accounts", "ID", "Email eq 'nobody@example.nl'") is None
    assert len(list(api.get("crm/Accounts", "ID", "Status eq 'C'", top=5))) == 5
    assert len({row["ID"] for row in api.get("crm/Accounts", "ID", "Status eq 'C'", top=62)}) == 62  # a page, then the rest


def test_exacts_own_message_reaches_the_caller_verbatim(exact_box):
    """Exact answers a refusal with a 500 and its message (reference 4.7): the caller gets
    the message verbatim, as an outcome to look up (a 500 may also follow a commit)."""
    api = exact_box().api()
    with pytest.raises(OutcomeUnknown) as caught:
        api.post(
            "salesentry/SalesEntries",
            {
                "Journal": "99",
                "Customer": "00000000-0000-0000-0000-000000000000",
                "SalesEntryLines": [{"GLAccount": "00000000-0000-0000-0000-000000000000", "AmountFC": "1.00"}],
            },
        )
    assert "Ongeldige referentie" in caught.value.message and caught.value.answered


def test_a_division_the_login_may_not_use_is_a_spec_error(exact_box):
    box = exact_box()
    api = ExactApi(box.url, 7654321, box.store.access_token, governor=RateGovernor(sleep=lambda s: None))
    with pytest.raises(SpecError, match="may not use division 7654321"):
        list(api.get("vat/VATCodes", "Code"))


def test_the_minute_window_is_waited_out_not_failed(exact_box):
    clock = ManualClock()
    box = exact_box(clock=clock, minutely_limit=5)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    api = box.api(sleep=sleep)
    for _ in range(12):
        list(api.get("vat/VATCodes", "Code"))
    assert slept and box.sim.rate_limited == 0  # the governor waited before Exact had to say 429
    assert api.calls == 12
