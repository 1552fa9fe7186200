"""A preview from an orders file as it is read (issue 14 #5): a JSON array or NDJSON, one
order at a time, the same elements as a preview of the file read whole."""

from __future__ import annotations

import json

import pytest

from runner.adapters.exact.sink import OfflineExact
from runner.adapters.woo.orders_file import stream
from runner.errors import SpecError
from runner.sandbox.woo.demo import generate_orders
from runner.services import preview
from runner.spec import check as spec_module
from tests.conftest import write_spec


@pytest.fixture
def shop():
    data = generate_orders(60, seed=3)
    return [{**order, "refunds": data.refunds.get(order["id"], [])} for order in data.orders]  # refunds embedded, as an export may


@pytest.mark.parametrize("shape", ["array", "ndjson"])
def test_a_streamed_preview_is_the_preview_of_the_file_read_whole(tmp_path, shop, shape):
    spec = spec_module.load(write_spec(tmp_path), environ={})
    path = tmp_path / ("orders.json" if shape == "array" else "orders.ndjson")
    path.write_text(json.dumps(shop, indent=2) if shape == "array" else "\n".join(json.dumps(o) for o in shop) + "\n")
    whole = preview.offline(spec, shop, preview.read_refunds(None, shop), OfflineExact())
    streamed = [item for _, _, item in preview.offline_stream(spec, str(path), None, OfflineExact())]
    assert sorted(map(json.dumps, streamed)) == sorted(map(json.dumps, whole.items))
    assert any("refund" in item for item in streamed) and any("skipped" in item for item in streamed)


def test_orders_come_one_by_one_before_the_file_is_read_to_its_end(tmp_path, shop):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(shop)[:-1] + ', {"id": 1, "cut')  # an export cut off at the end
    orders = stream(str(path), preview.read_orders_file)
    assert [next(orders)["id"] for _ in range(len(shop))] == [o["id"] for o in shop]
    with pytest.raises(SpecError, match="is not a valid JSON array"):
        next(orders)


def test_a_line_that_is_no_order_is_named(tmp_path, shop):
    path = tmp_path / "orders.ndjson"
    path.write_text(json.dumps(shop[0]) + "\n[1, 2]\n")
    with pytest.raises(SpecError, match="not an order"):
        list(stream(str(path), preview.read_orders_file))


def test_the_command_writes_the_same_json_as_the_whole_file_preview(tmp_path, shop, cli):
    spec = write_spec(tmp_path)
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(sorted(shop, key=lambda o: o["id"])))
    streamed = cli("preview", str(spec), "--orders-file", str(path), "--format", "json")
    limited = cli("preview", str(spec), "--orders-file", str(path), "--format", "json", "--limit", "100000")  # read whole
    assert json.loads(streamed.stdout) == json.loads(limited.stdout) and streamed.exit_code == limited.exit_code
