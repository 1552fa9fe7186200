"""What the commands show, as plain text lines: the preview table, the run summary, the
status page and the reconciliation of `runner report` (also as CSV and JSON). Pure
functions; the CLI prints what they return."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from runner.cli.report_view import audit_lines, audit_records, verdict_of
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


# `runner report`: the reconciliation of a period, as a table, CSV or JSON
RECONCILE_COLUMNS = ("VAT code", "GL account", "shop net", "shop VAT", "Exact net", "Exact VAT", "diff net", "diff VAT")


def _amount(value, blank_zero: bool = False) -> str:
    return "" if blank_zero and not value else text(value)


def reconcile_lines(rec) -> list[str]:
    """The bookkeeper's view: per VAT code and GL account, then per VAT code (the VAT
    return's boxes), then the documents behind every difference. `!` marks a difference."""
    journals = ", ".join(rec.journals) or "none found"
    out = [f"period {rec.start} to {rec.end} (entry dates, {rec.timezone}); sales journal(s): {journals}"]
    rows = [("", *RECONCILE_COLUMNS)] + [_reconcile_row("!" if row.differs else "", row.code, row.shop, row.exact) for row in rec.rows]
    shop, exact = rec.total("shop"), rec.total("exact")
    rows.append(_reconcile_row("!" if shop != exact else "", ("total", ""), shop, exact))
    out += table(rows, right=range(3, 9))
    codes: dict[str, list] = {}
    for row in rec.rows:
        sums = codes.setdefault(row.code[0], [Decimal(0)] * 4)
        for index, value in enumerate((*row.shop, *row.exact)):
            sums[index] += value
    out += ["", "per VAT code:"]
    rows = [("", "VAT code", "", "shop net", "shop VAT", "Exact net", "Exact VAT", "diff net", "diff VAT")]
    rows += [_reconcile_row("!" if s[:2] != s[2:] else "", (code, ""), tuple(s[:2]), tuple(s[2:])) for code, s in sorted(codes.items())]
    out += table(rows, right=range(3, 9))
    if rec.summaries:
        out += ["", "daily summaries (the shop's orders summed, against Exact's entry):"]
        for doc, booked in rec.summaries:
            mark = "!" if booked != doc.total else " "
            exact = _amount(booked) if booked is not None else "not in Exact"
            orders = f"{len(doc.orders)} document(s): {', '.join(doc.orders)}"
            out.append(f"{mark} {doc.your_ref} ({doc.journal}): shop {_amount(doc.total)}, Exact {exact}; {orders}")
            for paid in (p for p in rec.payments if p.your_ref == doc.your_ref):
                held = f"Exact {_amount(paid.exact)}" if paid.exact is not None else "not in Exact"
                out.append(f"{'!' if paid.differs else ' '}   paid in journal {paid.journal}: shop {_amount(paid.shop)}, {held}")
    if rec.findings:
        out += ["", "documents behind the differences:"] + [f"! {finding_text(f)}" for f in rec.findings]
    out += audit_lines(rec.audit)
    verdict = verdict_of(rec)
    out.append(f"{rec.shop_documents} document(s) in the shop's view, {rec.exact_documents} in Exact: {verdict}")
    return out


def _reconcile_row(mark: str, code: tuple[str, str], shop, exact) -> tuple[str, ...]:
    diff = (exact[0] - shop[0], exact[1] - shop[1])
    return (mark, *code, *(_amount(v) for v in (*shop, *exact)), *(_amount(v, blank_zero=True) for v in diff))


def finding_text(finding) -> str:
    doc = finding.shop or (finding.exact[0] if finding.exact else None)
    order = finding.order_id or (doc.order_id if doc else None)
    refund = doc.refund_id if doc else None
    who = (f"order {order}" + (f" refund {refund}" if refund else "")) if order else f"Exact entry {doc.number}" if doc else "?"
    facts = []
    if finding.shop:
        facts.append(f"shop {finding.shop.entry_date} {_amount(finding.shop.total)}")
    for booked in finding.exact:
        facts.append(
            f"Exact entry {booked.number} {booked.entry_date} {_amount(booked.total)}"
            + ("" if finding.shop else f" (your ref {booked.your_ref!r}, {booked.description!r})")
        )
    note = f"; {finding.note}" if finding.note else ""
    return f"{who}: {finding.problem}" + (f" ({'; '.join(facts)})" if facts else "") + note


