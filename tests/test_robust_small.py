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
    assert "logged in; tokens saved to" in result.output
    assert "planted by a page" not in result.output and "pwned" not in result.output and "\x1b" not in result.output
    assert [status for status, _ in pages] == [400, 400, 200], pages
    assert "does not belong to the login under way" in pages[0][1] and "Logged in" in pages[2][1]


def test_a_time_zone_typo_is_refused_by_validate_with_the_name_it_meant(cli, tmp_path):
    for typo, meant in (("Europe/Amsterdma", "Europe/Amsterdam"), ("europe/amsterdam", "Europe/Amsterdam"), ("Mars/Olympus_Mons", None)):
        result = cli("validate", str(write_spec(tmp_path, **{"woocommerce:\n": f"woocommerce:\n  timezone: {typo}\n"})))
        assert result.exit_code == 2, result.output
        assert f"woocommerce.timezone: '{typo}' is not a time zone" in result.output
        assert (f"(did you mean {meant}?)" in result.output) if meant else "did you mean" not in result.output
        assert "unexpected error" not in result.output
    fine = cli("validate", str(write_spec(tmp_path, **{"woocommerce:\n": "woocommerce:\n  timezone: America/New_York\n"})))
    assert fine.exit_code == 0, fine.output
