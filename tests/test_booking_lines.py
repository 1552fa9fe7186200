"""Exact's booking lines, counted beside the calls (issue 25 point 8): a run counts the lines it
posts, `runner status` sums this month's beside the spec's allowance (`exact.monthly_lines`,
the edition's figure, unconfirmed and so the consultant's to set)."""

from __future__ import annotations

import json


def posted_lines(box) -> int:
    return sum(len(doc.get("SalesEntryLines") or []) for doc in box.exact.entries.values())


def test_a_run_counts_the_booking_lines_it_posts_and_status_shows_them(sync_box):
    box = sync_box(orders=5, extra="")
    assert box.run("run").exit_code == 0
    lines = posted_lines(box)
    assert lines >= 5
    status = json.loads(box.run("status", "--json").output)
    assert status["last_run"]["exact_lines"] == lines and status["lines_month"] == lines
    text = box.run("status").output
    assert f"Exact booking lines this month: {lines:,} (no allowance set: exact.monthly_lines)" in text


def test_status_shows_the_lines_beside_the_allowance_of_the_spec(sync_box):
    box = sync_box(orders=3)
    box.spec.write_text(box.spec.read_text().replace("  redirect_uri:", "  monthly_lines: 2500\n  redirect_uri:"))
    assert box.run("run").exit_code == 0
    assert f"Exact booking lines this month: {posted_lines(box):,} of 2,500 (exact.monthly_lines)" in box.run("status").output