def reconcile_records(rec) -> list[dict]:
    """One record per (VAT code, GL account) and one per document behind a difference,
    for CSV and JSON alike; amounts as strings with two decimals."""
    records = [
        {
            "kind": "account",
            "vat_code": row.code[0],
            "gl_account": row.code[1],
            "shop_net": _amount(row.shop[0]),
            "shop_vat": _amount(row.shop[1]),
            "exact_net": _amount(row.exact[0]),
            "exact_vat": _amount(row.exact[1]),
            "diff_net": _amount(row.diff[0]),
            "diff_vat": _amount(row.diff[1]),
            "differs": row.differs,
        }
        for row in rec.rows
    ]
    for doc, booked in rec.summaries:
        records.append(
            {
                "kind": "summary",
                "your_ref": doc.your_ref,
                "entry_date": doc.entry_date.isoformat(),
                "shop_total": _amount(doc.total),
                "exact_total": _amount(booked) if booked is not None else "",
                "differs": booked != doc.total,
                "orders": list(doc.orders),
                **(
                    {
                        "payments": [
                            {
                                "journal": p.journal,
                                "shop": _amount(p.shop),
                                "exact": _amount(p.exact) if p.exact is not None else "",
                                "differs": p.differs,
                            }
                            for p in rec.payments
                            if p.your_ref == doc.your_ref
                        ]
                    }
                    if rec.payments
                    else {}
                ),
            }
        )
    for finding in rec.findings:
        doc = finding.shop or (finding.exact[0] if finding.exact else None)
        records.append(
            {
                "kind": "document",
                "problem": finding.problem,
                "order": finding.order_id or (doc.order_id if doc else None),
                "refund": doc.refund_id if doc else None,
                "your_ref": doc.your_ref if doc else "",
                "entry_date": doc.entry_date.isoformat() if doc else "",
                "exact_entries": [d.number for d in finding.exact],
                "shop_total": _amount(finding.shop.total) if finding.shop else "",
                "exact_total": _amount(sum((d.total for d in finding.exact), Decimal(0))) if finding.exact else "",
                "differs": True,
                "note": finding.note,
            }
        )
    return records


def reconcile_csv(rec) -> str:
    fields = "kind vat_code gl_account shop_net shop_vat exact_net exact_vat diff_net diff_vat problem order refund your_ref entry_date "
    fields += "exact_entries shop_total exact_total differs note orders payments box country rate woo_tax documents"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fields.split(), lineterminator="\n")
    writer.writeheader()
    for record in reconcile_records(rec) + audit_records(rec.audit):
        writer.writerow(
            {
                **record,
                "exact_entries": " ".join(str(n) for n in record.get("exact_entries", [])),
                "orders": " ".join(record.get("orders", [])),
                "payments": "; ".join(f"journal {p['journal']}: shop {p['shop']}, Exact {p['exact'] or '-'}" for p in record.get("payments", [])),
                "documents": "; ".join(record.get("documents", [])),
            }
        )
    return buffer.getvalue().rstrip("\n")


AUDIT_PARTS = (("boxes", "box"), ("rates", "rate"), ("checks", "check"))


def reconcile_json(rec) -> dict[str, Any]:
    records = reconcile_records(rec)
    shop, exact = rec.total("shop"), rec.total("exact")
    return {
        "from": rec.start.isoformat(),
        "to": rec.end.isoformat(),
        "timezone": rec.timezone,
        "journals": rec.journals,
        "differs": rec.differs,
        "shop_documents": rec.shop_documents,
        "exact_documents": rec.exact_documents,
        "total": {"shop_net": _amount(shop[0]), "shop_vat": _amount(shop[1]), "exact_net": _amount(exact[0]), "exact_vat": _amount(exact[1])},
        "accounts": [r for r in records if r["kind"] == "account"],
        "documents": [r for r in records if r["kind"] == "document"],
        "summaries": [r for r in records if r["kind"] == "summary"],
        **{name: [r for r in audit_records(rec.audit) if r["kind"] == kind] for name, kind in AUDIT_PARTS},
    }


def products_table(rows) -> list[str]:
    """`runner products --dry-run`: a row per product, and what a push would do with it. The
    tax class is the shop's: Exact's VAT code comes from mapping.vat_code per booked line."""
    head = [("code", "description", "price", "tax class", "would")]
    return table(head + [(code, description, text(price) if price is not None else "-", tax, done) for code, description, price, tax, done in rows])
