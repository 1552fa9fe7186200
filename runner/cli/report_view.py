"""`runner report`'s check on the runner (runner/services/vat_audit.py) as the table's last
part and as CSV and JSON records: totals per box of the Dutch VAT return, WooCommerce's own
tax per rate and country against Exact's VAT, and every sanity difference with its documents."""

from __future__ import annotations

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
