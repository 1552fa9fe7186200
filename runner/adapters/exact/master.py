"""The administration's master data as the Exact sink needs it: VAT codes, GL accounts
with their GUIDs, journals with their types and currencies, payment conditions. Read once
and kept in the ledger for MASTER_TTL; read again on demand when a code seems missing (the
bookkeeper may just have added it in Exact). Also the checks of a new account's fields."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from runner.adapters.exact.client import ExactApi
from runner.adapters.exact.costs import COST_CENTERS, COST_UNITS, Codes, reader, uses
from runner.adapters.exact.payloads import CASH, MasterData, VatCode
from runner.domain import vat_codes as neutral
from runner.domain.model import percent
from runner.errors import Rejected

MASTER_TTL = 6 * 3600  # seconds master data is trusted before it is read again


@dataclass
class Admin:
    """Master data with the GUIDs the payloads need."""

    master: MasterData
    gl_ids: dict[str, str]
    cash_journals: frozenset[str]
    currencies: dict[str, list] = field(default_factory=dict)  # journal -> [currency, other currencies allowed]
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # ("gl" | "vat", code) -> Exact's description


class MasterCache:
    def __init__(self, api: ExactApi, ledger) -> None:
        self.api, self.ledger = api, ledger
        self._admin: Admin | None = None
        self.fresh = False  # whether the master data in use was read from Exact in this run

    def admin(self, fresh: bool = False) -> Admin:
        if self._admin is not None and not fresh:
            return self._admin
        cached = self.ledger.cursor("exact_master_data")
        read_now = fresh or not cached or time.time() - cached["at"] > MASTER_TTL
        if read_now:
            cached = {"at": time.time(), **self._read_master()}
            self.ledger.set_cursor("exact_master_data", cached)
        self.fresh = self.fresh or read_now
        vat = {c: VatCode(c, Decimal(p), t, eu, charged, blocked) for c, p, t, eu, charged, blocked, *_ in cached["vat"]}
        master = MasterData(
            vat,
            {code: kind for code, _, kind, *_ in cached["gl"]},
            {code: kind for code, kind in cached["journals"]},
            frozenset(cached["conditions"]),
            {row[0]: (int(row[4]), int(row[5])) for row in cached["gl"] if len(row) > 5},  # a cache from before cost centres: none demanded
            Codes(reader(self.api, COST_CENTERS)),
            Codes(reader(self.api, COST_UNITS)),
        )
        names = {("gl", row[0]): row[3] for row in cached["gl"] if len(row) > 3 and row[3]}  # a cache from before names: codes only
        names |= {("vat", row[0]): row[6] for row in cached["vat"] if len(row) > 6 and row[6]}
        self._admin = Admin(
            master,
            {code: guid for code, guid, *_ in cached["gl"]},
            frozenset(code for code, kind in cached["journals"] if kind == CASH),
            cached.get("currencies", {}),
            names,
        )
        return self._admin

    def currency_problem(self, journal: str, currency: str) -> str | None:
        """Exact refuses a document in a currency its journal does not book ("Ongeldig: Valuta")."""
        booked, others_allowed = self.admin().currencies.get(journal, [currency, True])
        if currency and booked and currency != booked and not others_allowed:
            return f"the order is in {currency}, but journal {journal} books {booked} only"
        return None

    def _read_master(self) -> dict[str, list]:
        vat = [
            [
                r["Code"].strip(),
                str(exact_percent(r.get("Percentage"))),
                (r.get("Type") or "E").strip(),
                (r.get("EUSalesListing") or "N").strip(),
                bool(r.get("Charged")),
                bool(r.get("IsBlocked")),
                (r.get("Description") or "").strip(),
            ]
            for r in self.api.get("vat/VATCodes", "ID,Code,Description,Percentage,Type,Charged,EUSalesListing,IsBlocked")
        ]
        gls = [
            [g["Code"].strip(), g["ID"], int(g.get("Type") or 0), (g.get("Description") or "").strip(), *uses(g)]
            for g in gl_accounts(self.api, "ID,Code,Description,Type,UseCostcenter,UseCostunit")
        ]
        rows = [j for j in self.api.get("financial/Journals", "Code,Type,IsBlocked,Currency,AllowVariableCurrency") if not j.get("IsBlocked")]
        journals = [[j["Code"].strip(), int(j.get("Type") or 0)] for j in rows]
        currencies = {j["Code"].strip(): [(j.get("Currency") or "").strip(), bool(j.get("AllowVariableCurrency"))] for j in rows}
        conditions = [c["Code"].strip() for c in self.api.get("cashflow/PaymentConditions", "Code")]
        return {"vat": vat, "gl": gls, "journals": journals, "conditions": conditions, "currencies": currencies}


def vat_codes(api: ExactApi) -> dict[str, neutral.VatCode]:
    """The administration's VAT codes (blocked ones too: documents of before may use them) as
    the runner speaks of them, with what decides their box. OssCountry comes with Exact's
    One-Stop-Shop feature set only: without it, the codes are read without."""
    fields = "Code,Description,Percentage,Type,EUSalesListing,Charged,OssCountry"
    try:
        rows = api.get("vat/VATCodes", fields)
    except Rejected:
        rows = api.get("vat/VATCodes", fields.replace(",OssCountry", ""))
    codes = (
        neutral.VatCode(
            row["Code"].strip(),
            exact_percent(row.get("Percentage")),
            (row.get("Type") or "E").strip(),
            (row.get("EUSalesListing") or "N").strip(),
            (row.get("OssCountry") or "").strip(),
            row.get("Charged") is True,
            description=(row.get("Description") or "").strip(),
        )
        for row in rows
    )
    return {code.code: code for code in codes}


def gl_accounts(api: ExactApi, select: str):
    """The GL accounts not blocked, read through the sync endpoint: 1,000 a page, and its one
    filter (`Timestamp gt 1`) is documented, where the fields financial/GLAccounts's
    mandatory filter takes are not (IsBlocked among them is a guess) [C: DOC:SyncFinancialGLAccounts]."""
    rows = api.get("sync/Financial/GLAccounts", f"{select},IsBlocked,Timestamp", "Timestamp gt 1")
    return [row for row in rows if not row.get("IsBlocked")]


def account_problems(fields: dict[str, str], master: MasterData) -> list[str]:
    """What Exact refuses in a new account, checked before it can cost an error answer."""
    problems = [] if fields.get("Name", "").strip() else ["it has no Name (customers.account.Name is missing or empty)"]
    if fields.get("Status", "C") not in ("C", "P", "S", "A"):
        problems.append(f"Status '{fields['Status']}' is not one of C (customer), P, S, A")
    if not re.fullmatch(r"([A-Za-z]{2})?", fields.get("Country", "").strip()):
        problems.append(f"Country '{fields['Country']}' is not a two-letter ISO code such as NL")
    if fields.get("Email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", fields["Email"].strip()):
        problems.append(f"Email '{fields['Email']}' is not an e-mail address")
    if fields.get("PaymentConditionSales") and fields["PaymentConditionSales"] not in master.payment_conditions:
        problems.append(f"payment condition '{fields['PaymentConditionSales']}' does not exist in this administration")
    if fields.get("SalesVATCode") and fields["SalesVATCode"] not in master.vat_codes:
        problems.append(f"VAT code '{fields['SalesVATCode']}' does not exist in this administration")
    return problems


def decimal_of(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def exact_percent(value: Any) -> Decimal:
    """Exact keeps percentages as fractions (0.21) in doubles; we compare whole percents
    written as the shop writes them (21, 5.5)."""
    return percent((decimal_of(value) * 100).quantize(Decimal("0.01")))
