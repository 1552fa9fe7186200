"""`products.push` means what it says (issue 23 point 3): with true, `runner run` pushes the
products to Exact's items, the first time all of them and after that only those the shop
saved since the last push (a cursor in the ledger, the shop's modified_after); with false,
`runner run` pushes nothing and `runner products` refuses, saying what to do."""

from __future__ import annotations

from decimal import Decimal as D

PUSH = "products:\n  push: true\n"


def item_reads(box) -> int:
    return box.exact.calls[("GET", "sync/Logistics/Items")]


def test_runner_run_pushes_the_products_changed_since_the_last_push(sync_box):
    box = sync_box(orders=6, extra=PUSH)
    catalog = box.woo.catalog
    first = box.run("run")
    assert first.exit_code == 0, first.output
    skus = {p["sku"] for p in catalog.products if p.get("sku") and p["type"] != "variable"}
    skus |= {v["sku"] for vs in catalog.variations.values() for v in vs if v.get("sku")}
    assert skus and skus <= {i["Code"].strip() for i in box.exact.items.values()}
    assert f"products (products.push: true, those changed since the last push): {len(skus)} item(s) created" in first.output
    assert box.documents()  # and the orders were booked

    reads = item_reads(box)
    quiet = box.run("run")
    assert quiet.exit_code == 0 and "0 item(s) created, 0 updated, 0 unchanged" in quiet.output
    assert item_reads(box) == reads  # nothing changed in the shop: Exact's items are not even read

    product = next(p for p in catalog.products if p.get("sku") and p["type"] == "simple")
    box.woo.edit_product(product["id"], regular_price=str(D(product["regular_price"] or "1") + 1))
    changed = box.run("run")
    assert changed.exit_code == 0 and "0 item(s) created, 1 updated, 0 unchanged" in changed.output, changed.output
    item = next(i for i in box.exact.items.values() if i["Code"].strip() == product["sku"])
    rate = {"": D("1.21"), "reduced-rate": D("1.09"), "zero-rate": D("1")}[product["tax_class"]]
    assert D(str(item["StandardSalesPrice"])) == (D(product["regular_price"]) / rate).quantize(D("0.01"))
    assert "0 item(s) created, 0 updated, 0 unchanged" in box.run("run").output


def test_with_push_false_run_pushes_nothing_and_runner_products_refuses_saying_what_to_do(sync_box):
    box = sync_box(orders=4)
    seeded = dict(box.exact.items)
    assert box.run("run").exit_code == 0 and box.exact.items == seeded
    refused = box.run("products")
    assert refused.exit_code == 2 and box.exact.items == seeded
    assert f"products.push is false in {box.spec}" in refused.output
    assert "set products.push: true" in refused.output and "--dry-run" in refused.output
    looked = box.run("products", "--dry-run")
    assert looked.exit_code == 0 and "would create" in looked.output and box.exact.items == seeded
