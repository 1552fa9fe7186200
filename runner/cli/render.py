"""What the commands show, as plain text lines: the preview table, the run summary, the
interruptions. Pure functions; the CLI prints what they return. `runner report`'s
reconciliation is drawn in runner/cli/report_view.py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from runner.domain.money import text
from runner.support.text import table


def documents_table(rows: Sequence[tuple[Any, str]], names: dict[tuple[str, str], str]) -> list[str]:
    """One row per document (who it is booked on, VAT per code, the GL accounts of its
    lines), then the codes it uses with the books' descriptions; never a GUID."""
    table_rows = [("order", "date", "customer", "total", "VAT per code", "GL accounts", "lines", "document")]
    for doc, customer in rows:
        vat = ", ".join(f"{code}: {text(amount)}" for code, amount in doc.vat_by_code().items())
        accounts = ", ".join(dict.fromkeys(line.gl_account for line in doc.lines))
        kind = ("credit " if doc.total < 0 else "") + ("invoice" if doc.target == "sales_invoice" else "entry")
        label = f"{doc.order_number}" + (f" r{doc.refund_id}" if doc.refund_id else "")
        table_rows.append((label, doc.entry_date.isoformat(), customer, text(doc.total), vat, accounts, str(len(doc.lines)), kind))
    return table(table_rows, right=(3,))


def code_legend(names: dict[tuple[str, str], str]) -> list[str]:
    """`GL  8000  Omzet hoog tarief`: the codes used, when the books told their names."""
    if not any(names.values()):
        return []
    rows = [(kind.upper(), code, name) for (kind, code), name in sorted(names.items(), key=lambda kv: (kv[0][0] != "gl", kv[0][1]))]
    return ["GL accounts and VAT codes used:"] + ["  " + line for line in table(rows)]


SKIPS_SHOWN = 20  # skipped orders named one by one under the table; --format json lists every one


ORDERS_SHOWN = 20  # member orders named per day summary in the table; --format json names every one


def preview_lines(result, payloads_json: list[str] | None) -> list[str]:
    rows = [(doc, item["customer"].get("collective") or item["customer"]["match"]["email"]) for doc, item in result.documents]
    out = documents_table(rows, result.names)
    for index, (doc, item) in enumerate(result.documents):
        if "orders" in item:  # a day summary (booking.mode daily_summary)
            out += summary_lines(doc, item)
        out += [f"  ! {doc.order_number}: {warning}" for warning in item["warnings"]]
        if payloads_json:
            out.append(payloads_json[index])
    out += code_legend(result.names)
    skips = sorted(result.skipped.items())
    out += [f"skipped order {order_id}: {why}" for order_id, why in skips[:SKIPS_SHOWN]]
    if len(skips) > SKIPS_SHOWN:
        out.append(f"... and {len(skips) - SKIPS_SHOWN} more skipped order(s); --format json gives the reason for each")
    if result.members or result.summary_failures:
        orders = len({item["order"] for item in result.members})
        out.append(  # the failures themselves go to stderr, once (runner.cli.checks.preview)
            f"{len(result.documents)} day summary(ies) of {len(result.members)} document(s) from {orders} order(s); "
            f"{len(result.skipped)} skipped; {len(result.failures) + len(result.summary_failures)} failed"
        )
        return out
    orders = len({doc.order_id for doc, _ in result.documents})
    out.append(f"{len(result.documents)} document(s) from {orders} order(s); {len(result.skipped)} skipped; {len(result.failures)} failed")
    if getattr(result, "more", 0):
        out.append(f"{orders + len(result.failures)} shown; {result.more} more due: --limit to see more")
    return out


def summary_lines(doc, item: dict[str, Any]) -> list[str]:
    """Under a day summary's row: its journal, the orders behind it, its payment entries, and
    whether its day is closed (else a run would not post it yet)."""
    orders = item["orders"]
    named = ", ".join(orders[:ORDERS_SHOWN]) + (f" and {len(orders) - ORDERS_SHOWN} more" if len(orders) > ORDERS_SHOWN else "")
    out = [f"  {doc.your_ref}: {item['kind']} summary in journal {item['journal']}, {len(orders)} document(s): {named}"]
    for paying in item.get("payments") or ():
        out.append(f"  payment entry in journal {paying['journal']}: {paying['amount']} for {len(paying['orders'])} document(s)")
    if not item["closed"]:
        out.append(f"  ({item['note']})")
    return out


