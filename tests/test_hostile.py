"""A hostile world never stops the books (issue 12): a shop that trickles, floods, repeats
itself or answers nonsense, one order whose product or refunds fail, a lying next-page
link and an Exact that is down. Each ends in one clear message, or in that one order's
failure while the others are booked; nothing waits on the wall clock."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from runner.adapters.exact.client import ExactApi
from runner.errors import ServiceError
from runner.sandbox.host import Fault
from runner.sandbox.woo.auth import DEFAULT_KEY
from runner.support.http import pausing

ORDERS_LIST = re.compile(r"/wp-json/wc/v3/orders$")


def listing(request) -> bool:
    return bool(ORDERS_LIST.search(request.path))


def booked(box) -> set[str]:
    return {row["YourRef"] for row in box.documents()}


def test_a_shop_that_trickles_its_answer_is_given_up_on_within_the_deadline(sync_box):
    """One byte every 5 s keeps every read within a 5 s timeout; the whole answer has a
    deadline (twice the timeout) that trickling cannot stretch."""
    box = sync_box(orders=3)
    box.spec.write_text(box.spec.read_text().replace("woocommerce:\n", "woocommerce:\n  timeout: 5\n"))
    box.box.woo_server.faults.queue(Fault(200, html=False, body=b"[" + b" " * 10_000 + b"]", trickle=5.0, match=listing), times=10)
    from runner.support.http import clocked

    with clocked(lambda: sum(box.delays)):  # the runner's deadline runs on the sandbox's clock
        result = box.run("run")
    assert result.exit_code == 1, result.output
    assert "the answer took longer than 10 s to arrive" in result.output and "Traceback" not in result.output
    assert sum(box.delays) < 4 * 15  # a few attempts of about 10 s, not 10,000 bytes x 5 s


def test_a_retry_after_of_a_day_stops_the_run_instead_of_sleeping(sync_box):
    box = sync_box(orders=3)
    box.box.woo_server.faults.queue(Fault(429, html=False, headers={"Retry-After": "86400"}, match=listing), times=5)
    waited: list[float] = []
    with pausing(waited.append):
        result = box.run("run")
    assert result.exit_code == 1 and "asks to wait 86400 s" in result.output and "later run carries on" in result.output
    assert waited == []  # not a second of it


def test_a_list_that_repeats_its_first_page_for_every_offset_ends_with_a_message(sync_box):
    """A caching proxy that ignores `offset` (and a page count of a billion): the walk
    notices nothing new comes and stops instead of reading on without end."""
    box = sync_box(orders=150)
    key = (DEFAULT_KEY.consumer_key, DEFAULT_KEY.consumer_secret)
    first = box.box.woo_server.client().get(
        f"{box.box.woo_url}/wp-json/wc/v3/orders", params={"per_page": 100, "orderby": "id", "order": "asc"}, auth=key
    )
    assert len(first.json()) == 100
    repeated = Fault(
        200, html=False, body=first.content, headers={"X-WP-TotalPages": "1000000000"}, match=lambda r: listing(r) and r.arg("offset") != "0"
    )
    box.box.woo_server.faults.queue(repeated, times=50)
    result = box.run("run")
    assert result.exit_code == 1, result.output
    assert "answered the same orders again for 3 pages" in result.output and "exclude /wp-json/ from caching" in result.output
    assert box.box.woo_server.faults.pending >= 45  # it stopped after a few pages, not 50


@pytest.mark.parametrize(
    "body,said",
    [
        (b'{"orders": []}', "is not a list of rows: {'orders': []}"),
        (b"[1, 2, 3]", "is not a list of rows: [1, 2, 3]"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"<?php fatal error", "cannot be read: the answer is not valid JSON"),
    ],
    ids=["object", "not-rows", "deep", "not-json"],
)
def test_a_malformed_page_of_the_list_is_one_clear_error(sync_box, body, said):
    box = sync_box(orders=3)
    box.box.woo_server.faults.queue(Fault(200, html=False, body=body, match=listing), times=5)
    result = box.run("run")
    assert result.exit_code == 1 and said in result.output, result.output
    assert "unexpected error" not in result.output


def categories_spec() -> str:
    return (
        "mapping:\n  gl_account: |\n"
        "    {%- if 'Cadeau' in line.categories %}8060{% elif line.kind == 'shipping' %}8050"
        "{% elif line.kind == 'discount' %}8070{% elif line.tax_rate == 9 %}8010{% else %}8000{% endif %}\n"
    )


def test_products_are_not_asked_when_no_template_reads_categories(sync_box):
    box = sync_box(orders=20)
    box.box.woo_server.faults.queue(Fault(500, match=lambda r: "/products/" in r.path), times=1000)
    result = box.run("run")
    assert result.exit_code == 0, result.output
    assert not [path for _, path in box.woo.log if "/products/" in path]


def test_a_product_whose_endpoint_fails_fails_only_its_orders(sync_box):
    box = sync_box(orders=40, extra=categories_spec())
    product = box.due()[0]["line_items"][0]["product_id"]
    poisoned = {o["number"] for o in box.due() if any(i["product_id"] == product for i in o["line_items"])}
    box.box.woo_server.faults.queue(Fault(500, match=lambda r: r.path.endswith(f"/products/{product}")), times=1000)
    result = box.run("run")
    assert result.exit_code == 1
    assert "the shop kept answering HTTP 500" in result.output and f"products/{product}" in result.output
    assert poisoned and not poisoned & booked(box)
    assert {o["number"] for o in box.due()} - poisoned <= booked(box)  # every other order is booked
    with box.ledger() as ledger:
        assert {f["kind"] for f in ledger.failures()} == {"shop"} and all(f.get("next_retry") for f in ledger.failures())


def test_an_error_on_one_orders_refunds_fails_only_that_order(sync_box):
    box = sync_box(orders=40, woo_options={"refunds_list": False})  # every order's refunds are asked
    victim = box.due()[3]
    box.box.woo_server.faults.queue(Fault(500, match=lambda r: r.path.endswith(f"/orders/{victim['id']}/refunds")), times=100)
    result = box.run("run")
    assert result.exit_code == 1 and f"orders/{victim['id']}/refunds" in result.output
    with box.ledger() as ledger:
        assert [f["order"] for f in ledger.failures()] == [victim["id"]]
    assert {o["number"] for o in box.due()} <= booked(box)  # its sale too: only its refunds wait


def test_orders_with_unreadable_fields_fail_alone_and_a_row_without_an_id_is_said(sync_box):
    box = sync_box(orders=12)
    nan, no_lines = box.due()[1], box.due()[2]
    nan["total"] = "NaN"
    no_lines["line_items"] = {"0": no_lines["line_items"][0]}
    key = (DEFAULT_KEY.consumer_key, DEFAULT_KEY.consumer_secret)
    page = box.box.woo_server.client().get(f"{box.box.woo_url}/wp-json/wc/v3/orders", params={"per_page": 100}, auth=key).json()
    no_id = page[3]
    page[3] = {k: v for k, v in no_id.items() if k != "id"}  # listed without the one field that names it
    box.box.woo_server.faults.queue(Fault(200, html=False, body=json.dumps(page).encode(), match=listing))
    result = box.run("run")
    assert result.exit_code == 1, result.output
    assert "unexpected error" not in result.output and "Traceback" not in result.output
    assert f"order {nan['number']}" in result.output and f"order {no_lines['number']}" in result.output
    assert "the shop listed something that is not an order with an id" in result.output
    others = {o["number"] for o in box.due()} - {nan["number"], no_lines["number"], no_id["number"]}
    assert others <= booked(box)


def test_a_shop_refusal_is_shown_in_the_shops_own_words(sync_box):
    """A plugin's status named on purpose (orders.custom_statuses) that this shop does not
    have: the shop's 400 is shown as it says it, not as throttling."""
    box = sync_box(orders=3)
    named = "[completed, processing, verzonden]\n  custom_statuses: [verzonden]"
    box.spec.write_text(box.spec.read_text().replace("[completed, processing]", named))
    result = box.run("run")
    assert result.exit_code != 0
    assert "status" in result.output and "is not one of" in result.output, result.output
    assert "captcha" not in result.output and "throttling" not in result.output


