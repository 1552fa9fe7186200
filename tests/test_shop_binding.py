"""Whose ledger it is (issue 23 point 2): a ledger binds to a shop only once the shop has
answered, so a run against a mistyped or unreachable address ties it to nothing; a shop
that moves from http to https or gains or loses `www.` is the same shop (it says so in its
/wp-json/ index: home address and site name) and the ledger follows it, with a note; a
really different shop is still refused."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from runner.sandbox.host import Host
from runner.sandbox.transport import HostTransport
from runner.sandbox.woo.api import WooSimulator
from runner.sandbox.woo.carts import DEFAULT_STORE
from runner.support.http import mount, unmount
from tests.conftest import browse


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"  # nothing listens there


@pytest.fixture
def addresses():
    """Origins mounted for a test: `at(origin, transport)`; unmounted afterwards."""
    mounted = []

    def at(origin: str, transport) -> None:
        mount(origin, transport)
        mounted.append(origin)

    yield at
    for origin in mounted:
        unmount(origin)


def point(box, url: str) -> None:
    box.spec.write_text(box.spec.read_text().replace(f"url: {box.current}", f"url: {url}"))
    box.current = url


def test_the_sandbox_shop_describes_itself_at_wp_json_as_wordpress_does(sync_box):
    box = sync_box(orders=2)
    index = browse(box.box.woo_url + "/wp-json/")
    assert index.status_code == 200 and index.json()["home"] == DEFAULT_STORE.url and index.json()["name"] == DEFAULT_STORE.name
    assert "wc/v3" in index.json()["namespaces"]
    assert browse(box.box.woo_url + "/?rest_route=/").json()["name"] == DEFAULT_STORE.name


def test_a_run_against_an_unreachable_address_binds_nothing_and_the_fixed_spec_runs(sync_box):
    box = sync_box(orders=6)
    box.current = box.box.woo_url
    point(box, closed_port())  # a typo in the port: nothing answers there
    failed = box.run("run")
    assert failed.exit_code == 1 and "cannot reach the shop" in failed.output
    point(box, box.box.woo_url)
    fixed = box.run("run")
    assert fixed.exit_code == 0, fixed.output
    assert "belongs to" not in fixed.output and box.documents()
    assert box.run("status").exit_code == 0


def test_a_shop_that_moves_to_https_or_www_keeps_its_ledger_and_another_shop_is_refused(sync_box, addresses):
    box = sync_box(orders=6)
    shop = box.box.woo_server.transport
    for origin in ("https://www.winkel.example.nl", "https://winkel.example.nl"):
        addresses(origin, shop)
    box.current = old = box.box.woo_url  # plain http
    first = box.run("run")
    assert first.exit_code == 0, first.output
    booked = len(box.documents())

    point(box, "https://www.winkel.example.nl")  # the shop moved to https, at www.
    moved = box.run("run")
    assert moved.exit_code == 0, moved.output
    assert f"the ledger was bound to the shop at {old}; it is the same shop at https://www.winkel.example.nl" in moved.output
    assert "Webwinkel Demo" in moved.output and len(box.documents()) == booked
    again = box.run("run")
    assert again.exit_code == 0 and "the ledger was bound" not in again.output  # re-bound: said once
    point(box, "https://winkel.example.nl")  # and without www.
    assert box.run("preview", "--limit", "1").exit_code == 0  # a look: the ledger is not re-bound by it
    assert "it is the same shop at https://winkel.example.nl" in box.run("run").output

    other = WooSimulator.demo(3, seed=9, store=dataclasses.replace(DEFAULT_STORE, url="https://andere-winkel.example.nl", name="Andere Winkel"))
    addresses("https://www.andere-winkel.example.nl", HostTransport(Host(other, "https://www.andere-winkel.example.nl")))
    point(box, "https://www.andere-winkel.example.nl")
    refused = box.run("run")
    assert refused.exit_code == 2 and "belongs to https://winkel.example.nl and" in refused.output
    assert "the shop there says it is Andere Winkel at https://andere-winkel.example.nl; the ledger's is Webwinkel Demo" in refused.output

    unmount("https://www.winkel.example.nl")  # another shop at an address that differs by www. only: it says so
    mount("https://www.winkel.example.nl", HostTransport(Host(other, "https://www.winkel.example.nl")))
    point(box, "https://www.winkel.example.nl")
    refused = box.run("run")
    assert refused.exit_code == 2 and "the shop there says it is Andere Winkel" in refused.output and len(box.documents()) == booked
