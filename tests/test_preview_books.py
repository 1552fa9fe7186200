"""Preview asks the books, as the run does (issue 23 #8): an order Exact already holds is
shown as such, read from the same bulk index a run reads, and a preview cut off at its limit
says how many more orders are due."""

from __future__ import annotations

import json
import re


def _state(box):
    return box.dir / ".runner" / "state.json"


def _gets(box) -> int:
    return sum(n for (method, _), n in box.exact.calls.items() if method == "GET")


def _posts(box) -> int:
    return sum(n for (method, _), n in box.exact.calls.items() if method == "POST")


def test_a_preview_after_a_lost_ledger_shows_what_exact_holds_as_the_dry_run_does(sync_box):
    box = sync_box(orders=30)
    assert box.run("run").exit_code == 0
    held = {e["YourRef"]: e for e in box.exact.entries.values()}  # a sale's "5044", a credit's "5044/5276"
    _state(box).unlink()  # lost: only the books know what was booked

    dry = box.run("run", "--dry-run")
    assert dry.exit_code == 0, dry.output
    found = int(re.search(r"(\d+) already in Exact", dry.output).group(1))
    assert found == len(held)

    before, posts = _gets(box), _posts(box)
    table = box.run("preview", "--limit", "5")
    assert table.exit_code == 0, table.output
    assert _gets(box) - before < 10, "the books are read in bulk, not once per order"
    assert "0 document(s) from 0 order(s)" in table.output
    number, entry = min((int(ref), e) for ref, e in held.items() if "/" not in ref)  # the sandbox's order ids are their numbers
    assert f"skipped order {number}: already in Exact (entry {entry['Journal'].strip()}/{entry['EntryNumber']})" in table.output
    assert "more due" not in table.output  # nothing is due: every order is in Exact

    items = json.loads(box.run("preview", "--format", "json").stdout)
    skipped = {(i["order"], i.get("refund")): i["skipped"] for i in items}
    assert len(skipped) == len(held) and all(why.startswith("already in Exact (entry ") for why in skipped.values())
    assert not any("payload" in i for i in items)
    assert _posts(box) == posts  # nothing written


def test_a_preview_at_its_limit_says_how_many_more_are_due(sync_box):
    box = sync_box(orders=40)
    due = len(box.due())
    assert due > 25
    table = box.run("preview")
    assert table.exit_code == 0, table.output
    assert f"25 shown; {due - 25} more due: --limit to see more" in table.output
    assert "more due" not in box.run("preview", "--limit", "1000").output