def test_exact_answering_502_says_it_was_unavailable_and_that_nothing_is_lost(sync_box):
    box = sync_box(orders=3)
    box.box.exact_server.faults.queue(Fault(502, match=lambda r: r.method == "POST" and "SalesEntries" in r.path), times=1)
    result = box.run("run")
    assert "Exact was unavailable" in result.output and "nothing is lost" in result.output
    assert "fix what Exact names" not in result.output
    again = box.run("retry")
    assert again.exit_code == 0, again.output
    assert {o["number"] for o in box.due()} <= booked(box)


def exact_on(handler) -> ExactApi:
    return ExactApi("https://start.exactonline.nl", 1234567, token=lambda refresh=False: "secret-token", transport=httpx.MockTransport(handler))


def test_a_next_page_link_to_another_host_is_not_followed_with_the_token():
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url.host))
        page = {"d": {"results": [{"ID": "a"}]}}
        if len(asked) < 3:  # a lying link, twice
            page["d"]["__next"] = "https://collector.example/api/v1/1234567/crm/Accounts?$skiptoken=x"
        return httpx.Response(200, json=page)

    api = exact_on(handler)
    with pytest.raises(ServiceError, match="another host"):
        list(api.get("crm/Accounts", "ID", "Email eq 'x'"))
    assert asked == ["start.exactonline.nl"]


