"""`run --to DIR` writes safely (issue 21, finding 9): nothing is written outside DIR,
whatever is planted in it, and a file already at a document's name counts as written only
when it is that document."""

from __future__ import annotations

import json
import os

from tests.robust import documents_by_ref


def orders_in(folder) -> dict[int, dict]:
    return {doc["order"]: doc for doc in (json.loads(p.read_text()) for p in folder.glob("order-*.json")) if doc.get("refund") is None}


def test_a_planted_link_at_a_temporary_is_not_followed_and_nothing_is_written_outside_the_folder(sync_box, tmp_path):
    box = sync_box(orders=6)
    folder, outside = tmp_path / "review", tmp_path / "outside.txt"
    folder.mkdir()
    outside.write_text("the accountant's own file\n")
    victim = box.due()[1]["id"]
    (folder / f".order-{victim}.json.partial").symlink_to(outside)
    result = box.run("run", "--to", str(folder))
    assert result.exit_code == 0, result.output
    assert outside.read_text() == "the accountant's own file\n"  # untouched
    written = folder / f"order-{victim}.json"
    assert not written.is_symlink() and json.loads(written.read_text())["order"] == victim
    assert not os.path.lexists(folder / f".order-{victim}.json.partial")
    assert set(orders_in(folder)) == {o["id"] for o in box.due()}


def test_an_existing_empty_file_or_a_dangling_link_at_a_documents_name_is_not_taken_for_it(sync_box, tmp_path):
    box = sync_box(orders=6)
    folder, outside = tmp_path / "review", tmp_path / "gone.json"
    folder.mkdir()
    empty, dangling, other = (o["id"] for o in box.due()[:3])
    (folder / f"order-{empty}.json").write_text("{}\n")
    (folder / f"order-{dangling}.json").symlink_to(outside)  # points at nothing
    result = box.run("run", "--to", str(folder))
    assert result.exit_code == 0, result.output
    docs = orders_in(folder)
    assert set(docs) == {o["id"] for o in box.due()}  # every document reached the folder
    for order_id in (empty, dangling):
        path = folder / f"order-{order_id}.json"
        assert not path.is_symlink() and docs[order_id]["lines"], docs[order_id]
    assert not outside.exists()  # the link was replaced, not written through
    assert documents_by_ref(box) == {}  # Exact untouched

    # the folder's ledger lost: a file of another order at a name is not that order's document either
    (folder / "ledger.json").unlink()
    (folder / f"order-{other}.json").write_text(json.dumps(docs[empty]))
    again = box.run("run", "--to", str(folder))
    assert again.exit_code == 0, again.output
    assert orders_in(folder)[other] == docs[other] and orders_in(folder)[empty] == docs[empty]
    assert "6 already in the folder" in again.output and "wrote 1 document(s) to " in again.output  # the other files are found, not rewritten


def test_the_folders_ledger_may_not_be_a_link_out_of_it(sync_box, tmp_path):
    box = sync_box(orders=2)
    folder, outside = tmp_path / "review", tmp_path / "elsewhere.json"
    folder.mkdir()
    (folder / "ledger.json").symlink_to(outside)
    result = box.run("run", "--to", str(folder))
    assert result.exit_code == 1, result.output
    assert "ledger.json is a symbolic link" in result.output and "remove the link" in result.output
    assert not outside.exists()
