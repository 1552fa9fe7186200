"""The online `preview --format json` names every GL account and VAT code a document uses by
code and the administration's description, beside Exact's id (issue 25 point 8): the payload
holds GUIDs a consultant cannot read."""

from __future__ import annotations

import json


def test_online_preview_json_gives_codes_with_descriptions_beside_exacts_ids(sync_box):
    box = sync_box(orders=4)
    items = json.loads(box.run("preview", "--format", "json").stdout)
    documents = [i for i in items if "payload" in i]
    assert documents
    guids = {row["ID"]: row for row in box.exact.gl_accounts.values()}
    for item in documents:
        lines = item["payload"].get("SalesEntryLines") or item["payload"].get("SalesInvoiceLines")
        codes = item["codes"]
        assert {g["id"] for g in codes["gl_accounts"]} == {line["GLAccount"] for line in lines}
        for gl in codes["gl_accounts"]:
            assert str(guids[gl["id"]]["Code"]).strip() == gl["code"] and gl["description"] == guids[gl["id"]]["Description"]
        assert {v["code"] for v in codes["vat_codes"]} == {line["VATCode"] for line in lines}
        assert all(v["description"] for v in codes["vat_codes"])
