"""A preview's orders from files: an orders file in the REST API's shape (JSON or YAML, one
order or a list) and the refunds per order, from a refunds file or embedded in the orders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from runner.adapters.woo import orders_file
from runner.domain.listed import ListedRefund
from runner.errors import SpecError


def _read_json_or_yaml(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {what} {path}: {exc.strerror}", "check the path") from None
    try:
        return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"{what} {path} is not valid JSON or YAML: {exc}", f"pass the {what} in the REST API's shape") from None


def read_orders_file(path: str) -> list[dict]:
    data = _read_json_or_yaml(path, "orders file")
    if isinstance(data, dict) and "id" in data:
        data = [data]
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise SpecError(f"orders file {path} must hold a list of orders as GET /wc/v3/orders returns them", "export the orders from the REST API")
    return data


def read_refunds(path: str | None, orders: list[dict]) -> dict[int, list[ListedRefund]]:
    """Refunds per order: from a refunds file ({order id: [refund, ...]}) or, when the
    orders embed full refund objects, from the orders themselves."""
    refunds = {listed.rank: full for listed in orders_file.listed(orders) if (full := listed.refunds())}
    if path:
        data = _read_json_or_yaml(path, "refunds file")
        if not isinstance(data, dict):
            raise SpecError(f"refunds file {path} must map order ids to lists of refunds", "see tests/data/woo-sample-refunds.json")
        refunds.update({int(k): orders_file.refunds(v) for k, v in data.items()})
    return refunds