def test_an_answer_larger_than_the_limit_is_not_read_whole():
    from runner.support.http import TooLarge, fetch

    sent = []

    def flood():
        for _ in range(1000):
            sent.append(1)
            yield b"x" * 1024

    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, stream=_Stream(flood()))))
    with pytest.raises(TooLarge):
        fetch(client, "GET", "https://shop.example/", deadline=60, limit=64 * 1024)
    assert len(sent) <= 66  # stopped at the limit, not after the whole flood


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks) -> None:
        self.chunks = chunks

    def __iter__(self):
        yield from self.chunks


def test_json_nested_beyond_reason_is_a_clear_error():
    from runner.support.http import BadJson, json_body

    deep = httpx.Response(200, content=b"[" * 200_000 + b"]" * 200_000, headers={"Content-Type": "application/json"})
    with pytest.raises(BadJson, match="nested too deeply"):
        json_body(deep)
    assert json_body(httpx.Response(200, content=json.dumps({"total": "1.00"}).encode())) == {"total": "1.00"}


def test_a_long_run_stops_before_it_could_look_stalled_and_the_next_carries_on(sync_box):
    """Every order takes half an hour (a slow Exact, say): with notify.stall_after 2h the
    run stops taking orders after 90 minutes; nothing is skipped, the next run books the rest."""
    import time

    from runner.adapters.woo.rest import reached_trigger
    from tests.test_exact_truth import engine

    box = sync_box(orders=12)
    hours = [0.0]
    start = time.time()
    report = engine(box, clock=lambda: start + hours[0] * 3600, progress=lambda tick: hours.__setitem__(0, hours[0] + 0.5))
    assert report.stopped.startswith("stopped after 120 min, before notify.stall_after") and "the next run carries on" in report.stopped
    assert len(report.booked) == 4
    rest = engine(box)
    assert rest.stopped == "" and len(report.booked) + len(rest.booked) == len(
        [o for o in box.due() if reached_trigger(o, {"completed", "processing"})]
    )
