"""The small ones of issue 21 (finding 10): a forged return to `runner auth`'s local
callback, the shop's text with escape sequences on the terminal, a time-zone typo, and a
full disk during the ledger's daily tidy."""

from __future__ import annotations

import socket
import threading
import webbrowser

import httpx

from tests.conftest import HANG, browse, write_spec

FORGED = "access_denied&error_description=%1b%5b2J%1b%5d0%3bpwned%07planted+by+a+page"


def free_loopback() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_auth_ignores_a_forged_error_on_its_callback_and_the_real_login_goes_through(sync_box, monkeypatch):
    box = sync_box(orders=1)
    redirect = free_loopback() + "/callback"
    box.spec.write_text(box.spec.read_text().replace("http://localhost:8765/callback", redirect))
    box.exact.config.redirect_uri = redirect
    pages: list[tuple[int, str]] = []

    def visit(url: str) -> None:  # another local page strikes first, then Exact sends the browser back
        state = httpx.URL(url).params["state"]
        with httpx.Client(timeout=HANG) as client:
            for forged in (f"{redirect}?error={FORGED}", f"{redirect}?error={FORGED}&state=not-{state}"):
                page = client.get(forged)
                pages.append((page.status_code, page.text))
            page = client.get(browse(url).headers["location"])
            pages.append((page.status_code, page.text))

    threads: list[threading.Thread] = []

    def open_url(url: str) -> bool:
        threads.append(threading.Thread(target=visit, args=(url,), daemon=True))
        threads[-1].start()
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    result = box.run("auth")
    threads[0].join(HANG)
    assert result.exit_code == 0, result.output
    assert "logged in as " in result.output and "tokens saved to" in result.output
    assert "planted by a page" not in result.output and "pwned" not in result.output and "\x1b" not in result.output
    assert [status for status, _ in pages] == [400, 400, 200], pages
    assert "does not belong to the login under way" in pages[0][1] and "Logged in" in pages[2][1]


def test_a_time_zone_typo_is_refused_by_validate_with_the_name_it_meant(cli, tmp_path):
    for typo, meant in (("Europe/Amsterdma", "Europe/Amsterdam"), ("europe/amsterdam", "Europe/Amsterdam"), ("Mars/Olympus_Mons", None)):
        result = cli("validate", "--allow-missing-env", str(write_spec(tmp_path, **{"woocommerce:\n": f"woocommerce:\n  timezone: {typo}\n"})))
        assert result.exit_code == 2, result.output
        assert f"woocommerce.timezone: '{typo}' is not a time zone" in result.output
        assert (f"(did you mean {meant}?)" in result.output) if meant else "did you mean" not in result.output
        assert "unexpected error" not in result.output
    fine = cli("validate", "--allow-missing-env", str(write_spec(tmp_path, **{"woocommerce:\n": "woocommerce:\n  timezone: America/New_York\n"})))
    assert fine.exit_code == 0, fine.output


CLEAR_AND_TITLE = "\x1b[2J\x1b]0;pwned\x07"


def test_the_shops_text_reaches_the_terminal_without_escape_sequences(sync_box):
    box = sync_box(orders=6)
    named, failing = box.due()[1], box.due()[2]
    named["number"] = f"{CLEAR_AND_TITLE}A-{named['id']}\r"
    named["billing"]["first_name"] = "Ir\x1b[31mis\x9b2J\u202e"
    failing["currency"] = f"{CLEAR_AND_TITLE}USD"  # fails that order, quoting the shop's currency
    outputs = {
        "preview": box.run("preview", "--limit", "1000"),
        "dry run": box.run("run", "--dry-run"),
        "run": box.run("run"),
        "status": box.run("status"),
    }
    for command, result in outputs.items():
        shown = result.output
        assert not any(c in shown for c in "\x1b\x07\x9b\r\u202e"), (command, shown)
    assert f"A-{named['id']}" in outputs["dry run"].output  # the number shown, without what it carried
    assert "USD" in outputs["run"].output and "USD" in outputs["status"].output and "pwned" not in outputs["status"].output


def test_a_full_disk_during_the_daily_tidy_is_a_clear_message_and_leaves_no_temporary(sync_box, monkeypatch):
    """The disk fills while the tidied ledger is made durable: fsync of the temporary says
    ENOSPC (injected at the OS boundary, for that file only; every other write goes on)."""
    import errno
    import os

    from tests.robust import assert_exactly_once

    box = sync_box(orders=8)
    assert box.run("run").exit_code == 0
    state = box.dir / ".runner" / "state.json"
    with box.ledger() as ledger:
        ledger.set_cursor("tidied", "2000-01-01")  # the first run of a new day tidies the ledger
    before = state.read_bytes()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".compact"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = box.run("run")
    assert result.exit_code == 1, result.output
    assert f"error: cannot write {state}: the disk is full (No space left on device)" in result.output
    assert "what to do: free some space on the disk" in result.output and "nothing is lost" in result.output
    assert "unexpected error" not in result.output and "Traceback" not in result.output
    assert list(state.parent.glob("*.compact")) == []
    assert state.read_bytes().startswith(before[:1000])  # the ledger as it was (the tidy's own lines appended at most)
    monkeypatch.setattr(os, "fsync", real_fsync)  # space freed
    again = box.run("run")
    assert again.exit_code == 0, again.output
    assert_exactly_once(box)
