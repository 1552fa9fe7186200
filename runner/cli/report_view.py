"""`runner report` drawn: the reconciliation of a period per VAT code and GL account, the
day summaries and the documents behind each difference, as a table, CSV or JSON; then the
check on the runner (runner/services/vat_audit.py) as the table's last part and as records: totals per box of the Dutch VAT return, WooCommerce's own
tax per rate and country against Exact's VAT, and every sanity difference with its documents."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from runner.domain.money import text
from runner.support.text import table


def verdict_of(rec) -> str:
    """The report's last word: what differs, or that everything agrees."""
    if not rec.differs:
        return "everything agrees"
    if rec.findings:
        return f"{len(rec.findings)} document(s) differ"
    if any(row.differs for row in rec.rows) or any(p.differs for p in rec.payments) or not rec.audit:
        return "some amounts differ"
    return f"Exact agrees with the runner, not with WooCommerce's own figures ({len(rec.audit.checks)} difference(s))"


def audit_lines(audit) -> list[str]:
    if audit is None:
        return []
    out = ["", "per box of the VAT return (the box of each VAT code from its properties in Exact):"]
    rows = [("", "box", "shop net", "shop VAT", "Exact net", "Exact VAT")]
    rows += [("!" if sums[:2] != sums[2:] else "", box, *(text(v) for v in sums)) for box, *sums in audit.boxes]
    out += table(rows, right=range(2, 6))
    out += ["", "WooCommerce's own tax lines per rate and country, against Exact's VAT:"]
    rows = [("", "country", "rate", "WooCommerce tax", "Exact VAT")]
    rows += [("!" if woo != exact else "", country, f"{pct:f} %", text(woo), text(exact)) for (country, pct), woo, exact in audit.rates]
    out += table(rows, right=range(3, 5))
    if audit.spread:
        out.append(f"  (refunds of an amount only, without tax lines, counted as booked: {', '.join(audit.spread)})")
    if audit.checks:
        out += ["", "checked against WooCommerce's own figures:"]
        out += [f"! {check.rule}" + (f": {', '.join(check.documents)}" if check.documents else "") for check in audit.checks]
    return out


def audit_records(audit) -> list[dict[str, Any]]:
    if audit is None:
        return []
    records: list[dict[str, Any]] = [
        {"kind": "box", "box": box, "shop_net": text(s[0]), "shop_vat": text(s[1]), "exact_net": text(s[2]), "exact_vat": text(s[3])}
        | {"differs": s[:2] != s[2:]}
        for box, *s in audit.boxes
    ]
    records += [
        {"kind": "rate", "country": c, "rate": f"{p:f}", "woo_tax": text(woo), "exact_vat": text(exact), "differs": woo != exact}
        for (c, p), woo, exact in audit.rates
    ]
    records += [{"kind": "check", "problem": check.rule, "documents": list(check.documents), "differs": True} for check in audit.checks]
    return records


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