def dry_run_lines(documents: Sequence[tuple[Any, str]], names: dict[tuple[str, str], str], posted: Sequence[dict]) -> list[str]:
    """What a dry run would post, readable: the documents' table, warnings, the new accounts
    and payments, and the codes used. The payloads themselves come with --payloads or as JSON."""
    out = documents_table(documents, names) if documents else []
    out += [f"  ! {doc.order_number}: {warning}" for doc, _ in documents for warning in doc.warnings]
    accounts = [p["customer"] for p in posted if p.get("step") == "account"]
    if accounts:
        shown = ", ".join(accounts[:5]) + (f" and {len(accounts) - 5} more" if len(accounts) > 5 else "")
        out.append(f"new customer account(s) in Exact: {len(accounts)} ({shown})")
    payments = [p for p in posted if p.get("step") == "payment"]
    if payments:
        out.append(f"payment entries: {len(payments)}")
    return out + code_legend(names)


def interrupted(report: dict[str, Any]) -> str:
    """What a run stopped by Ctrl-C leaves: what it booked, and that the next run goes on."""
    credits = f" and {len(report['credits'])} credit document(s)" if report.get("credits") else ""
    failed = f"; {len(report['failed'])} failed" if report.get("failed") else ""
    return (
        f"stopped: {len(report['booked'])} order(s){credits} booked before Ctrl-C{failed}; "
        "nothing half-done is lost: the next `runner run SPEC` looks up what was under way and carries on, booking nothing twice"
    )


def products_interrupted(report, dry: bool) -> str:
    """What a product push stopped by Ctrl-C did, and that the next push goes on."""
    if dry:
        return "stopped before the dry run was through; nothing was written"
    return (
        f"stopped: {len(report.created)} item(s) created and {len(report.updated)} updated before Ctrl-C; "
        "the next `runner products SPEC` matches items on code and carries on, creating none twice"
    )


def run_summary(report: dict[str, Any], dry: bool = False) -> str:
    credits = f", {len(report['credits'])} credit document(s)" if report["credits"] else ""
    left = f" ({report['daily_left']:,} left today)" if report.get("daily_left") is not None else ""
    waiting = f", {len(report['waiting'])} waiting to retry" if report.get("waiting") else ""
    found = f"; {len(report['found'])} already in Exact (recorded, not posted again)" if report.get("found") else ""
    line = (
        f"{'would book' if dry else 'booked'} {len(report['booked'])} order(s){credits}{found}; "
        f"skipped {report['skipped']}; failed {len(report['failed'])}{waiting}; "
        f"Exact calls {report['exact_calls']}{left}"
    )
    return line + (f"; stopped early: {report['stopped']}" if report.get("stopped") else "") + incomplete(report)


def incomplete(report: dict[str, Any]) -> str:
    """The completeness check's finding, if any: booked by the ledger, not in the books."""
    missing, unmatched = report.get("missing") or [], report.get("unmatched") or []
    out = ""
    if missing:
        named = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        out += f"; INCOMPLETE: {len(missing)} document(s) the ledger has as booked are not in Exact ({named}); `runner report` shows the period"
    if unmatched:
        named = ", ".join(unmatched[:10]) + (f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else "")
        out += f"; INCOMPLETE: {len(unmatched)} receipt(s) posted but not matched to their sale in Exact ({named})"
    return out


def products_table(rows) -> list[str]:
    """`runner products --dry-run`: a row per product, and what a push would do with it. The
    tax class is the shop's: Exact's VAT code comes from mapping.vat_code per booked line."""
    head = [("code", "description", "price", "tax class", "would")]
    return table(head + [(code, description, text(price) if price is not None else "-", tax, done) for code, description, price, tax, done in rows])


RETRY_ADVICE = re.compile(r"[,;]? then `runner retry SPEC`")


def failed_order(order_id: Any, message: str, retrying: bool = False) -> str:
    """ "FAILED order 5009: ..." with the order named once (a message may name it itself), and,
    from `runner retry`, without the advice to run `runner retry`: the fix it names is the advice."""
    message = RETRY_ADVICE.sub("", message) if retrying else message
    own = f"order {order_id}: "
    return f"FAILED {own}{message.removeprefix(own)}"
